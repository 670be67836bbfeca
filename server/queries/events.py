"""The event log: append in the caller's transaction, read back in sequence order."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import EventRow


def append(session: Session, type_: str, regions: list[str], payload: dict) -> EventRow:
    """Add an event to the log in the caller's transaction; its ``seq`` is set on flush."""
    row = EventRow(type=type_, regions=sorted(set(regions)), payload=payload)
    session.add(row)
    session.flush()
    return row


def since(session: Session, seq: int, limit: int = 1000) -> list[EventRow]:
    """Events after ``seq``, oldest first."""
    return list(
        session.query(EventRow).filter(EventRow.seq > seq).order_by(EventRow.seq).limit(limit)
    )


def last_seq(session: Session) -> int:
    return session.execute(text("SELECT coalesce(max(seq), 0) FROM event_log")).scalar() or 0
