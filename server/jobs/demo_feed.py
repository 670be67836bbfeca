"""The demo's BMKG: recorded lists from ``../shared/data/bmkg`` played as if happening now.

``kendali serve --demo`` polls this instead of data.bmkg.go.id, in the same process and with
the same poller (conditional reads, parsing, association, impact, incidents): nothing leaves
the machine. A short while after the server starts (``KENDALI_DEMO_DELAY``), the Flores Sea
M7.4 of 14 December 2021 (tsunami potential) happens "now", its aftershocks follow at ten
times their real pace, and the felt list of 24 December 2025 shows a small felt quake a few
minutes earlier and its older entries as the past they are (:mod:`geo.replay`).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from flask import Flask

from geo import replay
from server.jobs.bmkg_http import Fetched
from server.platform import clock

FLORES = "gempaterkini/gempaterkini_2021-12-14.json"
FELT = "gempadirasakan/gempadirasakan_2025-12-24.json"
#: Aftershocks come in at this many times their real pace.
SPEED = 10.0


class DemoFeed:
    """A fetcher for :class:`server.jobs.feed.Poller` (same signature as ``fetch``)."""

    _instances: dict[int, DemoFeed] = {}

    def __init__(self, recorded_dir: str, delay_s: float) -> None:
        start = clock.now() + timedelta(seconds=delay_s)
        flores = self._records(Path(recorded_dir) / FLORES)
        felt = self._records(Path(recorded_dir) / FELT)
        mainshock = max(flores, key=lambda r: float(r["Magnitude"]))
        self.lists = {
            "gempaterkini": replay.retime(flores, mainshock, start, SPEED),
            # the newest felt quake a few minutes before the mainshock; the rest days before
            "gempadirasakan": replay.retime(felt, max(felt, key=lambda r: r["DateTime"]),
                                            start - timedelta(minutes=6)),
        }

    @classmethod
    def for_app(cls, app: Flask) -> DemoFeed:
        """One demo timeline per app (a new leader term keeps the same one)."""
        if id(app) not in cls._instances:
            cls._instances[id(app)] = cls(app.config["BMKG_RECORDED_DIR"],
                                          app.config["DEMO_DELAY_S"])
        return cls._instances[id(app)]

    @staticmethod
    def _records(path: Path) -> list[dict]:
        return json.loads(path.read_text(encoding="utf-8"))["Infogempa"]["gempa"]

    def fetch(self, http, url: str, etag, modified, timeout, max_bytes):
        """What the feed at ``url`` shows now: 200 with a body, or 304 before anything."""
        name = url.rsplit("/", 1)[-1].split(".")[0]
        now = clock.now()
        if name in self.lists:
            body = replay.tews_list(replay.released(self.lists[name], now))
        else:  # autogempa: the newest quake of all
            shown = [r for played in self.lists.values() for r in replay.released(played, now)]
            shown.sort(key=lambda r: r["DateTime"], reverse=True)
            body = replay.tews_latest(shown)
        return Fetched(304) if body is None else Fetched(200, body)
