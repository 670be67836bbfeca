"""Responders: the nearest available, positions, bases and the roster, in SQL."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.orm import Session

from server.models import ResponderRow


def set_availability(session: Session, responder_id: int, availability: str) -> None:
    session.execute(update(ResponderRow).where(ResponderRow.id == responder_id)
                    .values(availability=availability))


def refresh_stale_positions(session: Session, fresh_before: datetime) -> int:
    """Measure from the home base again where the last position is no longer fresh."""
    return session.execute(
        text("UPDATE responders SET loc = base WHERE position_at < :t AND "
             "NOT ST_Equals(loc::geometry, base::geometry)"), {"t": fresh_before}).rowcount




def responder_base(session: Session, responder_id: int) -> tuple[float, float] | None:
    row = session.execute(
        text("SELECT ST_Y(base::geometry), ST_X(base::geometry) FROM responders WHERE id = :i"),
        {"i": responder_id}).first()
    return (row[0], row[1]) if row else None


def list_responders(session: Session, scope, limit: int = 500, offset: int = 0) -> list[tuple]:
    """(responder, lat, lon of base) in scope (by home regency)."""
    base = cast(ResponderRow.base, Geometry)
    stmt = (select(ResponderRow, func.ST_Y(base), func.ST_X(base))
            .where(scope.code_clause(ResponderRow.district_code))
            .order_by(ResponderRow.id).limit(limit).offset(offset))
    return list(session.execute(stmt).all())


def last_position(session: Session, responder_id: int) -> tuple[float, float] | None:
    row = session.execute(
        text("SELECT ST_Y(position::geometry), ST_X(position::geometry) FROM responders "
             "WHERE id = :i AND position IS NOT NULL"), {"i": responder_id}).first()
    return (row[0], row[1]) if row else None


def responders_by_id(session: Session, ids: list[int]) -> dict[int, ResponderRow]:
    return {r.id: r for r in session.scalars(select(ResponderRow).where(ResponderRow.id.in_(ids)))}
