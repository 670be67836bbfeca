"""Incidents and dispatch: who is asked to go where, acknowledgements, escalation.

Deadlines live in the database (``dispatches.ack_deadline``); the escalation job of the
leader-elected scheduler finds the ones that passed, so a restarted server resumes every
pending escalation where it was: a notification is timed out once (row lock, state guard)
and its replacement notified once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from geo import dispatch as rules
from geo.dispatch import Candidate
from geo.dispatch import Unit
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import ResponderRow
from server.platform import clock
from server.queries import dispatch as q
from server.queries import events as event_queries
from server.realtime import events
from server.services import audit
from server.services import notify

log = logging.getLogger(__name__)



class DispatchStateError(Exception):
    """A transition that is not allowed from the dispatch's current state."""

    def __init__(self, current: str, wanted: str):
        super().__init__(f"dispatch is {current}; it cannot become {wanted}")
        self.current, self.wanted = current, wanted


@dataclass
class DispatchResult:
    notified: int = 0
    unstaffed: list[str] | None = None


def _config(name: str):
    return current_app.config[name]


def dispatch_payload(d: DispatchRow, responder: ResponderRow | None = None,
                     area_name: str | None = None) -> dict:
    body = {
        "id": d.id, "incident_id": d.incident_id, "area": d.area_code, "state": d.state,
        "responder_id": d.responder_id, "distance_km": d.distance_km,
        "notified_at": d.notified_at.isoformat(), "ack_deadline": d.ack_deadline.isoformat(),
        "state_at": d.state_at.isoformat(), "reason": d.reason,
    }
    if responder is not None:
        body["responder"] = {"id": responder.id, "type": responder.type, "name": responder.name}
    if area_name:
        body["area_name"] = area_name
    return body


def _log(session: Session, actor, d: DispatchRow, responder: ResponderRow | None,
         before: str | None) -> None:
    """A transition goes to the event log (command room, area rooms, the responder) and the
    audit trail."""
    event_queries.append(session, events.dispatch_event(d.state), [d.area_code],
                         dispatch_payload(d, responder), responder_ids=[d.responder_id])
    audit.record(session, actor, f"dispatch.{d.state}", "dispatch", d.id,
                 {"state": before} if before else None, {"state": d.state})


def _notify(session: Session, actor, incident: IncidentRow, code: str, cand: Candidate) -> None:
    _notify_many(session, actor, incident, [(code, cand)])


def _notify_many(session: Session, actor, incident: IncidentRow,
                 picks: list[tuple[str, Candidate]]) -> list[DispatchRow]:
    """Create ``notified`` dispatches in bulk: rows, events (to the command room, the area
    and each responder's tablet), audit entries and outbound notifications."""
    if not picks:
        return []
    now = clock.now()
    deadline = now + timedelta(seconds=_config("DISPATCH_ACK_TIMEOUT_S"))
    rows = [DispatchRow(incident_id=incident.id, area_code=code, responder_id=c.responder_id,
                        state="notified", distance_km=c.distance_km, notified_at=now,
                        ack_deadline=deadline, state_at=now, created_by=_label(actor))
            for code, c in picks]
    session.add_all(rows)
    session.flush()
    people = q.responders_by_id(session, [d.responder_id for d in rows])
    event_queries.append_many(session, [
        (events.dispatch_event(d.state), [d.area_code],
         dispatch_payload(d, people[d.responder_id]), [d.responder_id]) for d in rows])
    for d in rows:
        audit.record(session, actor, "dispatch.notified", "dispatch", d.id, None,
                     {"state": d.state})
    notify.enqueue_all(session, rows, incident, people)
    return rows


def _label(actor) -> str:
    return actor if isinstance(actor, str) else actor.label


def _unstaffed(session: Session, area: IncidentAreaRow, acknowledged: int) -> None:
    if area.unstaffed_at is not None:
        return
    area.unstaffed_at = clock.now()
    event_queries.append(session, events.AREA_UNSTAFFED, [area.code],
                         {"incident_id": area.incident_id, "area": area.code, "name": area.name,
                          "acknowledged": acknowledged, "needed": area.needed})


