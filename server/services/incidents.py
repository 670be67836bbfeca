"""Incidents: from a quake sequence's impact, or drawn by an operator; dispatched the same way.

A quake pages people only while it is fresh (``KENDALI_INCIDENT_MAX_AGE``): the past that a
feed re-lists is stored and shown, never dispatched. A quake inside the aftershock window of
an open quake incident (:func:`geo.quake.in_sequence`) joins it instead of opening its own:
its new areas are added and dispatched, areas already there are not paged again, the
severity only goes up, and a larger quake becomes the incident's mainshock.
"""

from __future__ import annotations

import json

from flask import current_app
from sqlalchemy.orm import Session

from geo import dispatch as rules
from geo.quake import Solution
from geo.quake import in_sequence
from geo.quake import is_fresh
from server.errors import ApiError
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import QuakeRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import incidents as incident_queries
from server.queries import quakes as quake_queries
from server.realtime import events
from server.services import audit
from server.services import dispatch as dispatch_svc

SYSTEM = "system:bmkg"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def incident_dict(row: IncidentRow) -> dict:
    return {"id": row.id, "hazard": row.hazard, "severity": row.severity, "title": row.title,
            "status": row.status, "quake_id": row.quake_id,
            "created_at": _iso(row.created_at), "closed_at": _iso(row.closed_at),
            "closed_by": row.closed_by, "close_note": row.close_note,
            "last_activity_at": _iso(row.last_activity_at)}


def _district_level(severity: str) -> bool:
    return severity in current_app.config["DISPATCH_DISTRICT_SEVERITIES"]


def _new_areas(session, incident, rows) -> list[IncidentAreaRow]:
    """Add the areas not yet part of the incident; return the new ones. An area already
    there keeps its people; its priority follows the strongest shaking."""
    existing = {a.code: a for a in incident_queries.incident_areas(session, incident.id)}
    needed = current_app.config["DISPATCH_NEEDED"]
    added = []
    for code, level, name, priority, anchor in rows:
        if code in existing:
            existing[code].priority = max(existing[code].priority or 0, priority or 0)
            continue
        area = IncidentAreaRow(incident_id=incident.id, code=code, level=level, name=name,
                               priority=priority, needed=needed, anchor=anchor)
        session.add(area)
        added.append(area)
    session.flush()
    return added


def is_fresh_quake(quake: QuakeRow) -> bool:
    return is_fresh(quake.origin_time, clock.now(), current_app.config["INCIDENT_MAX_AGE_S"])


def _solution(row: QuakeRow) -> Solution:
    return Solution(row.origin_time, row.lat, row.lon, row.depth_km, row.magnitude)


def _sequence_incident(session: Session, quake: QuakeRow) -> IncidentRow | None:
    """The open quake incident whose sequence this quake belongs to, if any."""
    config = current_app.config
    solution = _solution(quake)
    for incident, main in incident_queries.open_quake_incidents(session):
        if main.id != quake.id and in_sequence(_solution(main), solution,
                                               config["AFTERSHOCK_KM"],
                                               config["AFTERSHOCK_DAYS"]):
            return incident
    return None


def for_quake(session: Session, quake: QuakeRow) -> IncidentRow | None:
    """Open, join or extend the incident of a quake whose impact calls for people on the
    ground, and dispatch the new areas. Commits."""
    config = current_app.config
    incident = incident_queries.incident_of_quake(session, quake.id)
    if incident is not None and incident.status != "active":
        return incident  # stood down: a late revision does not page anyone again
    joined = False
    if incident is None:
        incident = _sequence_incident(session, quake)
        joined = incident is not None
    reaches = (quake.max_mmi or 0) >= config["INCIDENT_MIN_MMI"]
    if incident is None:
        if not reaches or not is_fresh_quake(quake):
            return None  # too weak, or a backfill of the past
        return _open(session, quake)
    changes, added = [], []
    if joined:
        changes.append(_join(session, incident, quake))
    if reaches and (not joined or is_fresh_quake(quake)):
        more, added = _extend(session, incident, quake)
        changes += more
    below, back = _mark_below(session, incident)
    if below or back:
        changes.append("below")
    if changes:
        incident.last_activity_at = clock.now()
        _log_updated(session, incident, quake, changes, added, below, back)
    session.commit()
    return incident


