"""The scheduler's jobs (registered on import; see ``server.scheduler``)."""

from __future__ import annotations

from server.scheduler import job
from server.services import dispatch
from server.services import notify
from server.services import responders


@job("dispatch.escalate", interval_s=2.0)
def escalate(session) -> None:
    dispatch.escalate(session)


@job("notify.deliver", interval_s=2.0)
def deliver(session) -> None:
    notify.deliver(session)


@job("responders.refresh_positions", interval_s=60.0)
def refresh_positions(session) -> None:
    responders.refresh_positions(session)
