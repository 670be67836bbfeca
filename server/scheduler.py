"""Leader-elected periodic jobs: escalation deadlines, complaint service levels, ...

Exactly one process runs the jobs (PostgreSQL advisory lock on a connection of its own, as
the feed poller). Jobs keep their state and deadlines in the database, so a restarted or
replacement leader resumes exactly where the last one stopped; each job must therefore be
idempotent: run twice at the same moment, it does the work once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

log = logging.getLogger(__name__)

#: pg_advisory_lock key of the scheduler's leadership.
SCHEDULER_LOCK = 0x4B454E44414C4932


@dataclass
class Job:
    name: str
    interval_s: float
    func: Callable  # func(session) -> None; commits its own work


JOBS: dict[str, Job] = {}


def job(name: str, interval_s: float):
    """Register ``func(session)`` to run every ``interval_s`` seconds on the leader."""

    def wrap(func):
        JOBS[name] = Job(name, interval_s, func)
        return func

    return wrap


def run_due(app: Flask, session_factory, due: dict[str, float], now: float) -> list[str]:
    """Run every job whose time has come; return their names. A failing job is logged."""
    ran = []
    for item in JOBS.values():
        if due.get(item.name, 0.0) > now:
            continue
        due[item.name] = now + item.interval_s
        session = session_factory()
        try:
            item.func(session)
            ran.append(item.name)
        except Exception:
            log.exception("scheduler: job %s failed", item.name)
            session.rollback()
        finally:
            session.close()
    return ran


def run_once(app: Flask) -> list[str]:
    """Run every registered job now (tests, and ``kendali scheduler run-once``)."""
    from server.platform.db import get_db

    with app.app_context():
        return run_due(app, get_db().session, {}, time.monotonic())


def run(app: Flask, stop) -> None:
    """The scheduler loop: become leader, then run due jobs every second. Never dies."""
    from server import background

    def start_term(db):
        due: dict[str, float] = {}  # a new leader runs every job at once
        return lambda: run_due(app, db.session, due, time.monotonic())

    _load_jobs()
    background.run_as_leader(app, stop, "scheduler", SCHEDULER_LOCK, start_term, log)


def _load_jobs() -> None:
    """Import the modules that register jobs."""
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)


#: Modules whose import registers scheduler jobs (``@scheduler.job``).
JOB_MODULES: list[str] = ["server.jobs", "server.services.complaints.overdue"]
