"""Dispatch: who is asked to go where, acknowledgements, escalation, release.

Deadlines live in the database (``dispatches.ack_deadline``); the escalation job of the
leader-elected scheduler finds the ones that passed, so a restarted server resumes every
pending escalation where it was: a notification is timed out once (row lock, state guard)
and its replacement notified once.

One person serves one area of an incident: candidates are searched wider (more of the
nearest, up to ``KENDALI_DISPATCH_MAX_KM``) before an area is left short, and an area that
cannot be staffed says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from geo import dispatch as rules
from geo.dispatch import Candidate
from geo.dispatch import Unit
from server.errors import ApiError
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import ResponderRow
from server.platform import clock
from server.queries import dispatch as q
from server.queries import events as event_queries
from server.queries import incidents as incident_queries
from server.queries import responders as responder_queries
from server.realtime import events
from server.services import audit
from server.services import notify

log = logging.getLogger(__name__)

#: Nearest candidates fetched per area, widening while areas are short of free people.
SEARCH_WIDTHS = (10, 40, 160)
#: Dispatches that still hold their responder.
OPEN_STATES = ("notified", "acknowledged", "en_route", "on_site")
#: The kind of a standby notice: acknowledged, never travelled, holding nobody.
STANDBY = "standby"
#: Where a standby notice may go: acknowledged by its responder, ended with its warning.
STANDBY_MOVES = {"notified": ("acknowledged", "cancelled"), "acknowledged": ("done",)}


class DispatchStateError(ApiError):
    """A transition that is not allowed from the dispatch's current state (409)."""

    status = 409

    def __init__(self, current: str, wanted: str):
        super().__init__(f"dispatch is {current}; it cannot become {wanted}",
                         {"state": current})
        self.current, self.wanted = current, wanted


@dataclass
class DispatchResult:
    notified: int = 0
    unstaffed: list[str] = field(default_factory=list)


def _config(name: str):
    return current_app.config[name]


def dispatch_payload(d: DispatchRow, responder: ResponderRow | None = None,
                     area_name: str | None = None) -> dict:
    body = {
        "id": d.id, "kind": d.kind or "dispatch", "incident_id": d.incident_id,
        "area": d.area_code, "state": d.state,
        "responder_id": d.responder_id, "distance_km": d.distance_km,
        "notified_at": d.notified_at.isoformat(), "ack_deadline": d.ack_deadline.isoformat(),
        "state_at": d.state_at.isoformat(), "reason": d.reason,
    }
    if responder is not None:
        body["responder"] = {"id": responder.id, "type": responder.type, "name": responder.name}
    if area_name:
        body["area_name"] = area_name
    return body


def _label(actor) -> str:
    return actor if isinstance(actor, str) else actor.label


def _log(session: Session, actor, d: DispatchRow, responder: ResponderRow | None,
         before: str | None) -> None:
    """A transition goes to the event log (command room, area rooms, the responder) and the
    audit trail."""
    name = (events.standby_event if d.kind == STANDBY else events.dispatch_event)(d.state)
    payload = dispatch_payload(d, responder)
    if d.kind == STANDBY:
        payload["warning_id"] = d.warning_id
    event_queries.append(session, name, [d.area_code], payload, responder_ids=[d.responder_id])
    audit.record(session, actor, name, "dispatch", d.id,
                 {"state": before} if before else None, {"state": d.state})


