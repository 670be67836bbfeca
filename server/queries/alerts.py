"""What CAP messages and the Atom feed read: areas with simplified outlines, revisions."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import AreaRow
from server.models import ContourRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import QuakeAreaRow
from server.models import SightingRow

_OUTLINE = func.ST_AsBinary(func.coalesce(AreaRow.geom_simple, AreaRow.geom))


def quake_regencies(session: Session, quake_id: int, scope) -> list:
    """Affected regencies of a quake in scope, strongest first, with their outline (WKB)."""
    qa = QuakeAreaRow
    stmt = (select(qa.code, qa.name, qa.mmi, qa.population, qa.tsunami_level,
                   _OUTLINE.label("wkb"))
            .join(AreaRow, AreaRow.code == qa.code)
            .where(qa.quake_id == quake_id, qa.level == "regency", scope.code_clause(qa.code))
            .order_by(qa.mmi.desc(), qa.code))
    return list(session.execute(stmt).all())


def incident_regions(session: Session, incident_id: int, scope) -> list:
    """An incident's areas in scope (regencies or districts) with their outline (WKB)."""
    ia = IncidentAreaRow
    stmt = (select(ia.code, ia.name, ia.level, _OUTLINE.label("wkb"))
            .join(AreaRow, AreaRow.code == ia.code)
            .where(ia.incident_id == incident_id, scope.code_clause(ia.code))
            .order_by(ia.priority.desc(), ia.code))
    return list(session.execute(stmt).all())


def incident_outline(session: Session, incident_id: int) -> bytes | None:
    return session.scalar(select(func.ST_AsBinary(IncidentRow.geom))
                          .where(IncidentRow.id == incident_id, IncidentRow.geom.is_not(None)))


def revision_times(session: Session, quake_id: int) -> list:
    """When each revision after the first was seen: the sightings that changed something."""
    return list(session.scalars(
        select(SightingRow.first_seen_at)
        .where(SightingRow.quake_id == quake_id, func.cardinality(SightingRow.changed) > 0)
        .order_by(SightingRow.first_seen_at, SightingRow.id)))


def contour_radius(session: Session, quake_id: int, mmi: float) -> float | None:
    """Radius (km) of the quake's contour at ``mmi``, if it reaches that intensity."""
    return session.scalar(select(ContourRow.radius_km)
                          .where(ContourRow.quake_id == quake_id, ContourRow.mmi == mmi))
