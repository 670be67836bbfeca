"""Accounts, logins, tokens, channel keys and wall codes. Every change is audited."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.areas import AreaCodeError
from geo.areas import normalize_code
from server.auth.credentials import generate_password
from server.auth.credentials import hash_password
from server.auth.credentials import new_channel_key
from server.auth.credentials import new_user_token
from server.auth.credentials import new_wall_code
from server.auth.credentials import normalize_wall_code
from server.auth.credentials import sha256
from server.auth.scope import AGENCY
from server.auth.scope import CHANNELS
from server.auth.scope import ROLES
from server.auth.scope import Principal
from server.errors import ApiError
from server.models import ApiKeyRow
from server.models import TokenRow
from server.models import UserRow
from server.platform import clock
from server.queries import areas as area_queries
from server.queries import auth as q
from server.queries import units as unit_queries
from server.services import audit
from server.services import units


class Conflict(ApiError):
    status = 409


def user_dict(user: UserRow) -> dict:
    """The public view of an account (no hash, no counters)."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "region": user.region_code,
        "responder_id": user.responder_id,
        "unit_id": user.unit_id,
        "display_name": user.display_name,
        "disabled": user.disabled_at is not None,
        "created_at": user.created_at.isoformat() if user.created_at else None,
    }


def _validate_user(username: str, role: str, region: str | None,
                   has_unit: bool = False) -> tuple[str, str | None]:
    fields: dict[str, str] = {}
    username = (username or "").strip()
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-@" for c in username):
        fields["username"] = "1-64 characters: letters, digits, . _ - @"
    if role not in ROLES:
        fields["role"] = f"one of {', '.join(ROLES)}"
    code = None
    if role == "regional" and has_unit and not region:
        pass  # a unit's account with no region of its own: it sees what is forwarded to it
    elif role == "regional":
        try:
            code = normalize_code(region or "")
            if code.count(".") > 1:
                fields["region"] = "a province (72) or regency (72.71) code"
        except AreaCodeError:
            fields["region"] = "required for a regional account: a province or regency code"
    elif region:
        fields["region"] = "only regional accounts are bound to a region"
    if fields:
        raise ApiError("invalid account", fields)
    return username, code