def notify_many(session: Session, actor, incident: IncidentRow,
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
    people = responder_queries.responders_by_id(session, [d.responder_id for d in rows])
    event_queries.append_many(session, [
        (events.dispatch_event(d.state), [d.area_code],
         dispatch_payload(d, people[d.responder_id]), [d.responder_id]) for d in rows])
    for d in rows:
        audit.record(session, actor, "dispatch.notified", "dispatch", d.id, None,
                     {"state": d.state})
    notify.enqueue_all(session, rows, incident, people)
    incident.last_activity_at = now
    return rows


def _short(session: Session, area: IncidentAreaRow, acknowledged: int, pending: int) -> None:
    """The area cannot get the people it needs: say why; tell the command room once nobody
    is left to wait for."""
    area.unstaffed_reason = (
        f"{acknowledged + pending} of {area.needed}: no other free responder within "
        f"{_config('DISPATCH_MAX_KM'):g} km")
    if pending or area.unstaffed_at is not None:
        return
    area.unstaffed_at = clock.now()
    event_queries.append(session, events.AREA_UNSTAFFED, [area.code],
                         {"incident_id": area.incident_id, "area": area.code, "name": area.name,
                          "acknowledged": acknowledged, "needed": area.needed,
                          "reason": area.unstaffed_reason})


def dispatch_areas(session: Session, actor, incident: IncidentRow,
                   areas: list[IncidentAreaRow]) -> DispatchResult:
    """First dispatch for ``areas``: choose responders (geo.dispatch) and notify them.

    Each person serves one area: when the nearest candidates of some areas are all taken by
    others, those areas search wider (more of the nearest, within the distance limit) before
    they are left short.
    """
    units = [Unit(a.code, a.priority, a.needed) for a in areas]
    chosen: dict[str, list[Candidate]] = {a.code: [] for a in areas}
    used: set[int] = set()
    short = [u for u in units]
    for width in SEARCH_WIDTHS:
        pool = q.candidates_for_areas(session, incident.id, [u.code for u in short], width,
                                      _config("DISPATCH_MAX_KM"))
        picks = rules.choose([Unit(u.code, u.priority, u.needed - len(chosen[u.code]))
                              for u in short], pool, used=used)
        for code, people in picks.items():
            chosen[code] += people
            used.update(c.responder_id for c in people)
        exhausted = {code for code, cands in pool.items() if len(cands) < width}
        short = [u for u in short if len(chosen[u.code]) < u.needed and u.code not in exhausted]
        if not short:
            break
    result = DispatchResult()
    picks = [(area.code, cand) for area in areas for cand in chosen[area.code]]
    result.notified = len(notify_many(session, actor, incident, picks))
    for area in areas:
        if len(chosen[area.code]) < area.needed:
            _short(session, area, 0, len(chosen[area.code]))
            if not chosen[area.code]:
                result.unstaffed.append(area.code)
    return result


def refill(session: Session, actor, incident: IncidentRow, code: str) -> None:
    """After a decline or timeout: notify the next nearest until the area has ``needed``
    acknowledged responders, or tell the command room it has run out of candidates."""
    area = incident_queries.incident_area(session, incident.id, code)
    if area is None or incident.status != "active" or area.closed_at is not None:
        return
    rows = q.area_dispatches(session, incident.id, code)
    acked = [d for d in rows if d.state in rules.ACKNOWLEDGED]
    pending = [d for d in rows if d.state == "notified"]
    if len(acked) + len(pending) >= area.needed:
        return
    # Not the same person twice for this area, nor anyone serving another area of it.
    tried = {d.responder_id for d in rows} | q.incident_responders(session, incident.id)
    have = [session.get(ResponderRow, d.responder_id).type for d in acked + pending]
    for width in SEARCH_WIDTHS:
        pool = q.candidates_for_areas(session, incident.id, [code], width,
                                      _config("DISPATCH_MAX_KM"), exclude={code: tried})[code]
        while len(acked) + len(pending) < area.needed:
            cand = rules.next_candidate(pool, tried, have)
            if cand is None:
                break
            pending += notify_many(session, actor, incident, [(code, cand)])
            tried.add(cand.responder_id)
            have.append(cand.type)
        if len(acked) + len(pending) >= area.needed or len(pool) < width:
            break
    if len(acked) + len(pending) < area.needed:
        _short(session, area, len(acked), len(pending))


def _take(responder: ResponderRow, d: DispatchRow) -> None:
    """The responder said yes: busy, remembering what they were."""
    if responder.availability != "busy":
        d.prior_availability = responder.availability
    responder.availability = "busy"


def release_responder(session: Session, responder: ResponderRow, d: DispatchRow) -> None:
    """Give back the availability this dispatch took, unless another open one still holds
    the responder."""
    if responder.availability != "busy":
        return
    if q.open_dispatch_count(session, responder.id, other_than=d.id):
        return
    responder.availability = d.prior_availability or "on_duty"


def set_state(session: Session, actor, d: DispatchRow, new_state: str,
               reason: str | None) -> None:
    """Move ``d`` (locked) to ``new_state``; log it and keep the responder's availability.

    A standby notice only moves from notified to acknowledged, and ends with its warning
    (cancelled, or done once acknowledged); it never makes anyone busy."""
    standby = d.kind == STANDBY
    allowed = new_state in STANDBY_MOVES.get(d.state, ()) if standby else \
        rules.may_move(d.state, new_state)
    if not allowed:
        raise DispatchStateError(d.state, new_state)
    before = d.state
    d.state, d.state_at, d.reason = new_state, clock.now(), reason or d.reason
    responder = session.get(ResponderRow, d.responder_id)
    if not standby and new_state == "acknowledged":
        _take(responder, d)
    elif not standby and new_state in rules.TERMINAL:
        release_responder(session, responder, d)
    if d.incident_id is not None:
        session.get(IncidentRow, d.incident_id).last_activity_at = clock.now()
    _log(session, actor, d, responder, before)


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
    try:
        set_state(session, actor, d, new_state, reason)
    except DispatchStateError:
        session.rollback()
        raise
    if refill_after and d.kind != STANDBY and new_state in ("declined", "timed_out",
                                                           "cancelled"):
        incident = session.get(IncidentRow, d.incident_id)
        refill(session, "system:escalation", incident, d.area_code)
    session.commit()
    return d


def escalate(session: Session) -> int:
    """Scheduler job: time out notifications past their deadline and notify the next ones."""
    count = 0
    for d in q.overdue_notifications(session, clock.now()):
        set_state(session, "system:escalation", d, "timed_out", None)
        refill(session, "system:escalation", session.get(IncidentRow, d.incident_id),
               d.area_code)
        count += 1
    session.commit()
    return count