def _open(session: Session, quake: QuakeRow) -> IncidentRow:
    severity = rules.quake_severity(quake.max_mmi)
    now = clock.now()
    incident = IncidentRow(hazard="earthquake", severity=severity, quake_id=quake.id,
                           title=_title(quake), created_by=SYSTEM, created_at=now,
                           last_activity_at=now)
    session.add(incident)
    session.flush()
    incident_queries.link_quake(session, incident.id, quake.id, "mainshock")
    added = _new_areas(session, incident, _quake_areas(session, quake, severity))
    _log_created(session, incident, added)
    dispatch_svc.dispatch_areas(session, SYSTEM, incident, added)
    session.commit()
    return incident


def _title(quake: QuakeRow) -> str:
    return f"Gempa M{quake.magnitude:.1f} {quake.region_text or ''}".strip()


def _join(session: Session, incident: IncidentRow, quake: QuakeRow) -> str:
    """Link ``quake`` to the sequence; a larger one becomes the mainshock."""
    main = session.get(QuakeRow, incident.quake_id)
    if main is None or quake.magnitude > main.magnitude:
        incident_queries.set_quake_role(session, incident.id, incident.quake_id, "foreshock")
        incident_queries.link_quake(session, incident.id, quake.id, "mainshock")
        incident.quake_id = quake.id
        incident.title = _title(quake)
        return "mainshock"
    incident_queries.link_quake(session, incident.id, quake.id, "aftershock")
    return "aftershock"


def _extend(session: Session, incident: IncidentRow, quake: QuakeRow
            ) -> tuple[list[str], list[str]]:
    """Raise the severity and add (and dispatch) the quake's areas the incident lacks;
    return (what changed, the codes added)."""
    changes = []
    severity = rules.quake_severity(quake.max_mmi)
    if rules.SEVERITIES.index(severity) > rules.SEVERITIES.index(incident.severity):
        incident.severity = severity
        changes.append("severity")
    added = _new_areas(session, incident, _quake_areas(session, quake, incident.severity))
    if added:
        dispatch_svc.dispatch_areas(session, SYSTEM, incident, added)
        changes.append("areas")
    return changes, [a.code for a in added]


def _mark_below(session: Session, incident: IncidentRow) -> tuple[list[str], list[str]]:
    """Mark the areas no quake of the sequence reaches any more (a revision conditioned on
    felt reports moved the estimate), and unmark those reached again; return both lists of
    codes. Nobody is withdrawn: the operator decides (stand the area down, or keep it)."""
    reached = incident_queries.sequence_reach(session, incident.id)
    below, back = [], []
    for area in incident_queries.incident_areas(session, incident.id):
        if area.closed_at is not None:
            continue  # stood down already
        if area.code not in reached and area.below_at is None:
            area.below_at = clock.now()
            below.append(area.code)
        elif area.code in reached and area.below_at is not None:
            area.below_at = None
            back.append(area.code)
    return sorted(below), sorted(back)


def _quake_areas(session: Session, quake: QuakeRow, severity: str) -> list[tuple]:
    """(code, level, name, priority, anchor) of every affected area of the dispatch level
    (impact keeps those at QUAKE_AFFECTED_MMI or more, plus felt and tsunami-marked ones)."""
    level = "district" if _district_level(severity) else "regency"
    hit = [a for a in quake_queries.impact_of(session, quake.id)["areas"] if a.level == level]
    anchors = incident_queries.quake_anchors(session, quake.id, [a.code for a in hit])
    return [(a.code, a.level, a.name, a.mmi, anchors[a.code]) for a in hit]


