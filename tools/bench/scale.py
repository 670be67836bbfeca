"""National scale: 10,000 live connections over two server processes (``kendali bench scale``).

The audience is :mod:`tools.bench.mix` (national screens, an office per province and regency
room, field tablets in their responder rooms), held by :mod:`tools.bench.swarm` workers in
separate processes. Figures, all with the REST load of :mod:`tools.bench.restload` running:

- ``memory_per_idle_connection_kb``: both servers' RSS before and after every client connected
  (after a warm-up of 40), per connection.
- ``fanout10k_*``: a national event (every province and regency of the mix in its regions,
  every tablet's responder in its responders) reaches every client; percentiles over every
  delivery, from the sender's clock just before the commit to the kernel's receive timestamp
  at the client (``fanout10k_app_p99_ms``: to when the load process read it).
- ``region10k_*``: an event of one province (all its regencies, its tablets): only national
  screens, that province's offices and its tablets may get it; any other delivery fails.
- ``reconnect10k_s``: both servers stop, 200 events are appended (quakes in random provinces
  with their tablets, the first and the last national), the servers start; from the moment
  both answer, every client reconnects with ``since``; the time until the last has all its
  events and ``synced``. Every client is checked for missing, duplicate, out-of-order events.
"""

from __future__ import annotations

import random
import time

from server.extensions import db
from server.queries import events as event_queries
from server.realtime import events
from tools.bench.live import Stack
from tools.bench.live import percentile
from tools.bench.mix import Mix
from tools.bench.workers import Pool
from tools.bench.wsclient import BROWSER_OFFER

EVENT_TYPE = events.BENCH_PING
#: The clients' websocket offer: ``browser`` (permessage-deflate, as Chromium) or ``plain``.
WIRES = {"browser": BROWSER_OFFER, "plain": None}
REGION_PROVINCE = "72"  # Sulawesi Tengah (Palu 2018)


class Sender:
    """Appends events through the event log, one transaction each."""

    def __init__(self) -> None:
        self.session = db.session()

    def one(self, regions: list[str], responders: list[int]) -> int:
        row = event_queries.append(self.session, EVENT_TYPE, regions, {"bench_t": time.time()},
                                   responders)
        self.session.commit()
        return row.seq

    def many(self, specs: list[tuple[list[str], list[int]]]) -> list[int]:
        rows = event_queries.append_many(
            self.session, [(EVENT_TYPE, regions, {"bench_t": time.time(), "i": i}, responders)
                           for i, (regions, responders) in enumerate(specs)])
        self.session.commit()
        return [r.seq for r in rows]

    def close(self) -> None:
        self.session.close()


def national_spec(mix: Mix) -> tuple[list[str], list[int]]:
    regions = sorted({s.area for s in mix.seats if s.kind in ("province", "regency")})
    return regions, [s.responder for s in mix.seats if s.kind == "field"]


def province_spec(mix: Mix, province: str, regencies: list[str] | None = None):
    codes = [province, *(mix.regencies[province] if regencies is None else regencies)]
    return codes, mix.tablets_in(set(codes))


def receivers(mix: Mix, spec) -> list[int]:
    regions, responders = spec
    full = set(regions) | {r.split(".")[0] for r in regions}  # ancestors, as the log adds
    return mix.receivers(full, set(responders))


def connect(pool: Pool, cids, timeout: float, **kw) -> list[dict]:
    replies = pool.per_client("connect", cids, timeout * 2 + 60, timeout=timeout, **kw)
    failed = sum(r["n_failed"] for r in replies)
    if failed:
        examples = [f for r in replies for f in r["failed"]][:3]
        raise RuntimeError(f"{failed} of {len(cids)} clients failed to connect: {examples}")
    return replies


def collect(pool: Pool, seqs: list[int], expect: list[int], timeout: float = 30) -> dict:
    replies = pool.each({"cmd": "collect", "seqs": seqs, "expect": expect, "timeout": timeout},
                        timeout + 60)
    return {k: [v for r in replies for v in r[k]] if isinstance(replies[0][k], list)
            else sum(r[k] for r in replies) for k in replies[0]}


