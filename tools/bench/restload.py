"""REST traffic beside the 10,000 live connections: reads in scope and idempotent intake.

A thread sends, on a steady schedule, the requests an office and the complaint channels make
(event list, quake list, the national map viewport, a complaint submitted and then submitted
again with the same ``external_id``). Any 5xx, or a repeat that is not answered 200 with the
first one's id, is a failure; the latency of every request is kept.
"""

from __future__ import annotations

import threading
import time

import requests

from tools.bench.complaints import Inputs

READS = (
    "/api/v1/events?limit=50",
    "/api/v1/quakes?limit=20",
    "/api/v1/map/complaints?bbox=94,-11.5,141.5,6.5&zoom=5",
    "/api/v1/incidents",
)


class RestLoad:
    """Requests every ``period`` seconds against ``urls`` in turn until :meth:`stop`."""

    def __init__(self, urls: list[str], token: str, key_headers: dict,
                 period: float = 0.1) -> None:
        self.urls, self.period = urls, period
        self.read_headers = {"Authorization": f"Bearer {token}"}
        self.key_headers = key_headers
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.problems: list[str] = []
        self.intake = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rest-load", daemon=True)
        self._inputs = Inputs(31)

    def start(self) -> RestLoad:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        http = requests.Session()
        i = 0
        next_at = time.monotonic()
        while not self._stop.is_set():
            base = self.urls[i % len(self.urls)]
            try:
                if i % 5 == 4:
                    self._intake(http, base)
                else:
                    self._get(http, base + READS[i % len(READS)])
            except requests.RequestException as exc:
                self.problems.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            i += 1
            next_at += self.period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def _timed(self, call) -> requests.Response:
        t0 = time.perf_counter()
        res = call()
        self.latencies.append((time.perf_counter() - t0) * 1000)
        self.statuses[res.status_code] = self.statuses.get(res.status_code, 0) + 1
        if res.status_code >= 500:
            self.problems.append(f"{res.request.method} {res.request.path_url} -> "
                                 f"{res.status_code}")
        return res

    def _get(self, http, url: str) -> None:
        self._timed(lambda: http.get(url, headers=self.read_headers, timeout=30))

    def _intake(self, http, base: str) -> None:
        body = self._inputs.one()
        url = base + "/api/v1/complaints"
        first = self._timed(lambda: http.post(url, json=body, headers=self.key_headers,
                                              timeout=30))
        again = self._timed(lambda: http.post(url, json=body, headers=self.key_headers,
                                              timeout=30))
        self.intake += 1
        if first.status_code != 201 or again.status_code != 200 or \
                first.json().get("id") != again.json().get("id"):
            self.problems.append(f"intake not idempotent: {first.status_code} then "
                                 f"{again.status_code}: {again.text[:120]}")

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)
