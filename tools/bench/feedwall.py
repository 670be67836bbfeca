"""From BMKG's publication to the wall: ``feed_to_wall_ms`` (``kendali bench feed``).

A :class:`~tools.replay.ReplayServer` on loopback plays BMKG: it serves ``autogempa.json``
and releases one new file at a time, by hand, at moments the server cannot foresee (5-8 s
apart, random). A ``kendali serve`` process polls it exactly as it polls BMKG (its poller on,
the configured intervals) and a live client (a national operator's token, python-socketio)
waits for ``quake.created``. The figure is the time from the release to the client's receipt,
per release; its median and p95 over the releases.

The files are real recorded quakes: the recorded autogempa files and the records of the
recorded gempaterkini lists (each M5+ record in the object form autogempa publishes, as it
would have read while that quake was the latest), all from ``KENDALI_BMKG_RECORDED_DIR``.
Recorded quakes are old, so each is stored as backfilled (``fresh: false``): no incident is
opened, and ``quake.created`` is emitted as for any quake. Quakes a previous run stored at
the same origin times are deleted first, so that every release is a new quake.
"""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from geo.bmkg import parse_feed
from server.extensions import db
from server.queries import quakes as quake_queries
from server.realtime import events
from tools.bench.live import percentile
from tools.replay import ReplayServer


def recorded_records(folder: Path) -> list[tuple[str, dict]]:
    """(origin time, autogempa record) of every recorded quake, autogempa files first."""
    out: dict[str, dict] = {}
    for path in sorted((folder / "autogempa").glob("*.json")):
        body = json.loads(path.read_bytes())
        gempa = body["Infogempa"]["gempa"] if isinstance(body, dict) else body[0]
        out.setdefault(gempa["DateTime"], gempa)
    for path in sorted((folder / "gempaterkini").glob("*.json")):
        for gempa in json.loads(path.read_bytes())["Infogempa"]["gempa"]:
            out.setdefault(gempa["DateTime"], gempa)
    return sorted(out.items())


def write_releases(records: list[tuple[str, dict]], n: int, folder: Path,
                   seed: int = 3) -> list[str]:
    """``n`` autogempa files in ``folder`` (one quake each); their origin times (ISO)."""
    chosen = sorted(random.Random(seed).sample(records, min(n, len(records))))
    for i, (_when, gempa) in enumerate(chosen):
        body = json.dumps({"Infogempa": {"gempa": gempa}}).encode()
        parse_feed(body, source_hint="autogempa")  # a file the poller cannot read is a bug
        (folder / f"autogempa_{i:03d}.json").write_bytes(body)
    return [when for when, _ in chosen]


class Wall:
    """A live client that notes when each ``quake.created`` arrives, by origin time."""

    def __init__(self, url: str, token: str) -> None:
        import socketio

        self.arrived: dict[str, float] = {}
        self.cond = threading.Condition()
        self.sio = socketio.Client(reconnection=True)
        self.sio.on("event", self._event, namespace="/live")
        self.sio.connect(url, namespaces=["/live"], transports=["websocket"],
                         auth={"token": token}, wait_timeout=30)

    def _event(self, msg) -> None:
        if msg.get("type") != events.QUAKE_CREATED:
            return
        origin = (msg.get("payload") or {}).get("origin_time", "")
        with self.cond:
            self.arrived.setdefault(_key(origin), time.time())
            self.cond.notify_all()

    def wait(self, origin: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while _key(origin) not in self.arrived and time.monotonic() < deadline:
                self.cond.wait(0.1)
            return self.arrived.get(_key(origin))

    def close(self) -> None:
        self.sio.disconnect()


def _key(iso: str) -> str:
    """An origin time in a comparable form (``...Z`` and ``...+00:00`` alike, seconds)."""
    return iso.replace("Z", "").replace("+00:00", "")[:19]


def run(procs, database_url: str, bmkg_dir: str, token: str, line, fail, quick: bool) -> None:
    from datetime import datetime

    n = 10 if quick else 12
    with tempfile.TemporaryDirectory(prefix="kendali-feed-bench-") as tmp:
        origins = write_releases(recorded_records(Path(bmkg_dir)), n, Path(tmp))
        with db.session() as session:
            times = [datetime.fromisoformat(o) for o in origins]
            quake_queries.delete_quakes(session, quake_queries.ids_at(session, times))
            session.commit()
        replay = ReplayServer(tmp, port=0, speed=0).start(play=False)
        server = procs.server(database_url, KENDALI_FEED_POLLING="1",
                              KENDALI_BMKG_URL=replay.url, KENDALI_FEED_STALE_AFTER="3600")
        wall = None
        try:
            procs.profile(server)
            wall = Wall(server.url, token)
            time.sleep(3.0)  # the poller takes the lead and reads the (empty) feeds
            rng, delays = random.Random(9), []
            for origin in origins:
                time.sleep(rng.uniform(5.0, 8.0))
                released = time.time()
                replay.release_next()
                got = wall.wait(origin, 30)
                if got is None:
                    fail(f"feed_to_wall: quake {origin} not on the wall 30 s after release")
                    continue
                delays.append((got - released) * 1000)
        finally:
            if wall is not None:
                wall.close()
            procs.stop(server)
            replay.stop()
    if delays:
        line("feed_to_wall_ms", statistics.median(delays), "ms")
        line("feed_to_wall_p95_ms", percentile(delays, 95), "ms")
        line("feed_to_wall_releases", len(delays), "releases")
