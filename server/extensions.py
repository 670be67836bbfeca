"""Extension singletons, bound to the app in ``create_app``."""

from flask import current_app
from flask import request
from flask_limiter import Limiter
from flask_socketio import SocketIO
from werkzeug.local import LocalProxy


def _has_bearer() -> bool:
    return request.headers.get("Authorization", "")[:7].lower() == "bearer "


def _bearer_key() -> str:
    # Limit per credential (its public part), not per address: offices share NAT addresses.
    return "bearer:" + request.headers.get("Authorization", "")[7:19]


socketio = SocketIO()
limiter = Limiter(
    key_func=_bearer_key,
    default_limits=[lambda: current_app.config["TOKEN_RATE_LIMIT"]],
    default_limits_exempt_when=lambda: not _has_bearer(),
    headers_enabled=True,
)
#: The current app's :class:`server.platform.db.Database`.
db = LocalProxy(lambda: current_app.extensions["kendali_db"])
