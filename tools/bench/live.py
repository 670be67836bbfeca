"""Live-stream benchmarks: fan-out, region routing, reconnect catch-up, idle memory.

Two ``kendali serve`` processes share the bench database and a private Redis; load-client
worker processes hold the Socket.IO clients. Events are appended through the event log
(:func:`server.queries.events.append` + commit), exactly as every producer does, with the
sender's ``time.time()`` in the payload; clients on this machine subtract it on arrival.
"""

from __future__ import annotations

import math
import random
import signal
import time

from server.extensions import db
from server.queries import events as event_queries
from server.realtime import events
from tools.bench.procs import Procs
from tools.bench.procs import cpu_s
from tools.bench.procs import free_port
from tools.bench.procs import rss_kb
from tools.bench.procs import wait_http
from tools.bench.workers import Pool

PASSWORD = "bench-password-not-a-secret"
#: (class, role, region, clients out of 1,000, receives an event of regency 72.71)
CLASSES = [
    ("national", "operator", None, 400, True),
    ("province72", "regional", "72", 200, True),
    ("regency7271", "regional", "72.71", 150, True),
    ("province31", "regional", "31", 125, False),
    ("regency7205", "regional", "72.05", 125, False),
]
#: Every class above is in a room of one of these: a fan-out event reaches all 1,000.
FANOUT_REGIONS = ["72.71", "72.05", "31"]
REGION_EVENT = ["72.71"]
EVENT_TYPE = events.BENCH_PING


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class Stack:
    """Redis and ``n`` server processes on fixed ports (so that they can be restarted)."""

    def __init__(self, procs: Procs, database_url: str, n: int = 2) -> None:
        self.procs, self.database_url = procs, database_url
        self.redis = procs.redis()
        self.ports = [free_port() for _ in range(n)]
        self.servers: list = []
        self.profilers: list = []
        self.start()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def start(self) -> None:
        env = {"KENDALI_REDIS_URL": self.redis.url}
        self.servers = [self.procs.server(self.database_url, port, wait=False, **env)
                        for port in self.ports]
        for s in self.servers:
            wait_http(s, s.url + "/healthz", 90)
        self.profilers = [self.procs.profile(s) for s in self.servers]

    def stop(self) -> None:
        for s in self.servers:
            self.procs.stop(s)
        for p in filter(None, self.profilers):
            self.procs.stop(p, timeout=30, signum=signal.SIGINT)  # it writes its file then
        self.servers = []

    def rss_kb(self) -> int:
        return sum(rss_kb(s.pid) for s in self.servers)

    def cpu_s(self) -> float:
        """CPU seconds used so far by the server processes, summed."""
        return sum(cpu_s(s.pid) for s in self.servers)


def tokens() -> dict[str, str]:
    """A bearer token per client class (accounts created on first use)."""
    from server.queries import auth as auth_queries
    from server.services import accounts
    from server.services import logins

    with db.session() as session:
        out = {}
        for name, role, region, _, _ in CLASSES:
            username = f"bench-{name}"
            if auth_queries.user_by_name(session, username) is None:
                accounts.create_user(session, "cli:bench", username, role, region, PASSWORD)
            out[name] = logins.login(session, username, PASSWORD).token
        return out


class Sender:
    """Appends events through the event log, one transaction each."""

    def __init__(self) -> None:
        self.session = db.session()

    def one(self, regions: list[str]) -> int:
        row = event_queries.append(self.session, EVENT_TYPE, regions, {"bench_t": time.time()})
        self.session.commit()
        return row.seq

    def many(self, regions: list[str], n: int) -> list[int]:
        rows = event_queries.append_many(
            self.session, [(EVENT_TYPE, regions, {"bench_t": time.time(), "i": i}, None)
                           for i in range(n)])
        self.session.commit()
        return [r.seq for r in rows]

    def close(self) -> None:
        self.session.close()


def _connect(pool: Pool, cids, timeout: float, **kw) -> list[dict]:
    replies = pool.per_client("connect", cids, timeout * 2 + 30, timeout=timeout, **kw)
    failed = sum(r["n_failed"] for r in replies)
    if failed:
        examples = [f for r in replies for f in r["failed"]][:3]
        raise RuntimeError(f"{failed} of {len(cids)} clients failed to connect: {examples}")
    return replies