def create_user(
    session: Session,
    actor,
    username: str,
    role: str,
    region: str | None = None,
    password: str | None = None,
    responder_id: int | None = None,
    display_name: str | None = None,
    unit_id: int | None = None,
) -> tuple[UserRow, str | None]:
    """Create an account; return it and the generated password (None if one was given).

    ``unit_id``: the work unit it belongs to; a regional account of a unit without a region
    of its own takes the unit's region (or none: it then sees what is forwarded to it)."""
    unit = None
    if unit_id is not None:
        found = unit_queries.get_unit(session, units.require(session, unit_id))
        unit = found[0] if found else None
        if role == "regional" and not region and unit is not None:
            region = unit.region_code
    username, code = _validate_user(username, role, region, has_unit=unit is not None)
    if code and area_queries.level_of(session, code) not in ("province", "regency"):
        # A scope over no loaded area would see nothing, silently: refuse it up front.
        raise ApiError("invalid account", {"region": "not a loaded province or regency code"})
    generated = None
    if role != "wall":
        if password is None:
            password = generated = generate_password()
        if len(password) < 10:
            raise ApiError("invalid account", {"password": "at least 10 characters"})
    user = UserRow(
        username=username,
        role=role,
        region_code=code,
        responder_id=responder_id,
        unit_id=unit.id if unit is not None else None,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("username already exists", {"username": "taken"}) from None
    audit.record(session, actor, "user.create", "user", user.id, None, user_dict(user))
    session.commit()
    return user, generated


def reset_password(session: Session, actor, user: UserRow) -> str:
    """Give ``user`` a new generated password (returned once) and end its sessions."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.disabled_at = None  # failed sign-ins are throttled per address, not on the account
    q.revoke_user_tokens(session, user.id, clock.now())
    q.notify_revoked(session, f"user:{user.id}")
    audit.record(session, actor, "user.password_reset", "user", user.id, None, None)
    session.commit()
    return password


def set_disabled(session: Session, actor, user: UserRow, disabled: bool) -> UserRow:
    """Disable (or re-enable) an account; disabling revokes its tokens and drops its sockets."""
    before = user_dict(user)
    user.disabled_at = clock.now() if disabled else None
    if disabled:
        q.revoke_user_tokens(session, user.id, clock.now())
        q.notify_revoked(session, f"user:{user.id}")
    audit.record(
        session,
        actor,
        "user.disable" if disabled else "user.enable",
        "user",
        user.id,
        *audit.changed(before, user_dict(user)),
    )
    session.commit()
    return user


def issue_token(session: Session, user: UserRow, kind: str, hours: float) -> tuple[str, TokenRow]:
    """A new token (or session, wall token) for ``user``: (the token, its row)."""
    token, prefix, digest = new_user_token()
    row = TokenRow(
        user_id=user.id,
        kind=kind,
        prefix=prefix,
        token_hash=digest,
        expires_at=clock.now() + timedelta(hours=hours),
        created_ip=audit.client_ip(),
    )
    session.add(row)
    session.flush()
    return token, row


def revoke_token(session: Session, actor, token_id: int) -> None:
    row = session.get(TokenRow, token_id)
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = clock.now()
    q.notify_revoked(session, f"token:{row.id}")
    audit.record(session, actor, "token.revoke", "token", row.id, None, {"prefix": row.prefix})
    session.commit()


def create_key(session: Session, actor, channel: str, name: str | None = None):
    """Create a channel key; return (row, key). The key is shown once and stored as a hash."""
    if channel not in CHANNELS:
        raise ApiError("invalid key", {"channel": f"one of {', '.join(CHANNELS)}"})
    key, prefix, digest = new_channel_key(channel)
    row = ApiKeyRow(channel=channel, name=name, prefix=prefix, key_hash=digest)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "key.create",
        "api_key",
        row.id,
        None,
        {"channel": channel, "prefix": prefix, "name": name},
    )
    session.commit()
    return row, key


def create_agency_key(session: Session, actor, agency: str, name: str | None = None):
    """Create an agency's key (it pushes CAP as the sender ``agency``, nothing else); return
    (row, key). Shown once, stored as a hash."""
    agency = (agency or "").strip()
    if not agency or any(ch in agency for ch in ", \t\r\n") or len(agency) > 200:
        raise ApiError("invalid key", {"agency": "a CAP sender: no commas or spaces"})
    key, prefix, digest = new_channel_key(AGENCY)
    row = ApiKeyRow(channel=AGENCY, agency=agency, name=name, prefix=prefix, key_hash=digest)
    session.add(row)
    session.flush()
    audit.record(session, actor, "key.create", "api_key", row.id, None,
                 {"channel": AGENCY, "agency": agency, "prefix": prefix, "name": name})
    session.commit()
    return row, key


def key_dict(row: ApiKeyRow) -> dict:
    return {
        "id": row.id,
        "channel": row.channel,
        "agency": row.agency,
        "name": row.name,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "revoked": row.revoked_at is not None,
        "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
    }


def revoke_key(session: Session, actor, row: ApiKeyRow) -> ApiKeyRow:
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        q.notify_revoked(session, f"key:{row.id}")
        audit.record(
            session, actor, "key.revoke", "api_key", row.id, {"revoked": False}, {"revoked": True}
        )
        session.commit()
    return row


def create_wall_code(session: Session, actor, name: str) -> tuple[str, UserRow]:
    """A one-time code for a wall screen (valid WALL_CODE_HOURS); creates the wall account."""
    username = "wall-" + "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    user = q.user_by_name(session, username)
    if user is None:
        user, _ = create_user(session, actor, username, "wall", display_name=name)
    if user.role != "wall":
        raise Conflict("that name belongs to a non-wall account", {"name": "taken"})
    code, digest = new_wall_code()
    row = TokenRow(
        user_id=user.id,
        kind="wall_code",
        prefix=code[:3],
        token_hash=digest,
        expires_at=clock.now() + timedelta(hours=current_app.config["WALL_CODE_HOURS"]),
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "wall.code", "user", user.id, None, {"code_id": row.id})
    session.commit()
    return code, user


def redeem_wall_code(session: Session, code: str) -> tuple[str, TokenRow] | None:
    """Exchange a one-time code for a long-lived wall token and its row (None if invalid or
    used)."""
    digest = sha256(normalize_wall_code(code or ""))
    found = q.token_with_user(session, digest, ("wall_code",), clock.now())
    if not found or found[0].used_at is not None:
        return None
    code_row, user = found
    code_row.used_at = clock.now()
    code_row.revoked_at = clock.now()
    token, row = issue_token(session, user, "wall", current_app.config["WALL_TOKEN_DAYS"] * 24)
    audit.record(
        session,
        Principal(kind="user", role="wall", username=user.username),
        "wall.login",
        "token",
        row.id,
        None,
        {"prefix": row.prefix},
    )
    session.commit()
    return token, row
