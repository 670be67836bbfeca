"""A server process's loops: the event publisher (every process), the leader-elected BMKG
poller and scheduler, and the Redis watcher."""

from __future__ import annotations

import threading
import time

from flask import Flask

from server.extensions import socketio
from server.jobs import cap_feed
from server.jobs import feed
from server.jobs import scheduler
from server.realtime import status
from server.realtime.publisher import Publisher
from server.realtime.publisher import listen_loop
from server.realtime.sockets import disconnect_revoked
from server.realtime.window import Window

_started: dict[int, threading.Event] = {}
_tasks: dict[int, list] = {}


def start(app: Flask) -> threading.Event:
    """Start this process's loops once per app; set the returned event to stop them."""
    if id(app) in _started:
        return _started[id(app)]
    stop = threading.Event()
    _started[id(app)] = stop
    publisher = Publisher(window=Window(app.config["LIVE_WINDOW"]))
    app.extensions["kendali_publisher"] = publisher
    tasks = [socketio.start_background_task(listen_loop, app, publisher, disconnect_revoked,
                                            stop)]
    if app.config["FEED_POLLING"]:
        tasks.append(socketio.start_background_task(feed.run, app, stop))
    if cap_feed.enabled(app.config):
        tasks.append(socketio.start_background_task(cap_feed.run, app, stop))
    if app.config["SCHEDULER"]:
        tasks.append(socketio.start_background_task(scheduler.run, app, stop))
    if app.config.get("REDIS_URL"):
        tasks.append(socketio.start_background_task(status.watch, app, stop))
    _tasks[id(app)] = tasks
    return stop


def stop_all(app: Flask, timeout: float = 10.0) -> None:
    """Stop this process's loops and wait for them (each says "stopped"), before the
    database goes: a loop that outlived it would log its connection errors as failures."""
    stop = _started.get(id(app))
    if stop is None:
        return
    stop.set()
    deadline = time.monotonic() + timeout
    for task in _tasks.get(id(app), []):
        while _alive(task) and time.monotonic() < deadline:
            socketio.sleep(0.05)


def _alive(task) -> bool:
    green = getattr(task, "g", None) or task  # engineio's EventletThread wraps a GreenThread
    dead = getattr(green, "dead", None)
    if dead is not None:
        return not dead
    is_alive = getattr(task, "is_alive", None)  # a thread (threading mode)
    return bool(is_alive and is_alive())
