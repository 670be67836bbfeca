"""Follow-up: status changes, assignment, notes, and the group of confirmed duplicates.

Confirmed duplicates share one follow-up: the group's first complaint is its *primary*,
the others point at it (``primary_id``) and mirror its status, assignment and deadlines.
A change to the primary is applied to every member in the same transaction (each gets its
own timeline entry and event); changing a member directly is refused (409) so a group can
never drift apart. Only the primary counts as overdue: a group is one piece of work.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo.workflow import STAMPS
from geo.workflow import MissingField
from geo.workflow import TransitionNotAllowed
from geo.workflow import plan_transition
from server.auth.scope import Principal
from server.errors import ApiError
from server.errors import NotFound
from server.models import ComplaintRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import units as unit_queries
from server.queries.complaints import followup as q
from server.queries.complaints import reads
from server.realtime import events
from server.services import audit
from server.services import units
from server.services.complaints import present
from server.services.complaints.levels import service_levels

#: Fields a group member copies from its primary.
SHARED = ("status", "reason", "assigned_to", "follow_up_due", *sorted(set(STAMPS.values())))


class Conflict(ApiError):
    """The request contradicts the complaint's state (HTTP 409)."""

    status = 409


def locked(session: Session, scope, complaint_id: int) -> ComplaintRow:
    """The complaint in scope, row-locked; 404 when missing or outside the scope."""
    row = q.lock_scoped(session, scope, complaint_id)
    if row is None:
        raise NotFound("no such complaint")
    return row


def snapshot(row: ComplaintRow) -> dict:
    """The audited state of a complaint (never the reporter or the sealed values)."""
    return {
        "status": row.status,
        "assigned_to": row.assigned_to,
        "reason": row.reason,
        "area": row.district_code or row.regency_code,
        "placement": row.placement,
        "primary_id": row.primary_id,
        "possible_duplicate_of": row.possible_duplicate_of,
        "duplicate_decision": row.duplicate_decision,
        "overdue": row.overdue,
    }


def publish(session: Session, ids: list[int]) -> None:
    """One ``complaint.updated`` event per complaint, to its area's rooms and the room of the
    unit it is forwarded to."""
    session.flush()
    for row in reads.public_rows(session, ids):
        event_queries.append(
            session,
            events.COMPLAINT_UPDATED,
            [c for c in [present.finest_code(row)] if c],
            present.event_payload(row),
            unit_ids=[row["assigned_to"]] if row.get("assigned_to") else None,
        )


def update(
    session: Session,
    principal: Principal,
    scope,
    complaint_id: int,
    changes: dict,
) -> None:
    """PATCH: ``status`` (with ``reason``), ``assigned_to`` and/or a ``note``; commits."""
    if changes.get("assigned_to") is not None:
        units.require(session, changes["assigned_to"], "assigned_to")
    row = locked(session, scope, complaint_id)
    moving, assign = _what_changes(row, changes)
    if not (moving or assign or changes.get("note")):
        return  # the same status or unit again: nothing to do
    now, before = clock.now(), snapshot(row)
    members = q.lock_members(session, row.id) if (moving or assign) else []
    if assign:
        row.assigned_to = changes["assigned_to"]
    if moving:
        _transition(row, changes["status"], changes.get("reason"), now)
    for member in members:
        mirror(member, row, now)
    row.updated_at = now
    action = "status" if moving else "assigned" if assign else "note"
    _record(session, principal, row, members, action, before, changes, now)
    if moving or assign:
        publish(session, [row.id] + [m.id for m in members])
    session.commit()


def _what_changes(row: ComplaintRow, changes: dict) -> tuple[bool, bool]:
    """(status moves, assignment changes); a group member refuses both (409)."""
    status = changes.get("status")
    moving = status is not None and status != row.status
    assign = "assigned_to" in changes and changes["assigned_to"] != row.assigned_to
    if row.primary_id is not None and (moving or assign):
        raise Conflict(
            f"complaint {row.id} is a confirmed duplicate of {row.primary_id}: "
            "change the primary, the group follows",
            {"status" if moving else "assigned_to": f"follows complaint {row.primary_id}"},
        )
    return moving, assign


def _record(session, principal, row, members, action, before, changes, now) -> None:
    """Timeline entries (the complaint and each member) and the audit row of a change."""
    moving, note = action == "status", changes.get("note")
    details = {"reason": changes.get("reason") if moving else None}
    details["assigned_to"] = (
        row.assigned_to if action != "note" and "assigned_to" in changes else None
    )
    if details["assigned_to"]:
        details["unit"] = unit_queries.get_unit(session, row.assigned_to)[0].name
    details = {k: v for k, v in details.items() if v}
    for target, extra in [(row, {}), *[(m, {"via": row.id}) for m in members]]:
        q.add_entry(
            session,
            target.id,
            now,
            principal.label,
            action,
            from_status=before["status"] if moving else None,
            to_status=row.status if moving else None,
            note=note,
            details={**details, **extra},
        )
    after = snapshot(row) | ({"note": note} if note else {})
    audit.record(session, principal, f"complaint.{action}", "complaint", row.id, before, after)


def _transition(row: ComplaintRow, status: str, reason: str | None, now) -> None:
    try:
        plan = plan_transition(
            row.status,
            status,
            reason=reason,
            assigned_to=row.assigned_to,
            now=now,
            levels=service_levels(),
            verify_due=row.verify_due,
            follow_up_due=row.follow_up_due,
        )
    except TransitionNotAllowed as exc:
        allowed = ", ".join(exc.allowed) or "none (closed)"
        raise Conflict(str(exc), {"status": f"from {exc.current}: {allowed}"}) from None
    except MissingField as exc:
        raise ApiError("invalid status change", {exc.field: exc.message}) from None
    row.status = plan.status
    setattr(row, plan.stamp, now)
    row.follow_up_due = plan.follow_up_due
    row.overdue = plan.overdue
    if status in ("ditolak", "bukan_wewenang"):
        row.reason = reason


def mirror(member: ComplaintRow, primary: ComplaintRow, now) -> None:
    """Make ``member`` follow ``primary`` (status, assignment, deadlines); never overdue."""
    for name in SHARED:
        setattr(member, name, getattr(primary, name))
    member.overdue = False
    member.updated_at = now