def idle_memory(stack: Stack, pool: Pool, cids: list[int], line, inflight: int) -> None:
    warm = cids[:40]  # the first connections load what every connection needs
    connect(pool, warm, 60)
    pool.per_client("disconnect", warm, 60)
    time.sleep(1.0)
    before, cpu = stack.rss_kb(), stack.cpu_s()
    t0 = time.perf_counter()
    connect(pool, cids, 300, concurrency=inflight)
    elapsed = time.perf_counter() - t0
    cpu = stack.cpu_s() - cpu
    time.sleep(3.0)
    after = stack.rss_kb()
    line("memory_per_idle_connection_kb", (after - before) / len(cids), "KB")
    line("connect_per_s", len(cids) / elapsed, "connections/s")
    line("server_cpu_per_connect_ms", cpu * 1000 / len(cids), "ms")


def cpu_rate(stack: Stack, seconds: float = 5.0) -> float:
    """The servers' CPU seconds per second with nothing but idle clients and the REST load:
    subtracted from a fan-out's CPU to get its cost per delivery."""
    cpu, t0 = stack.cpu_s(), time.perf_counter()
    time.sleep(seconds)
    return (stack.cpu_s() - cpu) / (time.perf_counter() - t0)


def fanout(stack: Stack, pool: Pool, sender: Sender, spec, expect: list[int], rounds: int,
           gap: float, name: str, line, fail, warm: int = 3, baseline: float = 0.0) -> None:
    seqs = []
    for i in range(warm + rounds):
        seqs.append(sender.one(*spec))
        time.sleep(gap)
        if i == warm - 1:
            collect(pool, seqs, expect)
            seqs = []
            cpu, t0 = stack.cpu_s(), time.perf_counter()
    cpu, spent = stack.cpu_s() - cpu, time.perf_counter() - t0
    got = collect(pool, seqs, expect)
    if got["n_unexpected"]:
        fail(f"{name}: {got['n_unexpected']} deliveries to clients out of scope, e.g. "
             f"(client, seq) {got['unexpected'][:5]}")
    if got["n_missing"]:
        fail(f"{name}: {got['n_missing']} deliveries missing, e.g. {got['missing'][:5]}")
    if got["lat"]:
        line(f"{name}_p50_ms", percentile(got["lat"], 50), "ms")
        line(f"{name}_p99_ms", percentile(got["lat"], 99), "ms")
        line(f"{name}_app_p99_ms", percentile(got["app_lat"], 99), "ms")
        if baseline:
            # The idle rate again, after: the two differ by the noise of the REST load and the
            # pings, which bounds what the per-delivery figure can resolve.
            after = cpu_rate(stack)
            n = len(got["lat"])
            line(f"{name}_server_cpu_per_delivery_us",
                 (cpu - (baseline + after) / 2 * spent) * 1e6 / n, "us")
            line(f"{name}_server_cpu_noise_us", abs(after - baseline) * spent * 1e6 / n,
                 "us (idle rate before vs after, per delivery)")
    line(f"{name}_receivers", len(expect), "clients")


def storm_specs(mix: Mix, n: int = 200, seed: int = 8) -> list[tuple[list[str], list[int]]]:
    """Quakes in random provinces (two or three regencies each, with their tablets); the
    first and the last event reach everyone."""
    rng = random.Random(seed)
    specs = [national_spec(mix)]
    for _ in range(n - 2):
        province = rng.choice([p for p in mix.provinces if mix.regencies[p]])
        regs = rng.sample(mix.regencies[province], min(3, len(mix.regencies[province])))
        specs.append(province_spec(mix, province, regs))
    specs.append(national_spec(mix))
    return specs


