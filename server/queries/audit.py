"""The audit trail: append in the caller's transaction; filtered reads for admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import AuditRow


def record(session: Session, **fields) -> AuditRow:
    row = AuditRow(**fields)
    session.add(row)
    return row


def search(
    session: Session,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[AuditRow]:
    stmt = select(AuditRow)
    if object_type:
        stmt = stmt.where(AuditRow.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditRow.object_id == object_id)
    if actor:
        stmt = stmt.where(AuditRow.actor == actor)
    if since:
        stmt = stmt.where(AuditRow.at >= since)
    if until:
        stmt = stmt.where(AuditRow.at < until)
    if before_id:
        stmt = stmt.where(AuditRow.id < before_id)
    return list(session.scalars(stmt.order_by(AuditRow.id.desc()).limit(limit)))
