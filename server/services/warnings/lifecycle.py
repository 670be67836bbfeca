"""The end of a warning: it expires, is cancelled or replaced; what it set off stands down.

When a warning ends, its standby notices end with it (a waiting one is cancelled, an
acknowledged one done) unless an update took them over, and an incident it opened closes
once none of its warnings is active and nobody is out (acknowledged, on the way, on site):
pending notifications are cancelled with it. While people are out the incident stays open;
the expiry job closes it after they are done.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.platform import clock
from server.queries import events as event_queries
from server.queries import standby as sq
from server.queries import warnings as q
from server.realtime import events
from server.services import dispatch as dispatch_svc
from server.services import standdown
from server.services.warnings.present import ended_summary
from server.services.warnings.respond import SYSTEM

REASON = "warning_ended"


def _end_notices(session: Session, notices) -> int:
    for d in notices:
        state = "done" if d.state == "acknowledged" else "cancelled"
        dispatch_svc.set_state(session, SYSTEM, d, state, "warning ended")
    return len(notices)


def _close_incidents(session: Session) -> int:
    closed = 0
    for incident_id in sq.incidents_to_close(session, SYSTEM):
        try:
            standdown.close(session, SYSTEM, incident_id, "every warning of it has ended",
                            reason=REASON)
            closed += 1
        except standdown.Conflict:
            session.rollback()  # closed meanwhile
    return closed


def settle(session: Session, ended: list[int]) -> None:
    """After warnings ended: end their standby notices no update took over, and close the
    incidents that no longer have a warning in force. Commits."""
    if ended:
        _end_notices(session, sq.of_warnings(session, ended))
        session.commit()
    _close_incidents(session)


def expire(session: Session) -> int:
    """Scheduler job: warnings past their end leave the map (``warning.expired``), and what
    they set off stands down. Also ends notices and closes incidents left behind."""
    now = clock.now()
    due = q.due_to_end(session, now)
    for w in due:
        w.state, w.ended_at = "expired", now
        event_queries.append(session, events.WARNING_EXPIRED,
                             [d.code for d in q.districts_of(session, w.id)],
                             {**ended_summary(w), "reason": "expired",
                              "ends_at": w.ends_at.isoformat()})
    session.commit()
    _end_notices(session, sq.orphaned(session))
    session.commit()
    _close_incidents(session)
    return len(due)
