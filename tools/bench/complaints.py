"""Complaint benchmarks, each printing ``BENCH <name> <value> <unit>``.

- :func:`intake_batch`: batches of 5,000 (points and addresses, reporters, duplicate
  checks) posted to a real server over loopback; complaints stored per second.
- :func:`intake_shared_identity`: a batch of 5,000 all carrying one reporter phone (a call
  centre, a village head reporting for many), and :func:`intake_identical_text`: a batch of
  5,000 identical texts from one village (a template mass complaint). Duplicate detection must
  do bounded work per complaint in both (issue 15: 167/s and 9-19/s before).
- :func:`intake_single`: single POSTs at a steady 100 requests/s (open loop: each request
  is sent at its scheduled time whatever the previous ones did), p99 latency.
- :func:`summary`: ``GET /api/v1/complaints/summary?level=province`` with at least
  ``count`` complaints (topped up with ``kendali demo complaints`` data when fewer).

Each takes ``url`` (a running server) or starts ``kendali serve --no-prepare`` on the
configured database for the run. Benchmark complaints are deleted afterwards; their
events stay (the log is append-only), so run them on a database of their own
(``./scripts/bench`` uses ``kendali_bench``).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import click
import requests
from flask import current_app

from server.extensions import db
from server.models import ApiKeyRow
from server.queries.complaints import demo as demo_q
from server.queries.complaints import summary as summary_q
from server.services import accounts
from server.services.complaints.demo import TEXTS

PREFIX = "bench-"


def echo_line(name: str, value: float, unit: str) -> None:
    """Print one figure (``bench.py``'s ``_line`` can be passed instead, to get the table)."""
    click.echo(f"BENCH {name} {value:.3f} {unit}")


# -- a server to talk to --------------------------------------------------------------------
@contextlib.contextmanager
def server(url: str | None = None):
    """Yield a base URL: ``url`` as given, or a ``kendali serve`` started for the run."""
    if url:
        yield url.rstrip("/")
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, KENDALI_FEED_POLLING="0", KENDALI_LOG_LEVEL="WARNING")
    if current_app.config.get("DATABASE_URL"):
        env["DATABASE_URL"] = current_app.config["DATABASE_URL"]
    log = tempfile.NamedTemporaryFile(prefix="kendali-bench-", suffix=".log", delete=False)  # noqa: SIM115
    kendali = str(Path(sys.executable).parent / "kendali")
    proc = subprocess.Popen(
        [kendali, "serve", "--no-prepare", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, proc)
        yield base
    except Exception:
        click.echo(Path(log.name).read_text(errors="replace")[-3000:], err=True)
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        os.unlink(log.name)


def _wait_up(base: str, proc) -> None:
    deadline = time.time() + 90
    while time.time() < deadline:
        if proc.poll() is not None:
            raise click.ClickException("the benchmark server exited")
        try:
            requests.get(base + "/healthz", timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.3)
    raise click.ClickException("the benchmark server did not start")


@contextlib.contextmanager
def channel_key(channel: str = "sp4n_lapor"):
    """A channel key for the run (revoked afterwards)."""
    session = db.session()
    try:
        row, key = accounts.create_key(session, "cli:bench", channel, "benchmark")
        yield {"Authorization": f"Bearer {key}"}
    finally:
        row = session.get(ApiKeyRow, row.id)
        accounts.revoke_key(session, "cli:bench", row)
        session.close()


def _cleanup() -> int:
    """Delete the benchmark's complaints, then vacuum so the next figure starts quiet."""
    with db.session() as session:
        deleted = demo_q.delete_by_prefix(session, PREFIX)
        session.commit()
    if deleted:
        demo_q.settle(db.engine)
    return deleted


# -- inputs ---------------------------------------------------------------------------------
class Inputs:
    """Realistic complaints: 70 % with a point, 30 % with an address only; half carry a
    reporter (NIK and phone from a small pool, so some repeat: duplicate checks find work)."""

    def __init__(self, seed: int) -> None:
        """Draw places in proportion to population."""
        with db.session() as session:
            self.pool = demo_q.place_pool(session)
        self.weights = [float(p[2]) for p in self.pool]
        self.rng = random.Random(seed)
        self.categories = current_app.config["COMPLAINT_CATEGORIES"]
        self.run = uuid.uuid4().hex[:8]
        self.n = 0

    def batch(self, size: int) -> list[dict]:
        """``size`` new complaints."""
        places = self.rng.choices(self.pool, weights=self.weights, k=size)
        return [self.one(place) for place in places]

    def one(self, place=None) -> dict:
        """One new complaint."""
        rng = self.rng
        lat, lon, _, district, regency, province = (
            place or rng.choices(self.pool, weights=self.weights)[0]
        )
        self.n += 1
        category = rng.choice(self.categories)
        text = rng.choice(TEXTS.get(category, TEXTS["other"]))
        body = {
            "external_id": f"{PREFIX}{self.run}-{self.n}",
            "received_at": (
                datetime.now(UTC) - timedelta(minutes=rng.randint(1, 14400))
            ).isoformat(),
            "category": category,
            "description": text.format(
                rt=f"{rng.randint(1, 20):02d}", kec=district, tahap=rng.randint(1, 4)
            )
            + f" (laporan {self.n})",
        }
        if rng.random() < 0.7:
            body["location"] = {"lat": lat, "lon": lon}
        else:
            body["location"] = {
                "province": province,
                "regency": regency,
                "district": district,
                "village": f"Desa {rng.randint(1, 40)}",
            }
        if rng.random() < 0.5:
            who = rng.randint(1, 20000)
            body["reporter"] = {
                "name": f"Warga {who}",
                "nik": f"{3200000000000000 + who}",
                "phone": f"0812{who:08d}",
            }
        return body


# -- benchmarks -----------------------------------------------------------------------------
def intake_batch(
    count: int = 20000, batch: int = 5000, url: str | None = None, seed: int = 11, line=echo_line
) -> float:
    """Complaints stored per second through ``POST /api/v1/complaints/batch``."""
    inputs = Inputs(seed)
    batches = [inputs.batch(batch) for _ in range(max(1, count // batch))]
    bodies = [json.dumps(b).encode() for b in batches]
    warm = json.dumps(inputs.batch(50)).encode()
    try:
        with server(url) as base, channel_key() as key:
            headers = {**key, "Content-Type": "application/json"}
            _post(base, warm, headers)
            t0 = time.perf_counter()
            stored = sum(_post(base, body, headers) for body in bodies)
            elapsed = time.perf_counter() - t0
    finally:
        _cleanup()
    rate = stored / elapsed
    line("intake_batch_per_s", rate, "per_s")
    return rate


def _batch_rate(name: str, batch: list[dict], inputs: Inputs, url: str | None, line) -> float:
    """Post ``batch`` once (after a warm-up of 50 ordinary ones); complaints stored per second."""
    body, warm = json.dumps(batch).encode(), json.dumps(inputs.batch(50)).encode()
    try:
        with server(url) as base, channel_key() as key:
            headers = {**key, "Content-Type": "application/json"}
            _post(base, warm, headers)
            t0 = time.perf_counter()
            stored = _post(base, body, headers)
            elapsed = time.perf_counter() - t0
    finally:
        _cleanup()
    rate = stored / elapsed
    line(name, rate, "per_s")
    return rate


def intake_shared_identity(size: int = 5000, url: str | None = None, seed: int = 13,
                           line=echo_line) -> float:
    """Complaints stored per second in a batch whose every item has the same reporter phone
    (varied places, texts and categories, as a call centre's): each is a possible duplicate
    of the one before it in its category."""
    inputs = Inputs(seed)
    phone = f"0813{inputs.rng.randint(0, 10**8 - 1):08d}"
    batch = inputs.batch(size)
    for body in batch:
        body["reporter"] = {"name": "Kepala Desa", "phone": phone}
    return _batch_rate("intake_shared_identity_per_s", batch, inputs, url, line)


def intake_identical_text(size: int = 5000, url: str | None = None, seed: int = 14,
                          line=echo_line) -> float:
    """Complaints stored per second in a batch of one identical text from one village (a
    template mass complaint): half placed by the village's address, half by phone GPS within
    about 200 m of one point of it, received over the last ten hours."""
    inputs = Inputs(seed)
    lat, lon, _, district, regency, province = max(inputs.pool, key=lambda p: p[2])
    text = ("Bantuan sembako bulan ini belum dibagikan di desa kami, padahal nama kami "
            "terdaftar di DTKS. Mohon segera ditindaklanjuti.")
    now, rng, batch = datetime.now(UTC), inputs.rng, []
    for _ in range(size):
        inputs.n += 1
        where = {"province": province, "regency": regency, "district": district,
                 "village": "Desa Sukamaju"} if inputs.n % 2 else {
            "lat": lat + rng.uniform(-0.0018, 0.0018), "lon": lon + rng.uniform(-0.0018, 0.0018)}
        batch.append({
            "external_id": f"{PREFIX}{inputs.run}-{inputs.n}",
            "received_at": (now - timedelta(seconds=rng.randint(60, 36000))).isoformat(),
            "category": "BPNT/Sembako", "description": text, "location": where})
    return _batch_rate("intake_identical_text_per_s", batch, inputs, url, line)


def _post(base: str, body: bytes, headers: dict) -> int:
    res = requests.post(f"{base}/api/v1/complaints/batch", data=body, headers=headers, timeout=600)
    if res.status_code != 200:
        raise click.ClickException(f"batch answered {res.status_code}: {res.text[:200]}")
    return sum(1 for r in res.json()["results"] if r["code"] in (200, 201))


class _Poster:
    """Keep-alive POSTs of pre-encoded bodies, one connection per thread: a light client,
    so that the load generator on the same machine stays on schedule."""

    def __init__(self, base: str, headers: dict) -> None:
        """Target ``base``/api/v1/complaints with ``headers`` (the channel key)."""
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {**headers, "Content-Type": "application/json"}
        self.local = threading.local()

    def post(self, body: bytes) -> int:
        """Send one complaint; return the status."""
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        conn.request("POST", "/api/v1/complaints", body=body, headers=self.headers)
        res = conn.getresponse()
        res.read()
        return res.status

    def at(self, body: bytes, when: float) -> float:
        """Send ``body`` at ``when`` (perf_counter); ms from then to the answer."""
        delay = when - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        status = self.post(body)
        if status != 201:
            raise click.ClickException(f"intake answered {status}")
        return (time.perf_counter() - when) * 1000  # from the scheduled time: open loop


def intake_single(
    rate: float = 100.0,
    seconds: float = 20.0,
    url: str | None = None,
    seed: int = 12,
    line=echo_line,
) -> float:
    """p99 latency (ms) of single POSTs sent at a steady ``rate`` per second.

    The first 5 seconds at that rate only warm up (the server's connection pool and each
    new database backend's caches fill on first use); the next ``seconds`` are measured.
    """
    inputs = Inputs(seed)
    warm = int(rate * 5)
    bodies = [json.dumps(inputs.one()).encode() for _ in range(warm + int(rate * seconds))]
    try:
        with server(url) as base, channel_key() as key, ThreadPoolExecutor(32) as pool:
            poster = _Poster(base, key)
            start = time.perf_counter() + 0.5
            futures = [pool.submit(poster.at, b, start + i / rate) for i, b in enumerate(bodies)]
            timings = sorted(f.result() for f in futures[warm:])
    finally:
        _cleanup()
    p99 = timings[max(0, int(len(timings) * 0.99) - 1)]
    line("intake_single_p99_ms", p99, "ms")
    line("intake_single_p50_ms", statistics.median(timings), "ms")
    return p99


def summary(
    count: int = 1_000_000, rounds: int = 50, url: str | None = None, line=echo_line
) -> float:
    """Median ms of the province summary with at least ``count`` complaints stored.

    Each request on a new connection, as ``curl`` does, and again on one kept-alive
    connection (``summary_province_keepalive_ms``). Before timing, the counters' pending
    deltas are folded, as the scheduler's ``complaints.counts`` job does every 30 s in a
    running deployment (the bench's servers run without the scheduler, so earlier intake
    runs would otherwise leave hundreds of thousands of delta rows to sum).
    """
    from server.commands.demo_complaints import generate

    with db.session() as session:
        have = demo_q.count_complaints(session)
    if have < count:
        click.echo(f"summary bench: adding {count - have} demo complaints", err=True)
        generate(count - have, 424242 + have)
    with db.session() as session:
        summary_q.compact(session)
        session.commit()
    with server(url) as base, _operator_token(base) as headers:
        target = f"{base}/api/v1/complaints/summary?level=province"
        fresh = _timed_gets(lambda: requests, target, headers, rounds)
        with requests.Session() as http:
            reused = _timed_gets(lambda: http, target, headers, rounds)
        total = requests.get(target, headers=headers, timeout=30).json()["total"]["total"]
    value = statistics.median(fresh)
    line("summary_province_ms", value, "ms")
    line("summary_province_keepalive_ms", statistics.median(reused), "ms")
    line("summary_complaints", total, "complaints")
    return value


def _timed_gets(client, target: str, headers: dict, rounds: int) -> list[float]:
    """``rounds`` timed GETs after 5 untimed ones (``client()`` gives requests or a session)."""
    timings = []
    for i in range(rounds + 5):
        t0 = time.perf_counter()
        res = client().get(target, headers=headers, timeout=30)
        if res.status_code != 200:
            raise click.ClickException(f"summary answered {res.status_code}")
        if i >= 5:
            timings.append((time.perf_counter() - t0) * 1000)
    return timings


@contextlib.contextmanager
def _operator_token(base: str):
    """A throw-away operator account's bearer token (disabled afterwards)."""
    session = db.session()
    name = f"bench-{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    user, _ = accounts.create_user(session, "cli:bench", name, "operator", None, password)
    try:
        res = requests.post(
            f"{base}/api/v1/auth/token", json={"username": name, "password": password}, timeout=10
        )
        yield {"Authorization": f"Bearer {res.json()['token']}"}
    finally:
        accounts.set_disabled(session, "cli:bench", user, True)
        session.close()


def run_all(quick: bool = False, line=echo_line) -> None:
    """All three, as ``kendali bench all`` calls them (``--quick``: smaller runs)."""
    intake_batch(count=5000 if quick else 20000, line=line)
    intake_shared_identity(line=line)
    intake_identical_text(line=line)
    intake_single(seconds=5 if quick else 20, line=line)
    summary(count=100_000 if quick else 1_000_000, rounds=20 if quick else 50, line=line)
