"""The request side of authentication: who sent this request, may they, and CSRF.

Loads the principal from a bearer token, a channel key or the session cookie (once per
request), guards views with :func:`require`, and checks every request before it runs
(:func:`check_request`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from functools import wraps

from flask import g
from flask import request
from flask import session as cookie_session
from flask.sessions import SecureCookieSessionInterface

from server.auth.credentials import CHANNEL_KEY_PREFIX
from server.auth.credentials import bearer_credential
from server.auth.credentials import sha256
from server.auth.scope import AGENCY
from server.auth.scope import ANONYMOUS
from server.auth.scope import Forbidden
from server.auth.scope import Principal
from server.auth.scope import Scope
from server.auth.scope import Unauthorized
from server.auth.scope import scope
from server.errors import ApiError
from server.platform import clock
from server.platform.db import get_session
from server.queries import auth as q

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _bearer() -> str | None:
    return bearer_credential(request.headers.get("Authorization"))


#: How stale a token's ``last_seen_at`` may get before a request records its use again.
TOUCH_EVERY = timedelta(minutes=1)


def principal_for_token(token: str, kinds=("api", "wall", "session")) -> Principal | None:
    """Resolve a user token, session or wall token (any role) to its principal."""
    session = get_session()
    found = q.token_with_user(session, sha256(token), kinds, clock.now())
    if not found:
        return None
    tok, user = found
    now = clock.now()
    if needs_touch(tok, now):
        q.touch_token(session, tok.id, now)  # "last seen", at most a write a minute per token
        session.commit()
    return principal_of(tok, user)


def needs_touch(tok, now) -> bool:
    """Whether a use of ``tok`` should be written as its "last seen" (once a minute)."""
    return tok.last_seen_at is None or now - tok.last_seen_at >= TOUCH_EVERY


def principal_of(tok, user) -> Principal:
    """The principal of a live token and its user."""
    return Principal(
        kind="user",
        role=user.role,
        user_id=user.id,
        username=user.username,
        region=user.region_code,
        responder_id=user.responder_id,
        unit_id=user.unit_id,
        token_id=tok.id,
        via="session" if tok.kind in ("session", "wall") else "bearer",
        expires_at=tok.expires_at,
    )


def principal_for_key(key: str) -> Principal | None:
    session = get_session()
    row = q.key_by_hash(session, sha256(key))
    if row is None:
        return None
    if row.channel == AGENCY:  # a role of its own: no other view lets it in
        return Principal(kind=AGENCY, role=AGENCY, channel=AGENCY, agency=row.agency,
                         key_id=row.id, via="bearer")
    return Principal(
        kind="channel", role="channel", channel=row.channel, key_id=row.id, via="bearer"
    )


def load_principal() -> Principal:
    """Authenticate the request: bearer token, channel key or session cookie."""
    bearer = _bearer()
    if bearer:
        if bearer.startswith(CHANNEL_KEY_PREFIX):
            found = principal_for_key(bearer)
        else:
            found = principal_for_token(bearer, kinds=("api",))
        if found is None:
            raise Unauthorized("invalid, expired or revoked credentials")
        return found
    sid = cookie_session.get("sid")
    if sid:
        found = principal_for_token(sid, kinds=("session", "wall"))
        if found is None:
            cookie_session.pop("sid", None)
        return found or ANONYMOUS
    return ANONYMOUS


def current_principal() -> Principal:
    if "principal" not in g:
        g.principal = load_principal()
    return g.principal


def current_scope() -> Scope:
    return scope(current_principal())


def require(*roles: str) -> Callable:
    """Decorator: the request must come from one of ``roles`` (``channel`` for keys)."""

    def wrap(view):
        @wraps(view)
        def inner(*args, **kwargs):
            principal = current_principal()
            if not principal.authenticated:
                raise Unauthorized("authentication required")
            if principal.role not in roles:
                raise Forbidden("not allowed for this role")
            return view(*args, **kwargs)

        return inner

    return wrap


# -- the browser session cookie ------------------------------------------------------------
class CredentialSessionInterface(SecureCookieSessionInterface):
    """The signed cookie expires with the session it carries: a wall's after a year, an
    operator's after ``KENDALI_TOKEN_TTL_HOURS`` (Flask would give every role the longest
    lifetime, ``PERMANENT_SESSION_LIFETIME``, which stays the bound on the signature)."""

    def get_expiration_time(self, app, session):
        """The stored end of the session (``ends``, epoch seconds), else Flask's rule."""
        ends = session.get("ends")
        if session.permanent and isinstance(ends, int | float):
            return datetime.fromtimestamp(ends, UTC)
        return super().get_expiration_time(app, session)


def start_browser_session(token: str, expires_at: datetime) -> None:
    """A fresh cookie session (and CSRF token) carrying ``token`` until ``expires_at``."""
    cookie_session.clear()
    cookie_session.permanent = True
    cookie_session["sid"] = token
    cookie_session["ends"] = int(expires_at.timestamp())
    csrf_token()


# -- CSRF -----------------------------------------------------------------------------------
def csrf_token() -> str:
    """The session's CSRF token (created on first use) for forms and the X-CSRF-Token header."""
    token = cookie_session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        cookie_session["csrf"] = token
    return token


def check_request() -> None:
    """Before every request: no NUL characters (PostgreSQL text cannot hold them), CSRF for
    cookie-borne writes, and the wall is read-only."""
    bad = [name for name, value in request.args.items(multi=True)
           if "\x00" in name or "\x00" in value]
    if bad or "\x00" in request.path:
        raise ApiError("NUL character in the request", {name: "contains NUL" for name in bad}
                       or {"path": "contains NUL"})
    if request.method in SAFE_METHODS:
        return
    if _bearer() is None and (
        cookie_session.get("sid") or request.form or request.path in ("/login", "/logout")
    ):
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
        expected = cookie_session.get("csrf")
        if not expected or not sent or not secrets.compare_digest(sent, expected):
            raise Forbidden("missing or invalid CSRF token", {"csrf_token": "required"})
    principal = current_principal()
    if principal.role == "wall" and request.path != "/logout":
        raise Forbidden("the video wall is read-only")
