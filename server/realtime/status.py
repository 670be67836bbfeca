"""This process's view of its dependencies (Redis), told to its live clients on change.

Events never depend on Redis (every process streams the database's event log itself), so a
Redis outage degrades less than it would elsewhere: rate limits fall back to per-process
memory and cross-process socket disconnects wait for Redis. Clients are told (``status``
message) so the wall can show it, and ``/healthz`` reports it.
"""

from __future__ import annotations

import logging

import redis

from server.extensions import socketio
from server.realtime.events import MSG_STATUS
from server.realtime.events import NAMESPACE

log = logging.getLogger(__name__)

STATE: dict[str, str] = {"redis": "off"}


def snapshot() -> dict:
    return {"redis": STATE["redis"], "degraded": STATE["redis"] == "down"}


def ping(url: str) -> bool:
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except redis.RedisError:
        return False


def watch(app, stop, interval: float = 2.0) -> None:
    """Ping Redis every ``interval`` seconds; broadcast a ``status`` message on change."""
    url = app.config.get("REDIS_URL")
    if not url:
        return
    while not stop.is_set():
        state = "up" if ping(url) else "down"
        if state != STATE["redis"]:
            STATE["redis"] = state
            log.warning("redis is %s", state)
            socketio.emit(MSG_STATUS, snapshot(), namespace=NAMESPACE, ignore_queue=True)
        stop.wait(interval)
    log.info("redis watch: stopped")
