"""Closing incidents and standing areas down; reopening; quake incidents closing themselves.

Closing releases everyone the incident holds, in one transaction: pending notifications are
cancelled (escalation stops: nothing is left to time out), acknowledged responders are
released with their availability given back, the audit trail records who and why, and
``incident.closed`` (or ``area.closed``) goes out after the commit, like every event.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from server.auth.scope import Principal
from server.auth.scope import scope as scope_of
from server.errors import ApiError
from server.errors import NotFound
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.platform import clock
from server.queries import dispatch as q
from server.queries import events as event_queries
from server.queries import incidents as incident_queries
from server.realtime import events
from server.services import audit
from server.services import dispatch as dispatch_svc
from server.services.incidents import incident_dict

QUIET = "system:quiet-period"


class Conflict(ApiError):
    status = 409


class Forbidden(ApiError):
    status = 403


def _label(actor) -> str:
    return actor if isinstance(actor, str) else actor.label


def _may_act_on(session: Session, actor, incident: IncidentRow, codes: list[str] | None = None
                ) -> None:
    """A regional office acts only on what lies wholly inside its region."""
    if isinstance(actor, str) or actor.role != "regional":
        return
    scope = scope_of(actor)
    if codes is None:
        codes = [a.code for a in incident_queries.incident_areas(session, incident.id)]
    outside = [c for c in codes if not scope.covers_code(c)]
    if outside:
        raise Forbidden("the incident reaches outside your region",
                        {"incident": f"{len(outside)} area(s) outside {scope.region}"})


def _release(session: Session, actor, incident: IncidentRow, codes: list[str] | None,
             reason: str) -> int:
    """Cancel every open dispatch of the incident (or of ``codes``); return how many."""
    count = 0
    for d in q.open_dispatches(session, incident.id, codes):
        dispatch_svc.set_state(session, actor, d, "cancelled", reason)
        count += 1
    return count


def _regions(session: Session, incident: IncidentRow) -> list[str]:
    return [a.code for a in incident_queries.incident_areas(session, incident.id)]


def close(session: Session, actor, incident_id: int, note: str | None,
          reason: str = "closed") -> IncidentRow:
    """Close an incident and release everyone it holds. Commits."""
    incident = incident_queries.lock_incident(session, incident_id)
    if incident is None:
        raise NotFound("no such incident")
    if incident.status != "active":
        session.rollback()
        raise Conflict("incident already closed", {"state": incident.status})
    _may_act_on(session, actor, incident)
    before = incident_dict(incident)
    released = _release(session, actor, incident, None, "incident closed")
    now = clock.now()
    incident.status, incident.closed_at = "closed", now
    incident.closed_by, incident.close_note = _label(actor), note
    incident.last_activity_at = now
    event_queries.append(session, events.INCIDENT_CLOSED, _regions(session, incident),
                         {**incident_dict(incident), "reason": reason, "released": released})
    audit.record(session, actor, "incident.close", "incident", incident.id,
                 {"status": before["status"]}, {"status": "closed", "note": note,
                                                "reason": reason, "released": released})
    session.commit()
    return incident


def reopen(session: Session, actor, incident_id: int, note: str | None) -> IncidentRow:
    """Reopen a closed incident: its open areas are staffed again. Commits."""
    incident = incident_queries.lock_incident(session, incident_id)
    if incident is None:
        raise NotFound("no such incident")
    if incident.status == "active":
        session.rollback()
        raise Conflict("incident is not closed", {"state": incident.status})
    _may_act_on(session, actor, incident)
    now = clock.now()
    incident.status, incident.closed_at, incident.last_activity_at = "active", None, now
    incident.closed_by, incident.close_note = None, None
    for area in incident_queries.incident_areas(session, incident.id):
        if area.closed_at is None:
            area.unstaffed_at = None
            dispatch_svc.refill(session, actor, incident, area.code)
    event_queries.append(session, events.INCIDENT_REOPENED, _regions(session, incident),
                         {**incident_dict(incident), "note": note})
    audit.record(session, actor, "incident.reopen", "incident", incident.id,
                 {"status": "closed"}, {"status": "active", "note": note})
    session.commit()
    return incident


def close_area(session: Session, actor, incident_id: int, code: str,
               note: str | None) -> IncidentAreaRow:
    """Stand one area down: its people are released, the rest of the incident goes on."""
    incident = incident_queries.lock_incident(session, incident_id)
    if incident is None:
        raise NotFound("no such incident")
    area = incident_queries.incident_area(session, incident.id, code)
    if area is None or (isinstance(actor, Principal)
                        and not scope_of(actor).covers_code(area.code)):
        session.rollback()
        raise NotFound("no such area in this incident")
    if area.closed_at is not None or incident.status != "active":
        session.rollback()
        raise Conflict("area already stood down",
                       {"state": "closed" if area.closed_at else incident.status})
    released = _release(session, actor, incident, [code], "area stood down")
    now = clock.now()
    area.closed_at, area.closed_by, area.close_note = now, _label(actor), note
    incident.last_activity_at = now
    event_queries.append(session, events.AREA_CLOSED, [code],
                         {"incident_id": incident.id, "area": code, "name": area.name,
                          "note": note, "released": released})
    audit.record(session, actor, "incident.area_close", "incident", incident.id, None,
                 {"area": code, "note": note, "released": released})
    session.commit()
    return area


def close_quiet(session: Session) -> int:
    """Scheduler job: quake incidents with no open dispatch and no activity for the quiet
    period (``KENDALI_INCIDENT_QUIET``) close themselves."""
    quiet = timedelta(seconds=current_app.config["INCIDENT_QUIET_S"])
    count = 0
    for incident_id in incident_queries.quiet_quake_incidents(session, clock.now() - quiet):
        try:
            close(session, QUIET, incident_id,
                  f"no open dispatch and no activity for {quiet.total_seconds() / 3600:g} h",
                  reason="quiet")
            count += 1
        except Conflict:
            session.rollback()  # closed meanwhile
    return count
