"""Incidents: their areas and anchors, quake sequences, scope, geometry, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.models import AreaRow
from server.models import IncidentAreaRow
from server.models import IncidentQuakeRow
from server.models import IncidentRow
from server.models import QuakeRow


def anchors_in_geometry(session: Session, geojson: str, depth: int) -> list[tuple]:
    """(code, level, name, anchor WKT) of areas of ``depth`` intersecting a GeoJSON polygon;
    the anchor is a point of the area inside the polygon."""
    return session.execute(
        text(
            f"""
            WITH g AS (SELECT ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(:g), {WGS84})) AS geom),
            hit AS (
                SELECT DISTINCT a.code FROM area_parts p JOIN areas a ON a.code = p.code, g
                 WHERE p.depth = :depth AND ST_Intersects(p.geom, g.geom))
            SELECT a.code, a.level, a.name,
                   ST_AsEWKT(coalesce(ST_PointOnSurface(ST_Intersection(a.geom, g.geom)), a.point))
              FROM hit JOIN areas a ON a.code = hit.code, g
             ORDER BY a.code
            """
        ),
        {"g": geojson, "depth": depth},
    ).all()


def quake_anchors(session: Session, quake_id: int, codes: list[str]) -> dict[str, str]:
    """Per area, its point nearest the quake's epicentre (EWKT): where shaking is strongest."""
    rows = session.execute(
        text(
            """
            SELECT a.code, ST_AsEWKT(ST_ClosestPoint(coalesce(a.geom_simple, a.geom), q.geom))
              FROM areas a, quakes q
             WHERE q.id = :q AND a.code = ANY(:codes)
            """
        ),
        {"q": quake_id, "codes": codes},
    ).all()
    return dict(rows)


def incident_area(session: Session, incident_id: int, code: str) -> IncidentAreaRow | None:
    return session.get(IncidentAreaRow, (incident_id, code))


def incident_areas(session: Session, incident_id: int, scope=None) -> list[IncidentAreaRow]:
    stmt = select(IncidentAreaRow).where(IncidentAreaRow.incident_id == incident_id)
    if scope is not None:
        stmt = stmt.where(scope.code_clause(IncidentAreaRow.code))
    return list(session.scalars(stmt.order_by(IncidentAreaRow.priority.desc(),
                                              IncidentAreaRow.code)))


def lock_incident(session: Session, incident_id: int) -> IncidentRow | None:
    return session.scalars(select(IncidentRow).where(IncidentRow.id == incident_id)
                           .with_for_update()).first()


def quiet_quake_incidents(session: Session, before: datetime) -> list[int]:
    """Active quake incidents with no open dispatch and no activity since ``before``."""
    return list(session.scalars(text(
        """
        SELECT i.id FROM incidents i
         WHERE i.status = 'active' AND i.hazard = 'earthquake'
           AND coalesce(i.last_activity_at, i.created_at) < :before
           AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.incident_id = i.id
                           AND d.state IN ('notified', 'acknowledged', 'en_route', 'on_site'))
         ORDER BY i.id
        """), {"before": before}))


def incident_for_quake(session: Session, quake_id: int) -> IncidentRow | None:
    """The incident of a quake: the one whose sequence it belongs to (mainshock or not)."""
    return incident_of_quake(session, quake_id)


def incident_of_quake(session: Session, quake_id: int) -> IncidentRow | None:
    """The incident whose sequence holds the quake (newest first), if any."""
    return session.scalars(
        select(IncidentRow).join(IncidentQuakeRow, IncidentQuakeRow.incident_id == IncidentRow.id)
        .where(IncidentQuakeRow.quake_id == quake_id).order_by(IncidentRow.id.desc())).first()


def open_quake_incidents(session: Session) -> list[tuple[IncidentRow, QuakeRow]]:
    """Active quake incidents with their mainshock, newest first."""
    return list(session.execute(
        select(IncidentRow, QuakeRow).join(QuakeRow, QuakeRow.id == IncidentRow.quake_id)
        .where(IncidentRow.status == "active", IncidentRow.hazard == "earthquake")
        .order_by(IncidentRow.id.desc())).all())