def memory(stack: Stack, pool: Pool, token: str, line, n: int = 2000) -> None:
    """Server RSS (both processes) before and after ``n`` idle connections, per connection."""
    cids = list(range(100_000, 100_000 + n))
    pool.add([(cid, stack.urls[(cid // len(pool.workers)) % 2], token) for cid in cids])
    warm = cids[:40]  # first connections load what every connection needs (lazy imports)
    _connect(pool, warm, 30)
    pool.per_client("disconnect", warm, 60)
    time.sleep(1.0)
    before = stack.rss_kb()
    t0 = time.perf_counter()
    _connect(pool, cids, 120, concurrency=12)
    elapsed = time.perf_counter() - t0
    time.sleep(2.0)
    after = stack.rss_kb()
    pool.per_client("disconnect", cids, 180)
    line("memory_per_idle_connection_kb", (after - before) / n, "KB")
    line("connect_idle_per_s", n / elapsed, "connections/s")


def _classes(n: int, seed: int = 5) -> list[tuple]:
    """``n`` client classes in the proportions of CLASSES, shuffled."""
    out = [c for c in CLASSES for _ in range(round(c[3] * n / 1000))]
    random.Random(seed).shuffle(out)
    return out[:n]


def _collect(pool: Pool, seqs: list[int], expect: list[int], timeout: float = 20) -> dict:
    replies = pool.each({"cmd": "collect", "seqs": seqs, "expect": expect, "timeout": timeout},
                        timeout + 30)
    return {
        "lat": [v for r in replies for v in r["lat"]],
        "n_missing": sum(r["n_missing"] for r in replies),
        "missing": [m for r in replies for m in r["missing"]][:5],
        "n_unexpected": sum(r["n_unexpected"] for r in replies),
        "unexpected": [u for r in replies for u in r["unexpected"]][:5],
    }


def fanout_and_reconnect(stack: Stack, pool: Pool, toks: dict[str, str], line, fail,
                         quick: bool, n: int = 1000, n_reconnect: int = 500,
                         inflight: int = 200) -> None:
    """Fan-out and region routing to ``n`` clients, then reconnect catch-up of some."""
    classes = _classes(n)
    cids = list(range(n))
    pool.add([(cid, stack.urls[(cid // len(pool.workers)) % 2], toks[classes[cid][0]])
              for cid in cids])
    _connect(pool, cids, 60, concurrency=12)
    sender = Sender()
    try:
        rounds, gap = (12, 0.25) if quick else (40, 0.25)
        seqs = []
        for i in range(3 + rounds):  # three warm-up events, not counted
            seqs.append(sender.one(FANOUT_REGIONS))
            time.sleep(gap)
            if i == 2:
                _collect(pool, seqs, cids)
                seqs = []
        got = _collect(pool, seqs, cids)
        if got["n_missing"]:
            fail(f"fanout: {got['n_missing']} deliveries missing, e.g. {got['missing']}")
        line("fanout_p50_ms", percentile(got["lat"], 50), "ms")
        line("fanout_p99_ms", percentile(got["lat"], 99), "ms")

        receivers = [cid for cid in cids if classes[cid][4]]
        seqs = []
        for _ in range(6 if quick else 20):
            seqs.append(sender.one(REGION_EVENT))
            time.sleep(gap)
        got = _collect(pool, seqs, receivers)
        if got["n_unexpected"]:
            wrong = [(cid, classes[cid][0], seq) for cid, seq in got["unexpected"]]
            fail(f"region_event: {got['n_unexpected']} deliveries to clients out of scope, "
                 f"e.g. (client, class, seq) {wrong}")
        if got["n_missing"]:
            fail(f"region_event: {got['n_missing']} deliveries missing, e.g. {got['missing']}")
        line("region_event_p99_ms", percentile(got["lat"], 99) if got["lat"] else 0, "ms")
        line("region_event_receivers", len(receivers), "clients")

        keep = cids[:n_reconnect]
        pool.per_client("disconnect", cids[n_reconnect:], 120)
        stack.stop()
        left = sum(r["still_up"] for r in pool.each({"cmd": "wait_down", "timeout": 30}, 60))
        if left:
            raise RuntimeError(f"{left} clients still connected after the servers stopped")
        missed = sender.many(FANOUT_REGIONS, 200)  # appended while the clients are away
        stack.start()
        ready = time.time()
        replies = _connect(pool, keep, 180, resume=True, expect=missed, concurrency=inflight)
        complete = sum(r["complete"] for r in replies)
        problems = sum(r["n_problems"] for r in replies)
        if problems or complete != len(keep):
            examples = [p for r in replies for p in r["problems"]][:3]
            fail(f"reconnect_catchup: {len(keep) - complete} of {len(keep)} clients incomplete "
                 f"(gaps, duplicates or disorder), e.g. {examples}")
        finished = max((r["finished"] for r in replies if r["finished"]), default=ready)
        line("reconnect_catchup_s", finished - ready, "s")
        pool.per_client("disconnect", keep, 120)
    finally:
        sender.close()


def run(stack: Stack, line, fail, quick: bool, workers: int = 4) -> None:
    """Every live benchmark on a running stack (its servers are restarted on the way)."""
    toks = tokens()
    pool = Pool(stack.procs, workers)
    try:
        memory(stack, pool, toks["national"], line)
        fanout_and_reconnect(stack, pool, toks, line, fail, quick)
    finally:
        pool.close()
