"""Background loops of a server process: the event publisher (every process) and the
leader-elected loops (BMKG feed poller, scheduler), and its garbage-collector settings."""

from __future__ import annotations

import threading

from flask import Flask

from server.extensions import socketio

_started: dict[int, threading.Event] = {}


def start(app: Flask) -> threading.Event:
    """Start this process's loops once per app; set the returned event to stop them."""
    from server import feed
    from server import scheduler
    from server.realtime import status
    from server.realtime.publisher import Publisher
    from server.realtime.publisher import listen_loop
    from server.realtime.sockets import disconnect_revoked

    if id(app) in _started:
        return _started[id(app)]
    stop = threading.Event()
    _started[id(app)] = stop
    publisher = Publisher()
    app.extensions["kendali_publisher"] = publisher
    socketio.start_background_task(listen_loop, app, publisher, disconnect_revoked, stop)
    if app.config["FEED_POLLING"]:
        socketio.start_background_task(feed.run, app, stop)
    if app.config["SCHEDULER"]:
        socketio.start_background_task(scheduler.run, app, stop)
    if app.config.get("REDIS_URL"):
        socketio.start_background_task(status.watch, app, stop)
    return stop


def tune_gc() -> None:
    """Keep the cyclic garbage collector's pauses out of the live stream's latency.

    A full collection walks every object in the process: with the app's imports (pandas,
    shapely, SQLAlchemy) and hundreds of sockets that took 100-280 ms, and it stalled a
    fan-out to every client of the process in the middle. Everything alive once the app is
    ready is moved out of the collector's reach (``gc.freeze``), and collections run less
    often (a young generation of 50,000 objects instead of 700), each still short.
    """
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def run_as_leader(app: Flask, stop: threading.Event, name: str, lock_key: int, start_term,
                  log) -> None:
    """Run a loop in exactly one process: the one holding the advisory lock ``lock_key``.

    While another process leads, try again every second. On winning, ``start_term(db)``
    gives the step to run every second for as long as the lock's own connection lives; any
    error ends the term (the lock goes with its connection) and the election starts over.
    Never dies. ``name`` and ``log`` are the loop's, for its log lines.
    """
    from server.platform.db import get_db
    from server.queries.feeds import LockConnection

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
                while not stop.is_set():
                    step()
                    lock.ping()  # raises when the lock's connection died: re-elect
                    stop.wait(1.0)
        except Exception:
            log.exception("%s: restarting", name)
            stop.wait(2.0)
        finally:
            if lock is not None:
                lock.close()
