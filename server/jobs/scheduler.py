"""The leader-elected scheduler: runs every job of :mod:`server.jobs.registry` on time.

Exactly one process runs the jobs (PostgreSQL advisory lock on a connection of its own, as
the feed poller; :mod:`server.jobs.leader`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from collections.abc import Mapping

from flask import Flask
from sqlalchemy.orm import Session

from server.jobs import leader
from server.jobs.registry import JOBS
from server.platform.db import get_db

log = logging.getLogger(__name__)

#: pg_advisory_lock key of the scheduler's leadership.
SCHEDULER_LOCK = 0x4B454E44414C4932


def run_due(session_factory: Callable[[], Session], due: dict[str, float],
            now: float, config: Mapping) -> list[str]:
    """Run every enabled job whose time has come; return their names. A failing job is
    logged."""
    ran = []
    for item in JOBS:
        if due.get(item.name, 0.0) > now or not item.enabled(config):
            continue
        due[item.name] = now + item.interval_s
        with session_factory() as session:
            try:
                item.func(session)
                ran.append(item.name)
            except Exception:
                log.exception("scheduler: job %s failed", item.name)
                session.rollback()
    return ran


def run_once(app: Flask) -> list[str]:
    """Run every registered job now (tests, and ``kendali scheduler run-once``)."""
    with app.app_context():
        return run_due(get_db().session, {}, time.monotonic(), app.config)


def run(app: Flask, stop) -> None:
    """The scheduler loop: become leader, then run due jobs every second. Never dies."""

    def start_term(db):
        due: dict[str, float] = {}  # a new leader runs every job at once
        return lambda: run_due(db.session, due, time.monotonic(), app.config)

    leader.run_as_leader(app, stop, "scheduler", SCHEDULER_LOCK, start_term, log)
