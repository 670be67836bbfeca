"""Helpers of the fault tests: failover stream clients, a private Redis, a private cluster."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import socketio

from tests.helpers import InOrderClient


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FailoverStream:
    """A /live client over several server URLs: on a lost connection it reconnects to the
    next URL with ``since`` = the last event it saw (as the pages do behind a balancer)."""

    def __init__(self, urls: list[str], token: str, start: int = 0):
        self.urls, self.token, self.i = urls, token, start
        self.events: list[dict] = []
        self.statuses: list[dict] = []
        self.synced: list[dict] = []
        self.last: int | None = None
        self.client: socketio.Client | None = None
        self.lock = threading.Lock()

    def _event(self, msg):
        with self.lock:
            self.events.append(msg)
            self.last = msg["seq"]

    def connect(self) -> bool:
        client = InOrderClient(reconnection=False)
        client.on("event", self._event, namespace="/live")
        client.on("status", self.statuses.append, namespace="/live")
        client.on("synced", self.synced.append, namespace="/live")
        try:
            client.connect(self.urls[self.i % len(self.urls)], namespaces=["/live"],
                           transports=["websocket"], wait_timeout=5,
                           auth={"token": self.token, "since": self.last})
        except socketio.exceptions.ConnectionError:
            self.i += 1
            return False
        self.client = client
        return True

    def ensure(self) -> None:
        """Reconnect (to the next server) when the connection is gone."""
        if self.client is None or not self.client.connected:
            self.i += 1 if self.client is not None else 0
            self.connect()

    def close(self) -> None:
        if self.client is not None and self.client.connected:
            self.client.disconnect()

    def seqs(self, kind: str) -> list[int]:
        with self.lock:
            return [e["seq"] for e in self.events if e["type"] == kind]


class Redis:
    """A private redis-server on a loopback port (Debian's, installed by scripts/setup)."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="kendali-redis-")
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def private_cluster():
    """A PostgreSQL cluster of its own (so that the test may restart it)."""
    from server.platform.embedded import EmbeddedPostgres

    base = tempfile.mkdtemp(prefix="kendali-fault-", dir="/tmp")
    os.chmod(base, 0o755)
    pg = EmbeddedPostgres(Path(base) / "pg")
    pg.start()
    return pg, base
