"""What a warning sets off (``KENDALI_WARNING_ACTIONS``): standby notices, an incident.

Only a warning that is in force and recent pages anyone: an Actual message, not yet ended,
sent within ``KENDALI_INCIDENT_MAX_AGE`` (the same freshness rule as quakes: a replayed past
is stored and listed, never dispatched).

- **standby**: every active, not off-duty responder whose home district is affected (or lies
  in an affected regency) gets a standby notice: acknowledge, no travel, busy with nothing.
  An update takes over the notices of the warning it replaces (acknowledged ones stay
  acknowledged); who is no longer affected is released when the old warning is settled.
- **incident**: an incident over the areas where the warning is happening, dispatched as
  for quakes, per regency (per district for ``KENDALI_DISPATCH_DISTRICT_SEVERITIES``). It
  joins the open incident of the same hazard over the same regencies (the one the replaced
  warning opened first), adding and dispatching only new areas. Where it may spread gets
  standby notices. A tsunami warning's incident covers the coastal regencies its AWAS and
  SIAGA zones name.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from geo import warnings as rules
from geo.nowcast import TERJADI
from server.models import DispatchRow
from server.models import IncidentRow
from server.models import WarningRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import incidents as incident_queries
from server.queries import responders as responder_queries
from server.queries import standby as sq
from server.queries import warnings as q
from server.realtime import events
from server.services import audit
from server.services import incidents
from server.services import notify
from server.services.dispatch import STANDBY
from server.services.dispatch import dispatch_payload
from server.services.warnings.intake import Outcome

SYSTEM = "system:cap"


def in_force(w: WarningRow) -> bool:
    """Whether the warning may page people now (see the module's docstring)."""
    now = clock.now()
    max_age = timedelta(seconds=current_app.config["INCIDENT_MAX_AGE_S"])
    return (w.state == "active" and w.status == q.SHOWN_STATUS and w.ends_at > now
            and w.sent >= now - max_age)


def act(session: Session, outcome: Outcome) -> None:
    """Carry out the warning's action; commits."""
    w = outcome.warning
    if not in_force(w) or not rules.at_least(w.action, rules.STANDBY):
        return
    rows = q.districts_of(session, w.id)
    standby_codes = [d.code for d in rows]
    if rules.at_least(w.action, rules.INCIDENT):
        covered = _incident(session, w, rows, outcome)
        standby_codes = [c for c in standby_codes if _regency(c) not in covered
                         and c not in covered]
    standby(session, w, standby_codes, outcome.ended)
    session.commit()


def _regency(code: str) -> str:
    return ".".join(code.split(".")[:2])


def _incident_codes(session: Session, w: WarningRow, rows, outcome: Outcome) -> list[str]:
    """The areas to dispatch: where it is happening (tsunami: the AWAS / SIAGA coasts)."""
    if w.hazard == "tsunami":
        levels = outcome.where.zone_levels if outcome.where else {}
        coasts = [code for code, level in levels.items() if rules.opens_incident(level)]
        if coasts or levels:
            return sorted(coasts)
    happening = [d.code for d in rows if d.kind == TERJADI]
    if w.severity in current_app.config["DISPATCH_DISTRICT_SEVERITIES"]:
        return sorted(set(happening))
    return sorted({_regency(c) for c in happening})


def _incident(session: Session, w: WarningRow, rows, outcome: Outcome) -> set[str]:
    """Open or join the incident; return the area codes it covers for this warning."""
    codes = _incident_codes(session, w, rows, outcome)
    if not codes:
        return set()
    anchors = sq.anchors(session, w.id, codes)
    areas = [(code, level, name, 0.0, anchors[code])
             for code, level, name in incident_queries.areas_named(session, codes)
             if code in anchors]
    incident = _joinable(session, w, codes, outcome.ended)
    if incident is None:
        title = " — ".join(t for t in (w.event, w.area_desc) if t)
        incident = incidents.open_over(session, SYSTEM, w.hazard, w.severity, title, areas,
                                       geometry_wkt_of=w.id if w.geom is not None else None)
    else:
        incidents.extend_over(session, SYSTEM, incident, w.severity, areas,
                              {"by_warning_id": w.id})
    q.link_incident(session, incident.id, w.id)
    return set(codes)


def _joinable(session: Session, w: WarningRow, codes: list[str], replaced: list[int]
              ) -> IncidentRow | None:
    """The open incident this warning continues: the replaced warning's, else one of the same
    hazard over the same regencies."""
    for wid in replaced:
        for iid in q.incidents_of(session, wid):
            incident = incident_queries.lock_incident(session, iid)
            if incident is not None and incident.status == "active":
                return incident
    return sq.open_incident_for(session, w.hazard, sorted({_regency(c) for c in codes}))


def standby(session: Session, w: WarningRow, codes: list[str], previous: list[int]) -> int:
    """Standby notices for the responders of ``codes``; the live notices of the warnings
    this one replaces are taken over. Returns how many were notified anew."""
    targets = dict(sq.responders_in(session, codes))
    kept = set()
    for d in sq.of_warnings(session, [w.id, *previous]):
        if d.responder_id in targets and d.responder_id not in kept:
            d.warning_id, d.area_code = w.id, targets[d.responder_id]
            d.ack_deadline = w.ends_at
            kept.add(d.responder_id)
    now = clock.now()
    fresh = [DispatchRow(kind=STANDBY, warning_id=w.id, incident_id=None, area_code=code,
                         responder_id=rid, state="notified", notified_at=now,
                         ack_deadline=w.ends_at, state_at=now, created_by=SYSTEM)
             for rid, code in targets.items() if rid not in kept]
    if not fresh:
        return 0
    session.add_all(fresh)
    session.flush()
    people = responder_queries.responders_by_id(session, [d.responder_id for d in fresh])
    event_queries.append_many(session, [
        (events.standby_event("notified"), [d.area_code],
         {**dispatch_payload(d, people[d.responder_id]), "warning_id": w.id,
          "event": w.event, "ends_at": w.ends_at.isoformat()}, [d.responder_id])
        for d in fresh])
    for d in fresh:
        audit.record(session, SYSTEM, events.standby_event("notified"), "dispatch", d.id, None,
                     {"state": d.state, "warning_id": w.id})
    notify.enqueue_standby(session, fresh, w, people)
    return len(fresh)
