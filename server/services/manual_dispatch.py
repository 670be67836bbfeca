"""An operator's (or office's) own dispatch decisions: send a chosen responder, reassign.

The rules, in one place:

- The responder must be one the account may see: a regional office chooses among the
  responders of its region only. An unknown id and an out-of-scope id get the same answer.
- Distance: within ``KENDALI_DISPATCH_MAX_KM`` of the area's dispatch anchor. National
  operators and admins may go beyond it with an explicit ``"beyond_limit": true`` (a
  neighbouring province's team after a large quake); regional offices never.
- One area per person per incident, and one open dispatch per person: someone already
  notified or on their way cannot be sent again (409 naming their state). Someone whose
  earlier dispatch ended (timed out, declined, cancelled, done) is notified again, with a new
  deadline: "he did not answer, call him again".
- A reassignment cancels the live dispatch only together with its replacement's
  notification, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from geo.dispatch import Candidate
from server.auth.scope import Principal
from server.auth.scope import scope as scope_of
from server.errors import ApiError
from server.models import DispatchRow
from server.models import IncidentRow
from server.models import ResponderRow
from server.queries import dispatch as q
from server.services import dispatch as dispatch_svc

NO_SUCH_RESPONDER = "no such active responder"
NATIONAL_ROLES_BEYOND = ("operator", "admin")


class Conflict(ApiError):
    status = 409


@dataclass(frozen=True)
class Choice:
    """A responder the principal chose for an area, checked."""

    responder: ResponderRow
    distance_km: float


def check_choice(session: Session, principal: Principal, incident: IncidentRow, code: str,
                 responder_id: object, beyond_limit: bool = False) -> Choice:
    """The checked responder for ``code`` of ``incident``, or a 4xx naming ``responder_id``."""
    responder = _responder_in_scope(session, principal, responder_id)
    state = q.open_dispatch_of(session, responder.id)
    if state is not None:
        raise Conflict("responder already dispatched", {
            "responder_id": f"already {state[1]} (incident {state[0]}): one area at a time"})
    if responder.availability == "off_duty":
        raise Conflict("responder off duty", {"responder_id": "off duty"})
    km = q.distance_to_target(session, responder.id, incident.id, code)
    limit = current_app.config["DISPATCH_MAX_KM"]
    if km is None:
        raise ApiError("invalid dispatch", {"responder_id": "has no known position"})
    if km > limit and not (beyond_limit and principal.role in NATIONAL_ROLES_BEYOND):
        hint = "" if principal.role not in NATIONAL_ROLES_BEYOND else \
            '; send "beyond_limit": true to dispatch anyway'
        raise ApiError("responder too far", {
            "responder_id": f"{km:.0f} km from the area; the limit is {limit:g} km{hint}"})
    return Choice(responder, round(km, 3))


def _responder_in_scope(session: Session, principal: Principal, responder_id: object
                        ) -> ResponderRow:
    if not isinstance(responder_id, int) or isinstance(responder_id, bool) \
            or not 0 < responder_id < 2**62:
        raise ApiError("invalid dispatch", {"responder_id": "an integer id"})
    row = session.get(ResponderRow, responder_id)
    if row is None or not row.active or not scope_of(principal).covers_code(row.district_code):
        raise ApiError("invalid dispatch", {"responder_id": NO_SUCH_RESPONDER})
    return row


def send(session: Session, principal: Principal, incident: IncidentRow, code: str,
         responder_id: object, beyond_limit: bool = False) -> DispatchRow:
    """Notify a chosen responder for an area (a new dispatch, a new deadline). Commits."""
    if incident.status != "active":
        raise Conflict("incident is not active", {"state": incident.status})
    choice = check_choice(session, principal, incident, code, responder_id, beyond_limit)
    cand = Candidate(choice.responder.id, choice.responder.type, choice.distance_km)
    (row,) = dispatch_svc.notify_many(session, principal, incident, [(code, cand)])
    if beyond_limit:
        row.reason = "beyond the distance limit, by the operator"
    session.commit()
    return row


def reassign(session: Session, principal: Principal, dispatch_id: int, responder_id: object,
             beyond_limit: bool = False) -> DispatchRow:
    """Send ``responder_id`` instead of the responder of a live dispatch: the replacement is
    notified and the old dispatch cancelled in one transaction, or nothing changes."""
    old = q.lock_dispatch(session, dispatch_id)
    if old is None:
        raise LookupError(dispatch_id)
    if old.state not in dispatch_svc.OPEN_STATES:
        session.rollback()
        raise dispatch_svc.DispatchStateError(old.state, "cancelled")
    incident = session.get(IncidentRow, old.incident_id)
    try:
        if incident.status != "active":
            raise Conflict("incident is not active", {"state": incident.status})
        choice = check_choice(session, principal, incident, old.area_code, responder_id,
                              beyond_limit)
    except ApiError:
        session.rollback()
        raise
    cand = Candidate(choice.responder.id, choice.responder.type, choice.distance_km)
    (row,) = dispatch_svc.notify_many(session, principal, incident, [(old.area_code, cand)])
    dispatch_svc.set_state(session, principal, old, "cancelled", "reassigned")
    session.commit()
    return row
