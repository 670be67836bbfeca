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
    from server import status
    from server.publisher import Publisher
    from server.publisher import listen_loop
    from server.sockets import disconnect_revoked

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
