"""Extension singletons, bound to the app in ``create_app``, and the rate limiter's keys.

Every key is built from the credential as authentication reads it (scheme case-insensitive,
whitespace stripped; usernames stripped and lower-cased), so spelling a credential another
way never opens a fresh budget. Request bodies are parsed through the app's bounded JSON
provider (:mod:`server.web.body`), so a hostile body cannot break a key function.
"""

from flask import current_app
from flask import request
from flask import session as cookie_session
from flask_limiter import Limit
from flask_limiter import Limiter
from flask_socketio import SocketIO
from werkzeug.local import LocalProxy

from server.auth.credentials import bearer_credential
from server.auth.credentials import channel_key_prefix
from server.auth.credentials import sha256
from server.queries.auth import normalize_username


def _bearer() -> str | None:
    return bearer_credential(request.headers.get("Authorization"))


def credential_key() -> str:
    """Per credential, not per address: offices share NAT addresses."""
    return "bearer:" + sha256(_bearer() or "")[:32]


def intake_key() -> str:
    """Per channel key: its public prefix (``kdl_<channel>_<8 hex>``)."""
    credential = _bearer() or ""
    return "intake:" + (channel_key_prefix(credential) or sha256(credential)[:32])


def login_key() -> str:
    """Per client address and username, so one office cannot lock out another."""
    name = ""
    if request.method == "POST":
        body = request.get_json(silent=True, force=True) if not request.form else None
        if isinstance(body, dict) and isinstance(body.get("username"), str):
            name = body["username"]
        elif isinstance(request.form.get("username"), str):
            name = request.form["username"]
    return f"login:{request.remote_addr}:{normalize_username(name)[:64]}"


def address_key() -> str:
    """Per client address (after the trusted proxies: ``KENDALI_PROXY_HOPS``)."""
    return f"address:{request.remote_addr}"


def anonymous() -> bool:
    """The request carries no credential: no bearer, no signed session."""
    return _bearer() is None and not cookie_session.get("sid")


socketio = SocketIO()
limiter = Limiter(
    key_func=address_key,
    default_limits=[
        Limit(lambda: current_app.config["TOKEN_RATE_LIMIT"], key_function=credential_key,
              exempt_when=lambda: _bearer() is None),
        # One budget per address over every endpoint reachable without credentials.
        Limit(lambda: current_app.config["ANONYMOUS_RATE_LIMIT"], key_function=address_key,
              scope="anonymous", shared=True, exempt_when=lambda: not anonymous()),
    ],
    headers_enabled=True,
)
#: The current app's :class:`server.platform.db.Database`.
db = LocalProxy(lambda: current_app.extensions["kendali_db"])
