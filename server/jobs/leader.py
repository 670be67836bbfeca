"""Leader election: run a loop in exactly one process, the holder of a PostgreSQL advisory lock.

The lock lives on a connection of its own, so when the leading process dies its connection
closes, the lock is free, and another process takes over within a second.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable

from flask import Flask

from server.platform.db import Database
from server.platform.db import get_db
from server.queries.feeds import LockConnection


def run_as_leader(app: Flask, stop: threading.Event, name: str, lock_key: int,
                  start_term: Callable[[Database], Callable[[], object]],
                  log: logging.Logger, period: float = 1.0) -> None:
    """Run a loop in exactly one process: the one holding the advisory lock ``lock_key``.

    While another process leads, try again every second. On winning, ``start_term(db)``
    gives the step to run every ``period`` seconds for as long as the lock's own connection
    lives (checked about once a second); any error ends the term (the lock goes with its
    connection) and the election starts over. Never dies. ``name`` and ``log`` are the
    loop's, for its log lines.
    """
    while not stop.is_set():
        lock = None
        try:
            with app.app_context():
                db = get_db()
                lock = LockConnection(db.engine)
                if not lock.try_lock(lock_key):
                    lock.close()
                    lock = None
                    stop.wait(1.0)
                    continue
                log.info("%s: leader in this process", name)
                step = start_term(db)
                pinged = time.monotonic()
                while not stop.is_set():
                    step()
                    if time.monotonic() - pinged >= 1.0:
                        lock.ping()  # raises when the lock's connection died: re-elect
                        pinged = time.monotonic()
                    stop.wait(period)
        except Exception:
            if stop.is_set():  # shutting down: the database may already be going
                break
            log.exception("%s: restarting", name)
            stop.wait(2.0)
        finally:
            if lock is not None:
                with contextlib.suppress(Exception):
                    lock.close()
    log.info("%s: stopped", name)
