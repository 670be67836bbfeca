"""Principals, roles and scope: who is asking, and what they may see and do.

One place decides scope: :func:`scope` turns the principal into a :class:`Scope`, whose
clause builders every query that lists or fetches applies in SQL, and whose rooms the socket
layer uses. Out-of-scope single items are 404, never 403, so existence is not revealed.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from flask import current_app
from flask import g
from flask import request
from flask import session as cookie_session
from sqlalchemy import ColumnElement
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import true

from server.errors import ApiError
from server.platform import clock
from server.platform.db import get_session
from server.queries import auth as q

ROLES = ("operator", "regional", "field", "wall", "admin")
NATIONAL_ROLES = ("operator", "wall", "admin")
CHANNELS = ("jaga_bansos", "sp4n_lapor", "ditjen", "whistleblower")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

USER_TOKEN_PREFIX = "kdt_"
CHANNEL_KEY_PREFIX = "kdl_"

_hasher = PasswordHasher()
# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``kind`` is ``user``, ``channel`` or ``anonymous``."""

    kind: str
    role: str | None = None
    user_id: int | None = None
    username: str | None = None
    region: str | None = None
    responder_id: int | None = None
    channel: str | None = None
    key_id: int | None = None
    token_id: int | None = None
    via: str | None = None  # "bearer" or "session"

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def label(self) -> str:
        """How the audit trail names this principal (never a secret)."""
        if self.kind == "user":
            return f"user:{self.username}"
        if self.kind == "channel":
            return f"key:{self.key_id}:{self.channel}"
        return "anonymous"


ANONYMOUS = Principal(kind="anonymous")


# -- scope ----------------------------------------------------------------------------------
def _room(kind: str, key: str | int) -> str:
    return f"{kind}:{key}"


def national_room() -> str:
    return "national"


def area_room(code: str) -> str:
    """The room of a province (``province:72``) or regency (``regency:72.71``)."""
    return _room("province" if "." not in code else "regency", code)


def responder_room(responder_id: int) -> str:
    return _room("responder", responder_id)


@dataclass(frozen=True)
class Scope:
    """What a principal may see: everything, one area (and below), or one responder's work."""

    national: bool = False
    region: str | None = None
    responder_id: int | None = None

    def covers_code(self, code: str | None) -> bool:
        if self.national:
            return True
        if not self.region or not code:
            return False
        return code == self.region or code.startswith(self.region + ".")

    def code_clause(self, column) -> ColumnElement[bool]:
        """SQL: an area-code column lies in this scope (``72`` covers ``72.71.01``)."""
        if self.national:
            return true()
        if not self.region:
            return false()
        return or_(column == self.region, column.like(self.region + ".%"))

    def regions_clause(self, regions_column, responders_column=None) -> ColumnElement[bool]:
        """SQL for rows carrying a region-code array (ancestors included, as the event log)."""
        if self.national:
            return true()
        if self.region:
            return regions_column.contains([self.region])
        if self.responder_id is not None and responders_column is not None:
            return responders_column.contains([self.responder_id])
        return false()

    def may_join(self, room: str) -> bool:
        kind, _, key = room.partition(":")
        if room == national_room():
            return self.national
        if kind in ("province", "regency"):
            return self.covers_code(key)
        if kind == "responder":
            return self.national or (
                self.responder_id is not None and key == str(self.responder_id)
            )
        return False

    def default_rooms(self) -> list[str]:
        if self.national:
            return [national_room()]
        if self.region:
            return [area_room(self.region)]
        if self.responder_id is not None:
            return [responder_room(self.responder_id)]
        return []


def scope(principal: Principal) -> Scope:
    """The one function that decides what ``principal`` may see."""
    if principal.kind != "user":
        return Scope()
    if principal.role in NATIONAL_ROLES:
        return Scope(national=True)
    if principal.role == "regional":
        return Scope(region=principal.region)
    if principal.role == "field":
        return Scope(responder_id=principal.responder_id)
    return Scope()


# -- secrets --------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_user_token() -> tuple[str, str, str]:
    """Return (token, public prefix, hash) for a bearer token or session."""
    token = USER_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, token[:12], sha256(token)


def new_channel_key(channel: str) -> tuple[str, str, str]:
    """Return (key, prefix, hash). The prefix names the channel and 8 random characters,
    so a key found in a log or a paste can be identified and revoked."""
    prefix = f"{CHANNEL_KEY_PREFIX}{channel}_{secrets.token_hex(4)}"
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, sha256(key)


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen


def new_wall_code() -> tuple[str, str]:
    """Return (code, hash) for a one-time wall code such as ``K7MQ2-XR4TD``."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    code = f"{raw[:5]}-{raw[5:]}"
    return code, sha256(normalize_wall_code(code))


def normalize_wall_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def generate_password() -> str:
    return secrets.token_urlsafe(15)


# -- the current principal ------------------------------------------------------------------
def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


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
    if tok.last_seen_at is None or now - tok.last_seen_at >= TOUCH_EVERY:
        q.touch_token(session, tok.id, now)  # "last seen", at most a write a minute per token
        session.commit()
    return Principal(
        kind="user",
        role=user.role,
        user_id=user.id,
        username=user.username,
        region=user.region_code,
        responder_id=user.responder_id,
        token_id=tok.id,
        via="session" if tok.kind in ("session", "wall") else "bearer",
    )


def principal_for_key(key: str) -> Principal | None:
    session = get_session()
    row = q.key_by_hash(session, sha256(key))
    if row is None:
        return None
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


def client_ip() -> str | None:
    # Behind the documented reverse proxy, ProxyFix (KENDALI_PROXY_HOPS) sets remote_addr.
    return request.remote_addr if request else None


def token_ttl_hours(role: str) -> float:
    config = current_app.config
    return config["FIELD_TOKEN_TTL_HOURS"] if role == "field" else config["TOKEN_TTL_HOURS"]
