"""Follow-up SQL: locking a complaint (and its group), placing by hand, service levels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.models import ComplaintRow
from server.models import ComplaintTimelineRow
from server.queries.complaints.reads import scope_clause


def lock_scoped(session: Session, scope, complaint_id: int) -> ComplaintRow | None:
    """The complaint, row-locked for a change, or None when missing or out of scope."""
    stmt = (
        select(ComplaintRow)
        .where(scope_clause(scope), ComplaintRow.id == complaint_id)
        .with_for_update()
    )
    return session.scalars(stmt).first()


def lock_members(session: Session, primary_id: int) -> list[ComplaintRow]:
    """The confirmed duplicates following ``primary_id``, row-locked, in id order."""
    stmt = (
        select(ComplaintRow)
        .where(ComplaintRow.primary_id == primary_id)
        .order_by(ComplaintRow.id)
        .with_for_update()
    )
    return list(session.scalars(stmt))


def add_entry(
    session: Session,
    complaint_id: int,
    at: datetime,
    actor: str,
    action: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    details: dict | None = None,
) -> None:
    """One timeline entry."""
    session.add(
        ComplaintTimelineRow(
            complaint_id=complaint_id,
            at=at,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            details=details or {},
        )
    )


def district_with_parents(session: Session, code: str) -> list[tuple[str, str]] | None:
    """``[(code, name)]`` of a district and its regency and province, or None if unknown."""
    rows = session.execute(
        text(
            """
            SELECT d.code, d.name, r.code, r.name, p.code, p.name
              FROM areas d JOIN areas r ON r.code = d.parent_code
              JOIN areas p ON p.code = r.parent_code
             WHERE d.code = :code AND d.level = 'district'
            """
        ),
        {"code": code},
    ).first()
    if rows is None:
        return None
    return [(rows[4], rows[5]), (rows[2], rows[3]), (rows[0], rows[1])]


def set_geometry(session: Session, complaint_id: int, code: str, point) -> None:
    """The public point: ``(lon, lat)`` when given, else the area's representative point."""
    if point is None:
        session.execute(
            text(
                "UPDATE complaints c SET geom = a.point, geom_precise = false FROM areas a "
                "WHERE c.id = :id AND a.code = :code"
            ),
            {"id": complaint_id, "code": code},
        )
        return
    session.execute(
        text(
            f"UPDATE complaints SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84}), "
            "geom_precise = true WHERE id = :id"
        ),
        {"id": complaint_id, "lon": point[0], "lat": point[1]},
    )


_OVERDUE = """
UPDATE complaints
   SET overdue = true, {stamp} = :now, updated_at = :now
 WHERE {pending} AND {stamp} IS NULL AND {due} <= :now AND primary_id IS NULL
RETURNING id, {due} AS due
"""


def mark_overdue(session: Session, now: datetime) -> list[tuple[int, str, datetime]]:
    """Flag complaints whose pending deadline passed and were not reported yet.

    Returns ``(id, deadline, due)`` with deadline ``verification`` or ``follow_up``. The
    ``overdue_*_at`` stamp makes this idempotent: a deadline is reported once, whoever runs
    it, however often (a second run waits on the row locks, then finds nothing to do).
    """
    out = []
    for deadline, stamp, pending, due in (
        ("verification", "overdue_verify_at", "status = 'baru'", "verify_due"),
        (
            "follow_up",
            "overdue_follow_up_at",
            "status IN ('diverifikasi', 'diteruskan')",
            "follow_up_due",
        ),
    ):
        sql = _OVERDUE.format(stamp=stamp, pending=pending, due=due)
        out += [(cid, deadline, at) for cid, at in session.execute(text(sql), {"now": now})]
    return out
