"""Service levels on the clock: the leader's periodic jobs for complaints.

``complaints.overdue`` (every 60 s) flags complaints whose pending deadline has passed and
logs one ``complaint.overdue`` event per deadline; ``complaints.counts`` (every 30 s) folds
the summary counters' deltas. Both keep their state in the database, so a new leader
resumes where the last one stopped, and running either twice does the work once.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from server.platform import clock
from server.queries.complaints import followup as q
from server.queries.complaints import log as log_q
from server.queries.complaints import reads
from server.queries.complaints import summary as summary_q
from server.realtime import events
from server.services.complaints import present

ACTOR = "system:service-levels"


def mark_overdue(session: Session) -> int:
    """Flag newly overdue complaints, log them (timeline, event, audit); commit; count them."""
    now = clock.now()
    flagged = q.mark_overdue(session, now)
    if not flagged:
        session.rollback()
        return 0
    by_deadline: dict[str, list[int]] = defaultdict(list)
    for cid, deadline, _ in flagged:
        by_deadline[deadline].append(cid)
    for deadline, ids in by_deadline.items():
        log_q.add_timeline(
            session, ids, now, ACTOR, "overdue", None, [{"deadline": deadline}] * len(ids)
        )
    rows = {r["id"]: r for r in reads.public_rows(session, [cid for cid, _, _ in flagged])}
    items = []
    for cid, deadline, due in flagged:
        payload = present.event_payload(rows[cid]) | {"deadline": deadline, "due": due.isoformat()}
        items.append((present.finest_code(rows[cid]), payload, rows[cid].get("assigned_to")))
    log_q.append_events(session, events.COMPLAINT_OVERDUE, items)
    log_q.audit_many(
        session,
        ACTOR,
        None,
        "complaint.overdue",
        None,
        [(cid, {"overdue": True, "deadline": deadline}) for cid, deadline, _ in flagged],
    )
    session.commit()
    return len(flagged)


def overdue_job(session: Session) -> None:
    """Scheduler entry: report newly passed deadlines."""
    mark_overdue(session)


def counts_job(session: Session) -> None:
    """Scheduler entry: fold the summary counters' deltas."""
    summary_q.compact(session)
    session.commit()
