"""Signing in: check a password, issue a token or session; throttle failures.

Failures are counted per (name as typed, client address), whether or not an account has
that name: after ``LOGIN_MAX_FAILURES`` in a row that address must wait one minute before
trying that name again, and each further failure doubles the wait, up to
``LOGIN_LOCK_MINUTES``. So a stranger cannot keep someone else's account locked (only their
own address waits), and an unknown name, a wrong password, a disabled account and a
throttled name all answer alike: nothing tells whether an account exists. The name is kept
as an HMAC (people type passwords into the name field).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from server.auth.credentials import token_ttl_hours
from server.auth.credentials import verify_password
from server.auth.scope import Principal
from server.auth.scope import Unauthorized
from server.errors import ApiError
from server.models import TokenRow
from server.models import UserRow
from server.platform import clock
from server.platform import crypto
from server.queries import auth as q
from server.services import audit
from server.services.accounts import issue_token

#: A name and address quiet this long start counting failures from zero again.
FORGET_AFTER = timedelta(days=1)


class Throttled(ApiError):
    """Too many failed sign-ins for this name from this address: wait ``retry_after`` s."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too many failed sign-ins for this name from this address; try again later",
            {"username": f"try again in {retry_after} s"},
        )
        self.retry_after = retry_after


@dataclass
class Login:
    token: str
    row: TokenRow
    user: UserRow


def _name_hash(username: str) -> str:
    key = crypto.identity_key()
    name = q.normalize_username(username)[:64].encode()
    return hmac.new(key, b"login:" + name, hashlib.sha256).hexdigest()


def login(session: Session, username: str, password: str, kind: str = "api") -> Login:
    """Check a password and issue a token or session (``kind``); count failures."""
    config = current_app.config
    now, address = clock.now(), audit.client_ip() or ""
    name_hash = _name_hash(username or "")
    wait_until = q.blocked_until(session, name_hash, address, now)
    if wait_until is not None:
        raise Throttled(max(1, int((wait_until - now).total_seconds() + 0.999)))
    user = q.user_by_name(session, username or "")
    ok = verify_password(user.password_hash if user else None, password or "")
    if user is None or not ok or user.disabled_at is not None or user.role == "wall":
        _failed(session, user, name_hash, address, now)
        raise Unauthorized("wrong username or password")
    q.clear_failures(session, name_hash, address)
    user.last_login_at = now
    token, row = issue_token(session, user, kind, token_ttl_hours(config, user.role))
    audit.record(session, Principal(kind="user", role=user.role, username=user.username),
                 "auth.login", "token", row.id, None, {"kind": kind, "prefix": row.prefix})
    session.commit()
    return Login(token, row, user)


def _failed(session: Session, user: UserRow | None, name_hash: str, address: str,
            now: datetime) -> None:
    """Count the failure; from the LOGIN_MAX_FAILURES-th on, the address waits (doubling)."""
    config = current_app.config
    failures = q.add_failure(session, name_hash, address, now, FORGET_AFTER)
    beyond = failures - config["LOGIN_MAX_FAILURES"]
    if beyond >= 0:
        minutes = min(float(config["LOGIN_LOCK_MINUTES"]), 2.0 ** min(beyond, 20))
        until = now + timedelta(minutes=minutes)
        q.block(session, name_hash, address, until)
        if user is not None:  # worth an audit entry: someone is guessing at a real account
            audit.record(session, "system", "auth.throttle", "user", user.id, None,
                         {"address": address or None, "failures": failures,
                          "blocked_until": until.isoformat()})
    session.commit()
