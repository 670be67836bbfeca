"""Extension singletons, bound to the app in ``create_app``."""

from flask import current_app
from flask_socketio import SocketIO
from werkzeug.local import LocalProxy

socketio = SocketIO()
#: The current app's :class:`server.db.Database`.
db = LocalProxy(lambda: current_app.extensions["kendali_db"])
