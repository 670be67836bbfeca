"""Operators confirm or dismiss duplicates. Confirmed ones join one group (one follow-up).

Confirming ``id`` as a duplicate of ``of`` makes ``id`` (and any complaints that followed
``id``) members of ``of``'s group: they take its primary's status, assignment and
deadlines from then on. Dismissing clears the suggestion, or takes ``id`` out of the group
again (it keeps the status it had and runs on its own deadlines).

A whistleblower's complaint is never grouped with another channel's: a group shows its
members side by side, and a named reporter's complaint next to a whistleblower's would
tell who blew the whistle.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.auth.scope import Principal
from server.auth.scope import Scope
from server.errors import ApiError
from server.errors import NotFound
from server.models import ComplaintRow
from server.platform import clock
from server.queries.complaints import followup as q
from server.services import audit
from server.services.complaints.followup import Conflict
from server.services.complaints.followup import mirror
from server.services.complaints.followup import publish
from server.services.complaints.followup import snapshot
from server.services.complaints.present import WHISTLEBLOWER


def _lock_pair(session: Session, scope, complaint_id: int, of: int):
    """Lock both complaints in id order (two operators merging crosswise never deadlock)."""
    found = {}
    for cid in sorted((complaint_id, of)):
        found[cid] = q.lock_scoped(session, scope, cid)
    if found[complaint_id] is None:
        raise NotFound("no such complaint")
    if found[of] is None:
        raise ApiError("invalid duplicate decision", {"of": "no such complaint"})
    return found[complaint_id], found[of]


def decide(
    session: Session, principal: Principal, scope, complaint_id: int, of: int, decision: str
) -> None:
    """Confirm or dismiss ``complaint_id`` as a duplicate of ``of``; commits."""
    if complaint_id == of:
        raise ApiError("invalid duplicate decision", {"of": "a complaint cannot duplicate itself"})
    row, target = _lock_pair(session, scope, complaint_id, of)
    if (row.channel == WHISTLEBLOWER) != (target.channel == WHISTLEBLOWER):
        raise Conflict(
            "a whistleblower complaint is only ever grouped with whistleblower complaints",
            {"of": "other channel kind"},
        )
    now, before = clock.now(), snapshot(row)
    if decision == "confirm":
        changed = _confirm(session, row, target, now, principal)
    else:
        changed = _dismiss(row, target)
    if not changed:
        return
    row.updated_at = now
    q.add_entry(
        session,
        row.id,
        now,
        principal.label,
        f"duplicate.{decision}ed",
        details={"of": of, "primary": row.primary_id},
    )
    audit.record(
        session,
        principal,
        f"complaint.duplicate.{decision}",
        "complaint",
        row.id,
        before,
        snapshot(row),
    )
    publish(session, [row.id, *changed[1:]])
    session.commit()


def _confirm(session: Session, row: ComplaintRow, target: ComplaintRow, now, principal):
    """Join ``target``'s group; return the ids that changed (``row`` first), or []."""
    root_id = target.primary_id or target.id
    if row.primary_id == root_id:
        return []  # already confirmed: nothing to do
    if root_id == row.id:
        raise Conflict("that complaint already follows this one", {"of": "already in its group"})
    primary = target if root_id == target.id else q.lock_scoped(session, _national(), root_id)
    moved = q.lock_members(session, row.id)
    for member in [row, *moved]:
        member.primary_id = primary.id
        mirror(member, primary, now)
    row.possible_duplicate_of, row.duplicate_decision = target.id, "confirmed"
    q.add_entry(
        session, primary.id, now, principal.label, "duplicate.merged", details={"duplicate": row.id}
    )
    return [row.id, *[m.id for m in moved]]


def _dismiss(row: ComplaintRow, target: ComplaintRow) -> list[int]:
    root_id = target.primary_id or target.id
    if row.primary_id is not None and row.primary_id == root_id:
        row.primary_id = None
        row.overdue = False  # the service-level job re-checks its own deadlines
    elif row.possible_duplicate_of in (target.id, root_id) and row.duplicate_decision is None:
        row.possible_duplicate_of, row.duplicate_reason, row.duplicate_score = None, None, None
    else:
        raise Conflict("these complaints are not linked", {"of": "not a suggested duplicate"})
    row.duplicate_decision = "dismissed"
    return [row.id]


def _national():
    return Scope(national=True)