def _log_created(session: Session, incident: IncidentRow, areas, actor=None) -> None:
    """``incident.created`` and its audit entry (by ``actor``, else the incident's creator)."""
    event_queries.append(session, events.INCIDENT_CREATED, [a.code for a in areas],
                         {**incident_dict(incident), "areas": [a.code for a in areas]})
    audit.record(session, actor or incident.created_by, "incident.create", "incident",
                 incident.id, None, incident_dict(incident))


def _log_updated(session: Session, incident: IncidentRow, quake: QuakeRow,
                 changes: list[str], added: list[str], below: list[str],
                 back: list[str]) -> None:
    regions = [a.code for a in incident_queries.incident_areas(session, incident.id)]
    event_queries.append(session, events.INCIDENT_UPDATED, regions,
                         {**incident_dict(incident), "changes": changes,
                          "by_quake_id": quake.id, "added_areas": added,
                          "below_areas": below, "reached_again_areas": back})


def open_over(session: Session, actor: str, hazard: str, severity: str, title: str,
              rows: list[tuple], geometry_wkt_of: int | None = None) -> IncidentRow:
    """An incident over given areas ``(code, level, name, priority, anchor)``, dispatched
    (a warning's: ``geometry_wkt_of`` names the warning whose polygons become its outline).
    Does not commit."""
    now = clock.now()
    incident = IncidentRow(hazard=hazard, severity=severity, title=title[:300],
                           created_by=actor, created_at=now, last_activity_at=now)
    session.add(incident)
    session.flush()
    if geometry_wkt_of is not None:
        incident_queries.copy_warning_geometry(session, incident.id, geometry_wkt_of)
    added = _new_areas(session, incident, rows)
    _log_created(session, incident, added)
    dispatch_svc.dispatch_areas(session, actor, incident, added)
    return incident


def extend_over(session: Session, actor: str, incident: IncidentRow, severity: str,
                rows: list[tuple], why: dict) -> list[str]:
    """Add (and dispatch) the areas of ``rows`` the incident lacks, raising its severity;
    log ``incident.updated`` with ``why`` when something changed. Does not commit."""
    changes = []
    if rules.SEVERITIES.index(severity) > rules.SEVERITIES.index(incident.severity):
        incident.severity = severity
        changes.append("severity")
    added = _new_areas(session, incident, rows)
    if added:
        dispatch_svc.dispatch_areas(session, actor, incident, added)
        changes.append("areas")
    if changes:
        incident.last_activity_at = clock.now()
        regions = [a.code for a in incident_queries.incident_areas(session, incident.id)]
        event_queries.append(session, events.INCIDENT_UPDATED, regions,
                             {**incident_dict(incident), **why, "changes": changes,
                              "added_areas": [a.code for a in added]})
    return changes


def create_manual(session: Session, actor, hazard: str, severity: str, title: str,
                  geometry: dict) -> IncidentRow:
    """An operator's incident over a drawn or uploaded polygon. Commits."""
    text_geom = json.dumps(geometry)
    valid, km2 = incident_queries.geometry_check(session, text_geom)
    if not valid or km2 <= 0:
        raise ApiError("invalid incident", {"area": "not a valid polygon"})
    limit = current_app.config["INCIDENT_MAX_KM2"]
    if km2 > limit:
        raise ApiError("invalid incident", {"area": f"larger than {limit:g} km²"})
    depth = 3 if _district_level(severity) else 2
    rows = [(code, level, name, 0.0, anchor) for code, level, name, anchor in
            incident_queries.anchors_in_geometry(session, text_geom, depth)]
    if not rows:
        raise ApiError("invalid incident", {"area": "outside Indonesia's areas"})
    now = clock.now()
    incident = IncidentRow(hazard=hazard, severity=severity, title=title, created_by=actor.label,
                           created_at=now, last_activity_at=now)
    session.add(incident)
    session.flush()
    incident_queries.set_incident_geometry(session, incident.id, text_geom)
    added = _new_areas(session, incident, rows)
    _log_created(session, incident, added, actor)
    dispatch_svc.dispatch_areas(session, actor, incident, added)
    session.commit()
    return incident
