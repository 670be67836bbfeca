"""Dispatches: candidates for areas, their states and deadlines, deliveries, in SQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.dispatch import Candidate
from server.models import AreaRow
from server.models import DeliveryRow
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
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


def incident_dispatches(session: Session, incident_id: int, scope=None) -> list[tuple]:
    """(dispatch, responder) rows of an incident, areas filtered by scope."""
    stmt = (select(DispatchRow, ResponderRow)
            .join(ResponderRow, ResponderRow.id == DispatchRow.responder_id)
            .where(DispatchRow.incident_id == incident_id))
    if scope is not None:
        stmt = stmt.where(scope.code_clause(DispatchRow.area_code))
    return list(session.execute(stmt.order_by(DispatchRow.area_code, DispatchRow.id)).all())


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


def due_deliveries(session: Session, now: datetime, limit: int = 50) -> list[DeliveryRow]:
    return list(session.scalars(
        select(DeliveryRow).where(DeliveryRow.status == "pending",
                                  DeliveryRow.next_attempt_at <= now)
        .order_by(DeliveryRow.next_attempt_at).limit(limit).with_for_update(skip_locked=True)))


def distance_to_target(session: Session, responder_id: int, incident_id: int,
                       code: str) -> float | None:
    """Km from the responder (position while fresh, else base) to the area's dispatch anchor."""
    return session.execute(
        text("SELECT ST_Distance(r.loc, coalesce(ia.anchor, a.point)::geography) / 1000 "
             "FROM responders r, areas a LEFT JOIN incident_areas ia "
             "ON ia.incident_id = :i AND ia.code = a.code "
             "WHERE r.id = :r AND a.code = :c"),
        {"r": responder_id, "i": incident_id, "c": code}).scalar()

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

def open_incident_of(session: Session, responder_id: int) -> int | None:
    """The incident of the responder's open dispatch, if any (position history is kept for it)."""
    return session.scalars(
        select(DispatchRow.incident_id).where(DispatchRow.responder_id == responder_id,
                                              DispatchRow.state.in_(OPEN_STATES), _SENT)
        .order_by(DispatchRow.id.desc()).limit(1)).first()