def dispatch_areas(session: Session, actor, incident: IncidentRow,
                   areas: list[IncidentAreaRow]) -> DispatchResult:
    """First dispatch for ``areas``: choose responders (geo.dispatch) and notify them."""
    k = max(10, 4 * max((a.needed for a in areas), default=2))
    pool = q.candidates_for_areas(session, incident.id, [a.code for a in areas], k,
                                  _config("DISPATCH_MAX_KM"))
    units = [Unit(a.code, a.priority, a.needed) for a in areas]
    chosen = rules.choose(units, pool)
    result = DispatchResult(unstaffed=[])
    picks = [(area.code, cand) for area in areas for cand in chosen.get(area.code, [])]
    result.notified = len(_notify_many(session, actor, incident, picks))
    for area in areas:
        if not chosen.get(area.code):
            _unstaffed(session, area, 0)
            result.unstaffed.append(area.code)
    return result


def refill(session: Session, actor, incident: IncidentRow, code: str) -> None:
    """After a decline or timeout: notify the next nearest until the area has ``needed``
    acknowledged responders, or tell the command room it has run out of candidates."""
    area = q.incident_area(session, incident.id, code)
    if area is None or incident.status != "active":
        return
    rows = q.area_dispatches(session, incident.id, code)
    acked = [d for d in rows if d.state in rules.ACKNOWLEDGED]
    pending = [d for d in rows if d.state == "notified"]
    if len(acked) >= area.needed or len(acked) + len(pending) >= area.needed:
        return
    tried = {d.responder_id for d in rows}
    pool = q.candidates_for_areas(session, incident.id, [code], 20, _config("DISPATCH_MAX_KM"),
                                  exclude={code: tried})[code]
    have = [session.get(ResponderRow, d.responder_id).type for d in acked + pending]
    missing = area.needed - len(acked) - len(pending)
    for _ in range(missing):
        cand = rules.next_candidate(pool, tried, have)
        if cand is None:
            if not pending:
                _unstaffed(session, area, len(acked))
            return
        _notify(session, actor, incident, code, cand)
        tried.add(cand.responder_id)
        have.append(cand.type)


def transition(session: Session, actor, dispatch_id: int, new_state: str,
               reason: str | None = None, refill_after: bool = True) -> DispatchRow:
    """Move a dispatch to ``new_state`` (row-locked); repeating the current state is harmless.

    Raises :class:`DispatchStateError` when the move is not allowed (for example an
    acknowledgement after the deadline passed).
    """
    d = q.lock_dispatch(session, dispatch_id)
    if d is None:
        raise LookupError(dispatch_id)
    if d.state == new_state:
        session.commit()
        return d
    if not rules.may_move(d.state, new_state):
        session.rollback()
        raise DispatchStateError(d.state, new_state)
    before = d.state
    d.state, d.state_at, d.reason = new_state, clock.now(), reason or d.reason
    responder = session.get(ResponderRow, d.responder_id)
    if new_state == "acknowledged":
        responder.availability = "busy"
    elif new_state in ("done", "cancelled", "declined") and responder.availability == "busy":
        responder.availability = "on_duty"
    _log(session, actor, d, responder, before)
    if refill_after and new_state in ("declined", "timed_out", "cancelled"):
        incident = session.get(IncidentRow, d.incident_id)
        refill(session, "system:escalation", incident, d.area_code)
    session.commit()
    return d


def escalate(session: Session) -> int:
    """Scheduler job: time out notifications past their deadline and notify the next ones."""
    count = 0
    for d in q.overdue_notifications(session, clock.now()):
        before = d.state
        d.state, d.state_at = "timed_out", clock.now()
        responder = session.get(ResponderRow, d.responder_id)
        _log(session, "system:escalation", d, responder, before)
        refill(session, "system:escalation", session.get(IncidentRow, d.incident_id),
               d.area_code)
        count += 1
    session.commit()
    return count


def add(session: Session, actor, incident: IncidentRow, code: str,
        responder: ResponderRow) -> DispatchRow:
    """An operator sends a chosen responder to an area (one more, or a replacement)."""
    existing = [d for d in q.area_dispatches(session, incident.id, code)
                if d.responder_id == responder.id]
    if existing:
        return existing[0]
    base = q.distance_to_area(session, responder.id, code)
    _notify(session, actor, incident, code, Candidate(responder.id, responder.type, base))
    session.commit()
    return next(d for d in q.area_dispatches(session, incident.id, code)
                if d.responder_id == responder.id)


def reassign(session: Session, actor, dispatch_id: int, responder: ResponderRow) -> DispatchRow:
    """Cancel a dispatch and send another responder to the same area."""
    d = transition(session, actor, dispatch_id, "cancelled", "reassigned", refill_after=False)
    incident = session.get(IncidentRow, d.incident_id)
    return add(session, actor, incident, d.area_code, responder)
