"""Demo mode only: field companions answering their tablets, so a demo shows the whole loop.

Every notification of a demo incident gets an answer a little while after it was sent,
decided by its id (reproducible): most acknowledge (then set out and arrive), some decline,
some never answer and time out, so escalation is seen too. Never runs outside demo mode
(the job is registered with ``enabled=demo``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from server.platform import clock
from server.queries import dispatch as q
from server.services import dispatch as dispatch_svc

ACTOR = "demo:field"
#: (state now, next state, seconds after the notification)
STEPS = (("acknowledged", "en_route", 90), ("en_route", "on_site", 240))


def _answer(dispatch_id: int) -> tuple[str | None, int]:
    """What this notification's responder does, and after how many seconds."""
    roll = (dispatch_id * 2654435761) % 100
    delay = 15 + (dispatch_id * 40503) % 60
    if roll < 75:
        return "acknowledged", delay
    if roll < 85:
        return "declined", delay
    return None, delay  # never answers: escalation times it out


def simulate(session: Session) -> int:
    """Answer what is due; return how many dispatches moved."""
    now = clock.now()
    moved = 0
    for d in q.open_dispatches_since(session, now - timedelta(hours=6)):
        age = (now - d.notified_at).total_seconds()
        target = None
        if d.state == "notified":
            answer, delay = _answer(d.id)
            target = answer if answer and age >= delay else None
        for state, nxt, after in STEPS:
            if d.state == state and age >= after:
                target = nxt
        if target:
            dispatch_svc.transition(session, ACTOR, d.id, target,
                                    "sakit" if target == "declined" else None)
            moved += 1
    return moved
