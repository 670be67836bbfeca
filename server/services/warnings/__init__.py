"""Warnings from other agencies (CAP 1.2): intake, where they apply, what they set off, and
their end. :func:`receive` is the one path in, for the poller and the push endpoint alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from server.services.warnings import lifecycle
from server.services.warnings import respond
from server.services.warnings.intake import Outcome
from server.services.warnings.intake import Rejected
from server.services.warnings.intake import ingest

__all__ = ["Outcome", "Rejected", "receive"]


def receive(session: Session, payload: bytes, source: str, origin: str | None = None,
            agency: str | None = None) -> Outcome:
    """Take one CAP message in (commits), then act on it and settle what it ended (each
    commits on its own: the warning is on the map before anyone is paged).

    Raises:
        Rejected: the message is refused with its field and reason (and counted).
    """
    outcome = ingest(session, payload, source, origin, agency)
    if outcome.created:
        respond.act(session, outcome)
        lifecycle.settle(session, outcome.ended)
    return outcome
