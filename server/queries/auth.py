"""Accounts, tokens and channel keys."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.orm import Session

from server.models import ApiKeyRow
from server.models import LoginThrottleRow
from server.models import TokenRow
from server.models import UserRow


def normalize_username(username: str) -> str:
    """How usernames compare: case-insensitive, surrounding whitespace ignored (the login
    rate limit keys on this too)."""
    return username.strip().lower()


def user_by_name(session: Session, username: str) -> UserRow | None:
    return session.scalars(
        select(UserRow).where(func.lower(UserRow.username) == normalize_username(username))
    ).first()


def user_by_id(session: Session, user_id: int) -> UserRow | None:
    return session.get(UserRow, user_id)


def has_admin(session: Session) -> bool:
    """Whether an enabled admin account exists (first run: none)."""
    return session.scalar(select(func.count()).select_from(UserRow).where(
        UserRow.role == "admin", UserRow.disabled_at.is_(None))) > 0


def list_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.id)))


def token_with_user(session: Session, token_hash: str, kinds: tuple[str, ...], now: datetime):
    """Return (token, user) for a live token of one of ``kinds``, or None.

    Live: not revoked, not expired, its user not disabled. Checked on every request, so a
    revocation takes effect at once.
    """
    row = session.execute(
        select(TokenRow, UserRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(
            TokenRow.token_hash == token_hash,
            TokenRow.kind.in_(kinds),
            TokenRow.revoked_at.is_(None),
            TokenRow.expires_at > now,
            UserRow.disabled_at.is_(None),
        )
    ).first()
    return (row[0], row[1]) if row else None


def tokens_with_users(session: Session, token_hashes: list[str], kinds: tuple[str, ...],
                      now: datetime) -> dict[str, tuple]:
    """:func:`token_with_user` for many hashes at once: {hash: (token, user)} of the live ones
    (the socket layer resolves the connections of a reconnect storm in a few queries)."""
    rows = session.execute(
        select(TokenRow, UserRow)
        .join(UserRow, UserRow.id == TokenRow.user_id)
        .where(
            TokenRow.token_hash.in_(token_hashes),
            TokenRow.kind.in_(kinds),
            TokenRow.revoked_at.is_(None),
            TokenRow.expires_at > now,
            UserRow.disabled_at.is_(None),
        )
    ).all()
    return {tok.token_hash: (tok, user) for tok, user in rows}


def touch_tokens(session: Session, token_ids: list[int], now: datetime) -> None:
    """:func:`touch_token` for many tokens in one statement."""
    if token_ids:
        session.execute(
            update(TokenRow)
            .where(TokenRow.id.in_(token_ids))
            .where((TokenRow.last_seen_at.is_(None))
                   | (TokenRow.last_seen_at < now - timedelta(minutes=1)))
            .values(last_seen_at=now)
        )


def touch_token(session: Session, token_id: int, now: datetime) -> None:
    """Record use, at most once a minute per token (concurrent requests write once)."""
    session.execute(
        update(TokenRow)
        .where(TokenRow.id == token_id)
        .where(
            (TokenRow.last_seen_at.is_(None)) | (TokenRow.last_seen_at < now - timedelta(minutes=1))
        )
        .values(last_seen_at=now)
    )


def revoke_user_tokens(session: Session, user_id: int, now: datetime) -> list[int]:
    ids = session.scalars(
        update(TokenRow)
        .where(TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(TokenRow.id)
    )
    return list(ids)


def key_by_hash(session: Session, key_hash: str) -> ApiKeyRow | None:
    return session.scalars(
        select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash, ApiKeyRow.revoked_at.is_(None))
    ).first()


def key_by_ref(session: Session, ref: str) -> ApiKeyRow | None:
    """A key by id or by its public prefix (what a leaked key shows)."""
    if ref.isdigit():
        return session.get(ApiKeyRow, int(ref))
    return session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == ref)).first()


def list_keys(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id)))


def notify_revoked(session: Session, payload: str) -> None:
    """Tell every server process (LISTEN kendali_revoked) to drop sockets; sent on commit."""
    session.execute(text("SELECT pg_notify('kendali_revoked', :p)"), {"p": payload})


# -- failed sign-ins, per name and address ---------------------------------------------------
def blocked_until(session: Session, name_hash: str, address: str, now: datetime):
    """When (name, address) may try again, or None when it may now."""
    return session.scalar(
        select(LoginThrottleRow.blocked_until).where(
            LoginThrottleRow.name_hash == name_hash, LoginThrottleRow.address == address,
            LoginThrottleRow.blocked_until > now))


_FAILURE = text("""
INSERT INTO login_throttle AS t (name_hash, address, failures, last_failed_at)
VALUES (:name_hash, :address, 1, :now)
ON CONFLICT (name_hash, address) DO UPDATE
   SET failures = CASE WHEN t.last_failed_at < :forget THEN 1 ELSE t.failures + 1 END,
       last_failed_at = :now
RETURNING failures
""")


def add_failure(session: Session, name_hash: str, address: str, now: datetime,
                forget_after: timedelta) -> int:
    """Count a failed sign-in; return the consecutive failures (a quiet ``forget_after``
    starts the count again). Rows quiet that long are removed on the way."""
    session.execute(delete(LoginThrottleRow)
                    .where(LoginThrottleRow.last_failed_at < now - forget_after))
    return session.execute(_FAILURE, {"name_hash": name_hash, "address": address, "now": now,
                                      "forget": now - forget_after}).scalar_one()


def block(session: Session, name_hash: str, address: str, until: datetime) -> None:
    session.execute(update(LoginThrottleRow)
                    .where(LoginThrottleRow.name_hash == name_hash,
                           LoginThrottleRow.address == address)
                    .values(blocked_until=until))


def clear_failures(session: Session, name_hash: str, address: str) -> None:
    session.execute(delete(LoginThrottleRow).where(LoginThrottleRow.name_hash == name_hash,
                                                   LoginThrottleRow.address == address))