def storm(stack: Stack, pool: Pool, sender: Sender, mix: Mix, cids: list[int], line, fail,
          inflight: int, tag: str = "10k") -> None:
    stack.stop()
    left = sum(r["still_up"] for r in pool.each({"cmd": "wait_down", "timeout": 60}, 90))
    if left:
        raise RuntimeError(f"{left} clients still connected after the servers stopped")
    specs = storm_specs(mix)
    seqs = sender.many(specs)
    by_cid: dict[str, list[int]] = {str(c): [] for c in cids}
    for seq, spec in zip(seqs, specs, strict=True):
        for cid in receivers(mix, spec):
            by_cid[str(cid)].append(seq)
    stack.start()
    ready, cpu = time.time(), stack.cpu_s()
    parts = pool.split(cids)
    cmds = [{"cmd": "connect", "cids": part, "resume": True, "concurrency": inflight,
             "timeout": 120, "expect": {"by_cid": {str(c): by_cid[str(c)] for c in part}}}
            if part else None for part in parts]
    replies = [r for r in pool.call(cmds, 400) if r]
    failed = sum(r["n_failed"] for r in replies)
    complete = sum(r["complete"] for r in replies)
    problems = sum(r["n_problems"] for r in replies)
    if failed or problems or complete != len(cids):
        examples = [p for r in replies for p in r["problems"] + r["failed"]][:3]
        fail(f"reconnect{tag}: {len(cids) - complete} of {len(cids)} clients incomplete "
             f"({failed} failed to connect; gaps, duplicates or disorder), e.g. {examples}")
    finished = max((r["finished"] for r in replies if r["finished"]), default=ready)
    line(f"reconnect{tag}_s", finished - ready, "s")
    line("server_cpu_per_reconnect_ms", (stack.cpu_s() - cpu) * 1000 / len(cids), "ms")
    line(f"reconnect{tag}_events", sum(len(v) for v in by_cid.values()) / len(cids),
         "events per client")


def run(stack: Stack, line, fail, quick: bool, n: int = 10_000, workers: int = 4,
        inflight: int = 500, wire: str = "browser") -> None:
    """Every national-scale figure on a running stack (its servers are restarted on the way).

    ``wire``: ``browser`` (the clients offer ``permessage-deflate`` as Chromium does: the
    tablets, offices and walls are browsers) or ``plain`` (no extension)."""
    from tools.bench import mix as mixes
    from tools.bench.complaints import _cleanup
    from tools.bench.complaints import channel_key
    from tools.bench.restload import RestLoad

    tag = f"{n // 1000}k" if n >= 1000 else str(n)
    with db.session() as session:
        m = mixes.build(session, n)
        mixes.issue_tokens(session, m)
    pool = Pool(stack.procs, workers, module="tools.bench.swarm")
    cids = list(range(n))
    pool.add([(cid, stack.urls[(cid // workers) % len(stack.urls)], m.seats[cid].token)
              for cid in cids], offer=WIRES[wire])
    sender = Sender()
    try:
        idle_memory(stack, pool, cids, line, inflight=64)
        national = next(s.token for s in m.seats if s.kind == "national")
        with channel_key() as key:
            rest = RestLoad(stack.urls, national, key).start()
            try:
                rounds, gap = (6, 1.0) if quick else (20, 1.0)
                baseline = cpu_rate(stack)
                line("server_cpu_idle_rest_pct", baseline * 100, "% of a core")
                spec = national_spec(m)
                fanout(stack, pool, sender, spec, receivers(m, spec), rounds, gap, f"fanout{tag}",
                       line, fail, baseline=baseline)
                spec = province_spec(m, REGION_PROVINCE if REGION_PROVINCE in m.regencies
                                     else m.provinces[0])
                fanout(stack, pool, sender, spec, receivers(m, spec), rounds, 0.5, f"region{tag}",
                       line, fail)
            finally:
                rest.stop()
        _rest_figures(rest, tag, line, fail)
        storm(stack, pool, sender, m, cids, line, fail, inflight, tag)
        pool.per_client("disconnect", cids, 180)
    finally:
        sender.close()
        pool.close()
        _cleanup()


def _rest_figures(rest, tag: str, line, fail) -> None:
    if rest.server_errors or rest.problems:
        fail(f"rest under {tag} live load: {rest.server_errors} 5xx; {rest.problems[:3]}")
    if rest.latencies:
        line(f"rest{tag}_p99_ms", percentile(rest.latencies, 99), "ms")
    line(f"rest{tag}_requests", len(rest.latencies), "requests")
    line(f"rest{tag}_intake_repeats", rest.intake, "complaints sent twice")
