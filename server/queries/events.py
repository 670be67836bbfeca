"""The event log: append in the caller's transaction, read back in sequence order."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.areas import ancestors
from server.models import EventRow


def append(
    session: Session,
    type_: str,
    regions: list[str],
    payload: dict,
    responder_ids: list[int] | None = None,
    unit_ids: list[int] | None = None,
) -> EventRow:
    """Add an event to the log in the caller's transaction; its ``seq`` is set on flush.

    ``regions`` are area codes; their ancestors are added (``72.71.01`` -> ``72``, ``72.71``)
    so that scope filters and rooms need only an array containment test. ``unit_ids`` are
    the work units the event concerns (a complaint forwarded to them).
    """
    return append_many(session, [(type_, regions, payload, responder_ids, unit_ids)])[0]


def append_many(session: Session, events: list[tuple]) -> list[EventRow]:
    """Append several ``(type, regions, payload, responder_ids[, unit_ids])`` events in one
    round trip."""
    rows = [
        EventRow(
            type=type_,
            regions=sorted({code for region in regions for code in ancestors(region).values()}),
            payload=payload,
            responder_ids=sorted(set(responder_ids or [])),
            unit_ids=sorted(set(units[0] or [])) if units else [],
        )
        for type_, regions, payload, responder_ids, *units in events
    ]
    session.add_all(rows)
    session.flush()
    # Wakes every server's publisher when (and only if) the transaction commits.
    session.execute(text("SELECT pg_notify('kendali_events', '')"))
    return rows


def committed_after(session: Session, seq: int, limit: int = 1000) -> list[EventRow]:
    """Rows visible now with ``seq`` above the given one, in order (the publisher's read)."""
    return list(
        session.scalars(
            select(EventRow).where(EventRow.seq > seq).order_by(EventRow.seq).limit(limit)
        )
    )


def between(session: Session, after: int, upto: int) -> list[EventRow]:
    """Every row with ``after < seq <= upto``, in order (a span the publisher has passed)."""
    return list(session.scalars(
        select(EventRow).where(EventRow.seq > after, EventRow.seq <= upto).order_by(EventRow.seq)
    ))


def gap_snapshot(session: Session) -> tuple[int, list[str]]:
    """In one snapshot: the highest visible sequence and the transactions in progress."""
    row = session.execute(
        text(
            "SELECT (SELECT coalesce(max(seq), 0) FROM event_log), "
            "ARRAY(SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) AS x)"
        )
    ).one()
    return int(row[0]), list(row[1])


def all_finished(session: Session, xids: list[str]) -> bool:
    if not xids:
        return True
    return bool(
        session.execute(
            text(
                "SELECT bool_and(pg_xact_status(x::xid8) IS DISTINCT FROM 'in progress') "
                "FROM unnest(CAST(:xids AS text[])) x"
            ),
            {"xids": xids},
        ).scalar()
    )


def since(session: Session, seq: int, limit: int = 1000) -> list[EventRow]:
    """Events after ``seq``, oldest first."""
    return list(
        session.query(EventRow).filter(EventRow.seq > seq).order_by(EventRow.seq).limit(limit)
    )


def last_seq(session: Session) -> int:
    return session.execute(text("SELECT coalesce(max(seq), 0) FROM event_log")).scalar() or 0


def _in_scope(scope):
    return scope.regions_clause(EventRow.regions, EventRow.responder_ids, EventRow.unit_ids)


def _scoped(scope):
    return select(EventRow).where(_in_scope(scope))


def list_scoped(
    session: Session, scope, since: int = 0, limit: int = 100, type_: str | None = None,
    upto: int | None = None,
) -> list[EventRow]:
    stmt = _scoped(scope).where(EventRow.seq > since)
    if upto is not None:
        stmt = stmt.where(EventRow.seq <= upto)
    if type_:
        stmt = stmt.where(EventRow.type == type_)
    return list(session.scalars(stmt.order_by(EventRow.seq).limit(limit)))


def get_scoped(session: Session, scope, seq: int) -> EventRow | None:
    return session.scalars(_scoped(scope).where(EventRow.seq == seq)).first()


def count_scoped(session: Session, scope, type_: str | None = None) -> dict[str, int]:
    stmt = (
        select(EventRow.type, func.count())
        .where(_in_scope(scope))
        .group_by(EventRow.type)
    )
    if type_:
        stmt = stmt.where(EventRow.type == type_)
    return {t: int(n) for t, n in session.execute(stmt)}


def stream_scoped(session: Session, scope, since: int = 0):
    """Every event in scope after ``since``, fetched in batches (exports of any size)."""
    stmt = _scoped(scope).where(EventRow.seq > since).order_by(EventRow.seq)
    yield from session.scalars(stmt.execution_options(yield_per=1000))
