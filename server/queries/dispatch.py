"""Responders, incidents and dispatches: nearest-neighbour search and state, in SQL."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.dispatch import Candidate
from server.models import AreaRow
from server.models import DeliveryRow
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentQuakeRow
from server.models import IncidentRow
from server.models import QuakeRow
from server.models import ResponderRow

OPEN_STATES = ("notified", "acknowledged", "en_route", "on_site")
ACKED_STATES = ("acknowledged", "en_route", "on_site", "done")

# Available: active, on duty, and not already holding an open dispatch anywhere (a standby
# notice holds nobody: those on standby are the first one would send).
_AVAILABLE = """
r.active AND r.availability = 'on_duty'
AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.responder_id = r.id AND d.kind = 'dispatch'
                AND d.state IN ('notified', 'acknowledged', 'en_route', 'on_site'))
"""
#: Dispatches proper: a responder sent to an incident's area (not a standby notice).
_SENT = DispatchRow.kind == "dispatch"


def candidates_for_areas(session: Session, incident_id: int, codes: list[str], k: int,
                         max_km: float, exclude: dict[str, set[int]] | None = None
                         ) -> dict[str, list[Candidate]]:
    """The ``k`` nearest available responders of every incident area (KNN on the GiST index
    of ``responders.loc``, from the area's anchor), within ``max_km``."""
    if not codes:
        return {}
    rows = session.execute(
        text(
            f"""
            SELECT a.code, c.id, c.type, c.km
              FROM incident_areas a
             CROSS JOIN LATERAL (
                SELECT r.id, r.type, ST_Distance(r.loc, a.anchor::geography) / 1000 AS km
                  FROM responders r
                 WHERE {_AVAILABLE}
                 ORDER BY r.loc <-> a.anchor::geography
                 LIMIT :k) c
             WHERE a.incident_id = :incident AND a.code = ANY(:codes) AND c.km <= :max_km
             ORDER BY a.code, c.km
            """
        ),
        {"incident": incident_id, "codes": codes, "k": k, "max_km": max_km},
    ).all()
    out: dict[str, list[Candidate]] = {code: [] for code in codes}
    exclude = exclude or {}
    for code, rid, kind, km in rows:
        if rid not in exclude.get(code, set()):
            out[code].append(Candidate(rid, kind, round(km, 3)))
    return out


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


def nearest_available(session: Session, lat: float, lon: float, k: int = 10) -> list[tuple]:
    """(id, type, km) of the ``k`` nearest available responders to a point."""
    return session.execute(
        text(
            f"""
            WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography AS g)
            SELECT r.id, r.type, ST_Distance(r.loc, pt.g) / 1000
              FROM responders r, pt
             WHERE {_AVAILABLE}
             ORDER BY r.loc <-> pt.g
             LIMIT :k
            """
        ),
        {"lat": lat, "lon": lon, "k": k},
    ).all()


def incident_responders(session: Session, incident_id: int) -> set[int]:
    """Responders serving an area of the incident, or who let a notification of it time out:
    not asked for another of its areas."""
    return set(session.scalars(
        select(DispatchRow.responder_id).where(
            DispatchRow.incident_id == incident_id,
            DispatchRow.state.in_((*OPEN_STATES, "timed_out")))))


def open_dispatch_of(session: Session, responder_id: int) -> tuple[int, str] | None:
    """(incident id, state) of the responder's open dispatch, if any."""
    row = session.execute(
        select(DispatchRow.incident_id, DispatchRow.state)
        .where(DispatchRow.responder_id == responder_id, DispatchRow.state.in_(OPEN_STATES),
               _SENT)
        .order_by(DispatchRow.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None


def open_dispatch_count(session: Session, responder_id: int, other_than: int | None = None
                        ) -> int:
    """How many open dispatches hold the responder (``other_than`` left out)."""
    stmt = select(func.count()).select_from(DispatchRow).where(
        DispatchRow.responder_id == responder_id, DispatchRow.state.in_(OPEN_STATES), _SENT)
    if other_than is not None:
        stmt = stmt.where(DispatchRow.id != other_than)
    return session.scalar(stmt) or 0


def area_dispatches(session: Session, incident_id: int, code: str) -> list[DispatchRow]:
    return list(session.scalars(
        select(DispatchRow).where(DispatchRow.incident_id == incident_id,
                                  DispatchRow.area_code == code).order_by(DispatchRow.id)))


def incident_area(session: Session, incident_id: int, code: str) -> IncidentAreaRow | None:
    return session.get(IncidentAreaRow, (incident_id, code))


def incident_areas(session: Session, incident_id: int, scope=None) -> list[IncidentAreaRow]:
    stmt = select(IncidentAreaRow).where(IncidentAreaRow.incident_id == incident_id)
    if scope is not None:
        stmt = stmt.where(scope.code_clause(IncidentAreaRow.code))
    return list(session.scalars(stmt.order_by(IncidentAreaRow.priority.desc(),
                                              IncidentAreaRow.code)))


def incident_dispatches(session: Session, incident_id: int, scope=None) -> list[tuple]:
    """(dispatch, responder) rows of an incident, areas filtered by scope."""
    stmt = (select(DispatchRow, ResponderRow)
            .join(ResponderRow, ResponderRow.id == DispatchRow.responder_id)
            .where(DispatchRow.incident_id == incident_id))
    if scope is not None:
        stmt = stmt.where(scope.code_clause(DispatchRow.area_code))
    return list(session.execute(stmt.order_by(DispatchRow.area_code, DispatchRow.id)).all())


def lock_incident(session: Session, incident_id: int) -> IncidentRow | None:
    return session.scalars(select(IncidentRow).where(IncidentRow.id == incident_id)
                           .with_for_update()).first()


def open_dispatches(session: Session, incident_id: int, codes: list[str] | None = None
                    ) -> list[DispatchRow]:
    """The incident's open dispatches (of ``codes`` only, when given), locked."""
    stmt = select(DispatchRow).where(DispatchRow.incident_id == incident_id,
                                     DispatchRow.state.in_(OPEN_STATES))
    if codes is not None:
        stmt = stmt.where(DispatchRow.area_code.in_(codes))
    return list(session.scalars(stmt.order_by(DispatchRow.id).with_for_update()))


def open_dispatches_since(session: Session, since: datetime) -> list[DispatchRow]:
    """Open dispatches notified since ``since``, oldest first (the demo's simulated answers)."""
    return list(session.scalars(
        select(DispatchRow).where(DispatchRow.state.in_(OPEN_STATES),
                                  DispatchRow.notified_at >= since, _SENT)
        .order_by(DispatchRow.id)))


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


def overdue_notifications(session: Session, now: datetime, limit: int = 200) -> list[DispatchRow]:
    """Notifications past their acknowledgement deadline, locked (another leader skips them)."""
    return list(session.scalars(
        select(DispatchRow).where(DispatchRow.state == "notified",
                                  DispatchRow.ack_deadline <= now, _SENT)
        .order_by(DispatchRow.ack_deadline).limit(limit).with_for_update(skip_locked=True)))


def lock_dispatch(session: Session, dispatch_id: int) -> DispatchRow | None:
    return session.scalars(select(DispatchRow).where(DispatchRow.id == dispatch_id)
                           .with_for_update()).first()


def responder_assignments(session: Session, responder_id: int) -> list[tuple]:
    """A responder's dispatches, newest first: (dispatch, incident, target lat, target lon,
    area name, outline GeoJSON, outline kind).

    The target is the dispatch's anchor (the area's point nearest the epicentre, or inside the
    drawn polygon), where help is needed, not the area's centre. The outline is the drawn
    polygon of the incident when there is one (``incident``), else the area's display outline
    (``area``), 5-decimal coordinates (about a metre).
    """
    target = func.coalesce(IncidentAreaRow.anchor, AreaRow.point)
    outline = func.coalesce(func.ST_AsGeoJSON(IncidentRow.geom, 5),
                            func.ST_AsGeoJSON(func.coalesce(AreaRow.geom_simple, AreaRow.geom), 5))
    kind = case((IncidentRow.geom.is_not(None), "incident"), else_="area")
    return session.execute(
        select(DispatchRow, IncidentRow, func.ST_Y(target), func.ST_X(target), AreaRow.name,
               outline, kind)
        .join(IncidentRow, IncidentRow.id == DispatchRow.incident_id)
        .join(AreaRow, AreaRow.code == DispatchRow.area_code)
        .outerjoin(IncidentAreaRow, (IncidentAreaRow.incident_id == DispatchRow.incident_id)
                   & (IncidentAreaRow.code == DispatchRow.area_code))
        .where(DispatchRow.responder_id == responder_id, _SENT)
        .order_by(DispatchRow.id.desc()).limit(50)
    ).all()


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


def set_availability(session: Session, responder_id: int, availability: str) -> None:
    session.execute(update(ResponderRow).where(ResponderRow.id == responder_id)
                    .values(availability=availability))


def due_deliveries(session: Session, now: datetime, limit: int = 50) -> list[DeliveryRow]:
    return list(session.scalars(
        select(DeliveryRow).where(DeliveryRow.status == "pending",
                                  DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at).limit(limit).with_for_update(skip_locked=True)))


def refresh_stale_positions(session: Session, fresh_before: datetime) -> int:
    """Measure from the home base again where the last position is no longer fresh."""
    return session.execute(
        text("UPDATE responders SET loc = base WHERE position_at < :t AND "
             "NOT ST_Equals(loc::geometry, base::geometry)"), {"t": fresh_before}).rowcount


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


def open_incident_of(session: Session, responder_id: int) -> int | None:
    """The incident of the responder's open dispatch, if any (position history is kept for it)."""
    return session.scalars(
        select(DispatchRow.incident_id).where(DispatchRow.responder_id == responder_id,
                                              DispatchRow.state.in_(OPEN_STATES), _SENT)
        .order_by(DispatchRow.id.desc()).limit(1)).first()


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


def distance_to_target(session: Session, responder_id: int, incident_id: int,
                       code: str) -> float | None:
    """Km from the responder (position while fresh, else base) to the area's dispatch anchor."""
    return session.execute(
        text("SELECT ST_Distance(r.loc, coalesce(ia.anchor, a.point)::geography) / 1000 "
             "FROM responders r, areas a LEFT JOIN incident_areas ia "
             "ON ia.incident_id = :i AND ia.code = a.code "
             "WHERE r.id = :r AND a.code = :c"),
        {"r": responder_id, "i": incident_id, "c": code}).scalar()


def last_position(session: Session, responder_id: int) -> tuple[float, float] | None:
    row = session.execute(
        text("SELECT ST_Y(position::geometry), ST_X(position::geometry) FROM responders "
             "WHERE id = :i AND position IS NOT NULL"), {"i": responder_id}).first()
    return (row[0], row[1]) if row else None


def responders_by_id(session: Session, ids: list[int]) -> dict[int, ResponderRow]:
    return {r.id: r for r in session.scalars(select(ResponderRow).where(ResponderRow.id.in_(ids)))}
