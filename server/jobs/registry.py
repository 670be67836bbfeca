"""Every periodic job, in one list. The leader-elected scheduler runs them.

Each job keeps its state and deadlines in the database, so a restarted or replacement
leader resumes exactly where the last one stopped; each must therefore be idempotent: run
twice at the same moment, it does the work once. A job takes a session and commits its own
work.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from server.services import demo_field
from server.services import dispatch
from server.services import notify
from server.services import responders
from server.services import standdown
from server.services.complaints import overdue
from server.services.warnings import lifecycle as warning_lifecycle


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: float
    func: Callable[[Session], object]
    #: Whether the job runs with this configuration (every job runs unless it says).
    enabled: Callable[[Mapping], bool] = lambda config: True


def _demo(config: Mapping) -> bool:
    return bool(config.get("DEMO"))


JOBS: tuple[Job, ...] = (
    # Acknowledgement deadlines that passed: time out, notify the next nearest.
    Job("dispatch.escalate", 2.0, dispatch.escalate),
    # Outbound notifications (webhook) due for a first try or a retry.
    Job("notify.deliver", 2.0, notify.deliver),
    # Quake incidents quiet for KENDALI_INCIDENT_QUIET with nobody out close themselves.
    Job("incidents.close_quiet", 300.0, standdown.close_quiet),
    # Warnings past their end leave the map; their standby notices and incidents stand down.
    Job("warnings.expire", 15.0, warning_lifecycle.expire),
    # Tablet positions that are no longer fresh stop counting for dispatch.
    Job("responders.refresh_positions", 60.0, responders.refresh_positions),
    # Complaint service levels: newly passed deadlines, and the summary counters' fold.
    Job("complaints.overdue", 60.0, overdue.overdue_job),
    Job("complaints.counts", 30.0, overdue.counts_job),
    # Demo mode only: simulated field companions answer their notifications.
    Job("demo.field", 5.0, demo_field.simulate, enabled=_demo),
)


def by_name() -> dict[str, Job]:
    return {job.name: job for job in JOBS}
