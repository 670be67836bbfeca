"""Recording who did what: one call per state change, inside the change's transaction."""

from __future__ import annotations

from flask import has_request_context
from flask import request
from sqlalchemy.orm import Session

from server.queries import audit as q

#: Fields that never enter the audit trail (secrets and whistleblower identity).
SECRET_FIELDS = frozenset(
    {
        "password",
        "password_hash",
        "token",
        "token_hash",
        "key",
        "key_hash",
        "reporter",
        "reporter_name",
        "reporter_phone",
        "reporter_nik",
        "identity",
        "exact_location",
    }
)


def _clean(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in SECRET_FIELDS}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value differs, on both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def client_ip() -> str | None:
    """The address of the request being served, if any (the audit trail's and tokens' ``ip``).

    Behind the documented reverse proxy, ProxyFix (``KENDALI_PROXY_HOPS``) sets it.
    """
    return request.remote_addr if has_request_context() else None


def record(
    session: Session,
    actor,
    action: str,
    object_type: str,
    object_id,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """Append an audit row. ``actor`` is a Principal or a label such as ``cli:root``."""
    label = actor if isinstance(actor, str) else actor.label
    role = None if isinstance(actor, str) else actor.role
    ip = client_ip()
    q.record(
        session,
        actor=label,
        actor_role=role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        ip=ip,
        before=_clean(before),
        after=_clean(after),
    )
