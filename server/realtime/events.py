"""Every event name, once: the event log's ``type`` values and the /live socket's messages.

Events are ``noun.verb`` strings. Services append them to the event log (after their work, in
the same transaction); the publisher emits them once committed. The pages' scripts get the
same names from here (:func:`for_pages`, a JSON block in each page), never a copy.

This module holds names only, so anything may import it (services, jobs, tools).
"""

from __future__ import annotations

# -- event log types ---------------------------------------------------------------------
QUAKE_CREATED = "quake.created"
QUAKE_UPDATED = "quake.updated"
INCIDENT_CREATED = "incident.created"
INCIDENT_UPDATED = "incident.updated"  # joined by an aftershock, areas added, severity up
INCIDENT_CLOSED = "incident.closed"  # by someone (payload reason "closed") or quiet ("quiet")
INCIDENT_REOPENED = "incident.reopened"
AREA_CLOSED = "area.closed"  # one area stood down, the incident goes on
AREA_UNSTAFFED = "area.unstaffed"
#: ``dispatch.<state>``: notified, acknowledged, declined, timed_out, en_route, on_site, done,
#: cancelled. Use :func:`dispatch_event`.
DISPATCH_PREFIX = "dispatch."
#: ``standby.<state>``: notified, acknowledged, cancelled, done (a standby notice for a
#: warning: acknowledge, no travel). Use :func:`standby_event`.
STANDBY_PREFIX = "standby."
#: Warnings from other agencies (CAP). ``warning.created``: a new warning (an update's new
#: message carries ``replaces``: the ids it ends); ``warning.cancelled`` / ``warning.expired``:
#: it leaves the map. Payloads are summaries: pages read the areas in scope via REST.
WARNING_CREATED = "warning.created"
WARNING_UPDATED = "warning.updated"
WARNING_CANCELLED = "warning.cancelled"
WARNING_EXPIRED = "warning.expired"
RESPONDER_MOVED = "responder.moved"
REPORT_CREATED = "report.created"  # a report from the ground (field tablet)
COMPLAINT_CREATED = "complaint.created"
COMPLAINT_UPDATED = "complaint.updated"
COMPLAINT_OVERDUE = "complaint.overdue"
FEED_STALE = "feed.stale"
FEED_RECOVERED = "feed.recovered"
BENCH_PING = "bench.ping"  # the benchmark's timing event (tools/bench)

# -- /live socket messages ---------------------------------------------------------------
NAMESPACE = "/live"
MSG_EVENT = "event"  # one event-log row: {"seq", "type", "time", "regions", "payload"}
MSG_SYNCED = "synced"  # catch-up done: {"seq", "redis", "degraded"}
MSG_RESET = "reset"  # the gap is too old for catch-up: reload through REST
MSG_STATUS = "status"  # this process's dependencies changed: {"redis", "degraded"}


def dispatch_event(state: str) -> str:
    """The event of a dispatch entering ``state`` (``dispatch.notified``, ...)."""
    return DISPATCH_PREFIX + state


def standby_event(state: str) -> str:
    """The event of a standby notice entering ``state`` (``standby.notified``, ...)."""
    return STANDBY_PREFIX + state


def for_pages() -> dict[str, str]:
    """The names the pages' scripts use, by constant name (``K.ev.QUAKE_CREATED``)."""
    return {
        name: value
        for name, value in globals().items()
        if name.isupper() and isinstance(value, str)
    }
