"""A server process's loops: the event publisher (every process), the leader-elected BMKG
poller and scheduler, and the Redis watcher."""

from __future__ import annotations

import threading

from flask import Flask

from server.extensions import socketio
from server.jobs import feed
from server.jobs import scheduler
from server.realtime import status
from server.realtime.publisher import Publisher
from server.realtime.publisher import listen_loop
from server.realtime.sockets import disconnect_revoked

_started: dict[int, threading.Event] = {}


def start(app: Flask) -> threading.Event:
    """Start this process's loops once per app; set the returned event to stop them."""
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
