"""Incidents: from a quake's impact, or drawn by an operator; both dispatched the same way."""

from __future__ import annotations

import json

from flask import current_app
from sqlalchemy.orm import Session

from geo import dispatch as rules
from server.errors import ApiError
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import QuakeRow
from server.platform import clock
from server.queries import dispatch as q
from server.queries import events as event_queries
from server.queries import quakes as quake_queries
from server.realtime import events
from server.services import audit
from server.services import dispatch as dispatch_svc


def incident_dict(row: IncidentRow) -> dict:
    return {"id": row.id, "hazard": row.hazard, "severity": row.severity, "title": row.title,
            "status": row.status, "quake_id": row.quake_id,
            "created_at": row.created_at.isoformat() if row.created_at else None}


def _district_level(severity: str) -> bool:
    return severity in current_app.config["DISPATCH_DISTRICT_SEVERITIES"]


def _new_areas(session, incident, rows) -> list[IncidentAreaRow]:
    """Add the areas not yet part of the incident; return the new ones."""
    existing = {a.code for a in q.incident_areas(session, incident.id)}
    needed = current_app.config["DISPATCH_NEEDED"]
    added = []
    for code, level, name, priority, anchor in rows:
        if code in existing:
            continue
        area = IncidentAreaRow(incident_id=incident.id, code=code, level=level, name=name,
                               priority=priority, needed=needed, anchor=anchor)
        session.add(area)
        added.append(area)
    session.flush()
    return added


def for_quake(session: Session, quake: QuakeRow) -> IncidentRow | None:
    """Create (or extend) the incident of a quake whose impact calls for people on the ground,
    and dispatch the new areas. Commits."""
    if (quake.max_mmi or 0) < current_app.config["INCIDENT_MIN_MMI"]:
        return None
    incident = q.incident_for_quake(session, quake.id)
    severity = rules.quake_severity(quake.max_mmi)
    created = incident is None
    if created:
        incident = IncidentRow(hazard="earthquake", severity=severity, quake_id=quake.id,
                               title=f"Gempa M{quake.magnitude:.1f} {quake.region_text or ''}"
                               .strip(), created_by="system:bmkg", created_at=clock.now())
        session.add(incident)
        session.flush()
    level = "district" if _district_level(severity) else "regency"
    # Every affected area of the level (impact keeps only those at QUAKE_AFFECTED_MMI or more,
    # plus areas named by felt reports or tsunami marks).
    hit = [a for a in quake_queries.impact_of(session, quake.id)["areas"] if a.level == level]
    anchors = q.quake_anchors(session, quake.id, [a.code for a in hit])
    rows = [(a.code, a.level, a.name, a.mmi, anchors[a.code]) for a in hit]
    added = _new_areas(session, incident, rows)
    if created:
        _log_created(session, incident, added)
    dispatch_svc.dispatch_areas(session, "system:bmkg", incident, added)
    session.commit()
    return incident


def _log_created(session: Session, incident: IncidentRow, areas) -> None:
    event_queries.append(session, events.INCIDENT_CREATED, [a.code for a in areas],
                         {**incident_dict(incident), "areas": [a.code for a in areas]})
    audit.record(session, incident.created_by, "incident.create", "incident", incident.id, None,
                 incident_dict(incident))


def create_manual(session: Session, actor, hazard: str, severity: str, title: str,
                  geometry: dict) -> IncidentRow:
    """An operator's incident over a drawn or uploaded polygon. Commits."""
    text_geom = json.dumps(geometry)
    valid, km2 = q.geometry_check(session, text_geom)
    if not valid or km2 <= 0:
        raise ApiError("invalid incident", {"area": "not a valid polygon"})
    limit = current_app.config["INCIDENT_MAX_KM2"]
    if km2 > limit:
        raise ApiError("invalid incident", {"area": f"larger than {limit:g} km²"})
    depth = 3 if _district_level(severity) else 2
    rows = [(code, level, name, 0.0, anchor) for code, level, name, anchor in
            q.anchors_in_geometry(session, text_geom, depth)]
    if not rows:
        raise ApiError("invalid incident", {"area": "outside Indonesia's areas"})
    incident = IncidentRow(hazard=hazard, severity=severity, title=title, created_by=actor.label,
                           created_at=clock.now())
    session.add(incident)
    session.flush()
    q.set_incident_geometry(session, incident.id, text_geom)
    added = _new_areas(session, incident, rows)
    _log_created(session, incident, added)
    audit.record(session, actor, "incident.create", "incident", incident.id, None,
                 incident_dict(incident))
    dispatch_svc.dispatch_areas(session, actor, incident, added)
    session.commit()
    return incident