def link_quake(session: Session, incident_id: int, quake_id: int, role: str) -> None:
    """Put a quake in an incident's sequence (idempotent)."""
    session.execute(
        pg_insert(IncidentQuakeRow).values(incident_id=incident_id, quake_id=quake_id, role=role,
                                           joined_at=func.now())
        .on_conflict_do_update(index_elements=["incident_id", "quake_id"],
                               set_={"role": role}))


def set_quake_role(session: Session, incident_id: int, quake_id: int | None, role: str) -> None:
    if quake_id is not None:
        session.execute(update(IncidentQuakeRow).where(
            IncidentQuakeRow.incident_id == incident_id, IncidentQuakeRow.quake_id == quake_id)
            .values(role=role))


def sequence_of(session: Session, incident_id: int) -> list[tuple[QuakeRow, str]]:
    """The quakes of an incident's sequence with their role, in time order."""
    return list(session.execute(
        select(QuakeRow, IncidentQuakeRow.role)
        .join(IncidentQuakeRow, IncidentQuakeRow.quake_id == QuakeRow.id)
        .where(IncidentQuakeRow.incident_id == incident_id)
        .order_by(QuakeRow.origin_time)).all())


def sequence_reach(session: Session, incident_id: int) -> set[str]:
    """Codes of the areas the current estimates of the incident's quakes reach."""
    return set(session.scalars(text(
        """
        SELECT DISTINCT a.code FROM quake_areas a
          JOIN incident_quakes s ON s.quake_id = a.quake_id
         WHERE s.incident_id = :i
        """), {"i": incident_id}))


def geometry_check(session: Session, geojson: str) -> tuple[bool, float]:
    """(valid after repair, area km²) of a GeoJSON polygon."""
    row = session.execute(
        text("SELECT ST_IsValid(ST_MakeValid(g)), ST_Area(g::geography) / 1e6 FROM "
             f"(SELECT ST_SetSRID(ST_GeomFromGeoJSON(:g), {WGS84}) AS g) s"), {"g": geojson}).one()
    return bool(row[0]), float(row[1] or 0)


def set_incident_geometry(session: Session, incident_id: int, geojson: str) -> None:
    session.execute(
        text("UPDATE incidents SET geom = ST_Multi(ST_CollectionExtract(ST_MakeValid("
             f"ST_SetSRID(ST_GeomFromGeoJSON(:g), {WGS84})), 3)) WHERE id = :id"),
        {"g": geojson, "id": incident_id})


def areas_named(session: Session, codes: list[str]) -> list[tuple[str, str, str]]:
    """(code, level, name) of the given area codes."""
    if not codes:
        return []
    return [tuple(r) for r in session.execute(
        select(AreaRow.code, AreaRow.level, AreaRow.name).where(AreaRow.code.in_(codes)))]


def copy_warning_geometry(session: Session, incident_id: int, warning_id: int) -> None:
    """A warning's polygons become the outline of the incident it opened."""
    session.execute(text("UPDATE incidents SET geom = w.geom FROM warnings w "
                         "WHERE incidents.id = :i AND w.id = :w"),
                    {"i": incident_id, "w": warning_id})


def scoped_incidents(session: Session, scope, limit: int = 200) -> list[IncidentRow]:
    stmt = select(IncidentRow)
    if not scope.national:
        mine = select(IncidentAreaRow.incident_id).where(scope.code_clause(IncidentAreaRow.code))
        stmt = stmt.where(IncidentRow.id.in_(mine))
    return list(session.scalars(stmt.order_by(IncidentRow.id.desc()).limit(limit)))


def scoped_incident(session: Session, scope, incident_id: int) -> IncidentRow | None:
    stmt = select(IncidentRow).where(IncidentRow.id == incident_id)
    if not scope.national:
        mine = select(IncidentAreaRow.incident_id).where(scope.code_clause(IncidentAreaRow.code))
        stmt = stmt.where(IncidentRow.id.in_(mine))
    return session.scalars(stmt).first()
