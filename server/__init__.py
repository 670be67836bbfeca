"""Kendali's web application.

``create_app`` is imported lazily so that ``server.wsgi`` can monkey-patch eventlet before
Flask, SQLAlchemy or the socket libraries are imported.
"""


def create_app(test_config: dict | None = None):
    """Build the Flask app (see :func:`server.app.create_app`)."""
    from server.app import create_app as _create_app

    return _create_app(test_config)
