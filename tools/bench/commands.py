"""``kendali bench``: benchmarks that print ``BENCH <name> <value> <unit>`` lines."""

from __future__ import annotations

import random
import statistics
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import text

from server.extensions import db
from server.queries import areas as q

#: What the ``bench`` extra installs (the load clients' aiohttp; tipg and uvicorn, the viewport's
#: reference server).
EXTRA_MODULES = ("aiohttp", "tipg", "uvicorn")


class BenchGroup(AppGroup):
    """The ``bench`` group: says how to install its extra instead of failing on an import."""

    def invoke(self, ctx):
        import importlib.util

        missing = [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]
        if missing and ctx.invoked_subcommand:
            raise click.ClickException(
                f"the benchmarks need the bench extra ({', '.join(missing)} missing): "
                "pip install -e '.[bench]' (./scripts/bench installs it)"
            )
        return super().invoke(ctx)


bench = BenchGroup("bench", help="Benchmarks against the configured database.")


_RESULTS: list[tuple[str, float, str]] = []


def _line(name: str, value: float, unit: str) -> None:
    _RESULTS.append((name, value, unit))
    click.echo(f"BENCH {name} {value:.3f} {unit}")


_FAILURES: list[str] = []


def _fail(message: str) -> None:
    """A wrong result (not a slow one): printed at once; the run then exits non-zero."""
    _FAILURES.append(message)
    click.echo(f"BENCH-FAIL {message}")


def _exit_if_failed() -> None:
    if _FAILURES:
        click.echo(f"bench: {len(_FAILURES)} failure(s)", err=True)
        raise SystemExit(1)


_PROFILE = click.option("--profile", "profile", default=None, metavar="DIR",
                        help="Sample the server processes with py-spy into DIR.")


@bench.command("all")
@click.option("--quick", is_flag=True, help="Fewer rounds, for CI.")
@_PROFILE
@click.pass_context
def run_all(ctx, quick: bool, profile: str | None) -> None:
    """Prepare the database, run every benchmark, then print a table of the figures."""
    _prepare()
    ctx.invoke(lookup, count=1000 if quick else 10000)
    ctx.invoke(knn, count=1000 if quick else 10000)
    ctx.invoke(quake, rounds=5 if quick else 20)
    ctx.invoke(quake, rounds=5 if quick else 20, felt=30)
    ctx.invoke(catalog)
    _ensure_roster(40000)  # the tablets of the national-scale figures are responders
    _served(quick, ("live", "viewport", "intake", "feed", "scale"), profile=profile)
    click.echo("")
    click.echo(f"{'figure':<32} {'value':>12}  unit")
    for name, value, unit in _RESULTS:
        click.echo(f"{name:<32} {value:>12.3f}  {unit}")
    for message in _FAILURES:
        click.echo(f"FAILED: {message}")
    _exit_if_failed()


@bench.command("lookup")
@click.option("--count", default=10000, show_default=True)
@click.option("--seed", default=7, show_default=True)
def lookup(count: int, seed: int) -> None:
    """Time point -> area lookups, one query each, at points spread over the districts."""
    session = db.session()
    margin = current_app.config["LOOKUP_COAST_MARGIN_KM"]
    # Sample points inside districts (weighted by nothing: every district equally likely).
    pts = session.execute(
        text(
            "SELECT ST_Y(p), ST_X(p) FROM (SELECT ST_PointOnSurface(geom) p FROM areas "
            "WHERE level = 'district') s"
        )
    ).all()
    if not pts:
        raise click.ClickException("no districts loaded: run `kendali areas load-shared` first")
    rng = random.Random(seed)
    sample = [
        (lat + rng.uniform(-0.01, 0.01), lon + rng.uniform(-0.01, 0.01))
        for lat, lon in (rng.choice(pts) for _ in range(count))
    ]
    for lat, lon in sample[:200]:  # warm the cache
        q.lookup(session, lat, lon, margin)
    timings = []
    for lat, lon in sample:
        t0 = time.perf_counter()
        q.lookup(session, lat, lon, margin)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    t0 = time.perf_counter()
    q.lookup_many(session, sample, margin)
    bulk = (time.perf_counter() - t0) * 1000 / len(sample)
    session.close()
    _line("lookup_p50_ms", statistics.median(timings), "ms")
    _line("lookup_p99_ms", timings[int(len(timings) * 0.99) - 1], "ms")
    _line("lookup_bulk_per_point_ms", bulk, "ms")


def _autogempa(origin, lat: float, lon: float, mag: float, depth: float, felt: str = "-"
               ) -> bytes:
    """An autogempa.json payload in BMKG's own shape (see the shared samples)."""
    from datetime import timedelta

    local = origin + timedelta(hours=7)
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    gempa = {
        "Tanggal": f"{local.day:02d} {months[local.month - 1]} {local.year}",
        "Jam": local.strftime("%H:%M:%S WIB"),
        "DateTime": origin.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "Coordinates": f"{lat:.2f},{lon:.2f}",
        "Lintang": f"{abs(lat):.2f} {'LS' if lat < 0 else 'LU'}",
        "Bujur": f"{lon:.2f} BT",
        "Magnitude": f"{mag:.1f}",
        "Kedalaman": f"{depth:.0f} km",
        "Wilayah": "Pusat gempa berada di laut (benchmark)",
        "Potensi": "Tidak berpotensi tsunami",
        "Dirasakan": felt,
        "Shakemap": local.strftime("%Y%m%d%H%M%S.mmi.jpg"),
    }
    import json

    return json.dumps({"Infogempa": {"gempa": gempa}}).encode()


def _epicentre(i: int, fresh: bool) -> tuple[float, float]:
    """Off the south coast of Java. Fresh quakes lie 110 km or more apart (an M7.0's
    aftershock window is 71 km): each opens its own incident instead of joining another."""
    if fresh:
        return (-8.6 if i % 20 < 10 else -10.0), 105.0 + (i % 10)
    return -7.9, 108.0 + 0.1 * i


@bench.command("quake")
@click.option("--rounds", default=20, show_default=True)
@click.option("--magnitude", default=7.0, show_default=True)
@click.option("--felt", default=0, show_default=True,
              help="Then revise each quake with a felt list of this many places: the "
              "conditioned pipeline (quake_felt<N>_revision_ms).")
@click.option("--fresh", is_flag=True,
              help="Quakes of the last hour (by the server clock): incidents open, revisions "
              "extend them, people are notified. Default: 2021, stored as backfill.")
def quake(rounds: int, magnitude: float, felt: int, fresh: bool) -> None:
    """Feed change -> quake.created committed (contours, districts, exposure), over HTTP."""
    import http.server
    import threading
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    from server.jobs import feed
    from server.platform import clock
    from server.queries import quakes as quake_queries
    from tools.bench.felt import felt_text

    body = {"data": b""}

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body["data"])))
            self.end_headers()
            self.wfile.write(body["data"])

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    app = current_app._get_current_object()
    app.config["BMKG_URL"] = f"http://127.0.0.1:{httpd.server_port}/"
    poller = feed.Poller(app, db.session)
    # Incidents left by runs before quakes' deletion took them along hold responders.
    session = db.session()
    quake_queries.delete_orphan_incidents(session, "%(benchmark)")
    session.commit()
    # 2 minutes apart: each poll is a new quake.
    base = (clock.now() - timedelta(minutes=50) if fresh
            else datetime(2031, 1, 1, tzinfo=UTC) - timedelta(days=3650))
    timings, to_created, to_dispatched, revisions = [], [], [], []
    for i in range(rounds):
        origin, (lat, lon) = base + timedelta(minutes=2 * i), _epicentre(i, fresh)
        body["data"] = _autogempa(origin, lat, lon, magnitude, 10)
        t0 = time.perf_counter()
        poller.poll("autogempa", 10.0)
        timings.append((time.perf_counter() - t0) * 1000)
        result = poller.last_result
        to_created.append((result.committed_at - t0) * 1000)
        to_dispatched.append((result.dispatched_at - result.committed_at) * 1000)
        if felt:
            listed = felt_text(session, lat, lon, magnitude, 10, felt)
            session.rollback()  # no transaction left open beside the poller's
            body["data"] = _autogempa(origin, lat, lon, magnitude, 10, listed)
            t0 = time.perf_counter()
            poller.poll("autogempa", 10.0)
            revisions.append((time.perf_counter() - t0) * 1000)
    httpd.shutdown()
    session.close()
    _quake_results(timings, to_created, to_dispatched, revisions, felt, fresh)


def _quake_results(timings, to_created, to_dispatched, revisions, felt, fresh) -> None:
    """Print the figures of :func:`quake`, then delete its quakes (and their incidents)."""
    from server.queries import quakes as quake_queries

    session = db.session()
    created = session.execute(text(
        "SELECT id, (SELECT count(*) FROM quake_areas a WHERE a.quake_id = q.id AND "
        "a.level = 'district'), (SELECT count(*) FROM incident_areas ia JOIN incidents i "
        "ON i.id = ia.incident_id WHERE i.quake_id = q.id), (SELECT count(*) FROM dispatches d "
        "JOIN incidents i ON i.id = d.incident_id WHERE i.quake_id = q.id), q.observations "
        "FROM quakes q WHERE region_text LIKE '%(benchmark)'")).all()
    med = [statistics.median(r[k] for r in created) if created else 0 for k in (1, 2, 3, 4)]
    quake_queries.delete_quakes(session, [r[0] for r in created])
    session.commit()
    session.close()
    # The default run keeps its historical names; variants say what they are.
    prefix = "quake" + ("_fresh" if fresh else "") + (f"_felt{felt}" if felt else "")
    dispatch = "dispatch_m7" if prefix == "quake" else f"{prefix}_dispatch"
    _line(f"{prefix}_created_ms", statistics.median(to_created), "ms")
    _line(f"{prefix}_pipeline_districts", med[0], "districts")
    _line(f"{dispatch}_ms", statistics.median(to_dispatched), "ms")
    _line(f"{dispatch}_areas", med[1], "regencies")
    _line(f"{dispatch}_notified", med[2], "responders")
    _line(f"{prefix}_pipeline_ms", statistics.median(timings), "ms")
    if felt:
        _line(f"{prefix}_observations", med[3], "places")
        _line(f"{prefix}_revision_ms", statistics.median(revisions), "ms")


@bench.command("catalog")
@click.option("--path", default=None, help="Catalog CSV (default: the shared BMKG catalog).")
def catalog(path: str | None) -> None:
    """Import the whole historical catalog into an emptied table, timed."""
    from pathlib import Path

    from server.services import catalog as catalog_svc

    path = path or str(
        Path(current_app.config["BOUNDARIES_DIR"]).parent
        / "catalog"
        / "bmkg_katalog_2008-11-01_to_2022-06-30.csv"
    )
    if not Path(path).exists():
        click.echo(f"BENCH-SKIP catalog_import_s: {path} not found", err=True)
        return
    session = db.session()
    catalog_svc.clear(session)
    t0 = time.perf_counter()
    report = catalog_svc.import_catalog(session, path)
    elapsed = time.perf_counter() - t0
    session.close()
    _line("catalog_import_s", elapsed, "s")
    _line("catalog_import_rows", report.inserted, "rows")


def _prepare() -> None:
    """Migrations and boundaries, as `kendali serve` does (idempotent: quick when done)."""
    from server.commands.serve import prepare

    prepare(current_app._get_current_object())


def _ensure_roster(count: int) -> None:
    from server.services import demo_responders

    session = db.session()
    have = session.execute(text("SELECT count(*) FROM responders WHERE active")).scalar()
    if have < count * 0.98:  # the generator drops the few points it cannot place
        click.echo(f"bench: generating a demo roster of {count} responders", err=True)
        demo_responders.generate(session, count, current_app.config.get("SEATS_CSV"))
    session.close()


@bench.command("knn")
@click.option("--count", default=10000, show_default=True)
@click.option("--roster", default=40000, show_default=True)
def knn(count: int, roster: int) -> None:
    """Nearest 10 available responders of a point (KNN on the index), one query each."""
    from server.queries import dispatch as dispatch_queries

    _ensure_roster(roster)
    session = db.session()
    pts = session.execute(text("SELECT ST_Y(point), ST_X(point) FROM areas WHERE depth = 3")).all()
    rng = random.Random(11)
    sample = [rng.choice(pts) for _ in range(count)]
    for lat, lon in sample[:200]:
        dispatch_queries.nearest_available(session, lat, lon, 10)
    timings = []
    for lat, lon in sample:
        t0 = time.perf_counter()
        dispatch_queries.nearest_available(session, lat, lon, 10)
        timings.append((time.perf_counter() - t0) * 1000)
    session.close()
    _line("knn_p50_ms", statistics.median(timings), "ms")


def _served(quick: bool, parts: tuple[str, ...], workers: int = 4,
            profile: str | None = None, clients: int = 10_000, wire: str = "browser") -> None:
    """Benchmarks against real server processes: two ``kendali serve`` on the bench
    database with a private Redis (all on loopback, all stopped at the end, whatever
    happens). A part that breaks is reported as a failure and the others still run."""
    from tools.bench import complaints as bench_complaints
    from tools.bench import feedwall
    from tools.bench import live
    from tools.bench import scale
    from tools.bench import viewport
    from tools.bench.procs import Procs

    if "viewport" in parts:  # before the servers start: the generation has the machine
        viewport.ensure_complaints(100_000 if quick else 1_000_000, _echo)
    with Procs(profile) as procs:
        stack = live.Stack(procs, db.url())
        steps = {
            "live": lambda: live.run(stack, _line, _fail, quick, workers),
            "scale": lambda: scale.run(stack, _line, _fail, quick, clients, workers, wire=wire),
            "feed": lambda: feedwall.run(procs, db.url(),
                                         current_app.config["BMKG_RECORDED_DIR"],
                                         live.tokens()["national"], _line, _fail, quick),
            "viewport": lambda: viewport.run(procs, stack.urls[0], live.tokens()["national"],
                                             _line, quick, _echo),
            "intake": lambda: (
                bench_complaints.intake_batch(count=5000 if quick else 20000,
                                              url=stack.urls[0], line=_line),
                bench_complaints.intake_shared_identity(url=stack.urls[0], line=_line),
                bench_complaints.intake_identical_text(url=stack.urls[0], line=_line),
                bench_complaints.intake_single(seconds=5 if quick else 20, url=stack.urls[0],
                                               line=_line),
                bench_complaints.summary(count=100_000 if quick else 1_000_000,
                                         rounds=20 if quick else 50, url=stack.urls[0],
                                         line=_line)),
        }
        for part in parts:
            try:
                steps[part]()
            except Exception as exc:  # noqa: BLE001 - reported; the other parts still run
                _fail(f"{part}: {type(exc).__name__}: {exc}")


def _echo(message: str) -> None:
    click.echo(message, err=True)


@bench.command("live")
@click.option("--quick", is_flag=True, help="Fewer events.")
@click.option("--workers", default=4, show_default=True, help="Load-client processes.")
@_PROFILE
def live_cmd(quick: bool, workers: int, profile: str | None) -> None:
    """Socket.IO to 1,000 clients over two server processes and Redis: fan-out, region
    routing, reconnect catch-up of 500, memory of 2,000 idle connections."""
    _prepare()
    _served(quick, ("live",), workers, profile=profile)
    _exit_if_failed()


@bench.command("scale")
@click.option("--quick", is_flag=True, help="Fewer events.")
@click.option("--clients", default=10_000, show_default=True, help="Live connections.")
@click.option("--workers", default=4, show_default=True, help="Load-client processes.")
@click.option("--wire", type=click.Choice(["browser", "plain"]), default="browser",
              show_default=True,
              help="browser: the clients offer permessage-deflate, as Chromium does; "
                   "plain: no websocket extension.")
@_PROFILE
def scale_cmd(quick: bool, clients: int, workers: int, wire: str, profile: str | None) -> None:
    """National scale: CLIENTS live connections (screens, offices, tablets) over two server
    processes and Redis: idle memory, national and regional fan-out, a reconnect storm of
    all of them, with REST reads and idempotent intake running beside."""
    _prepare()
    _ensure_roster(40000)
    _served(quick, ("scale",), workers, profile=profile, clients=clients, wire=wire)
    _exit_if_failed()


@bench.command("feed")
@click.option("--quick", is_flag=True, help="10 releases instead of 12.")
@_PROFILE
def feed_cmd(quick: bool, profile: str | None) -> None:
    """From a replayed BMKG release to quake.created at a live client (feed_to_wall_ms)."""
    _prepare()
    _served(quick, ("feed",), profile=profile)
    _exit_if_failed()


@bench.command("viewport")
@click.option("--quick", is_flag=True, help="100,000 complaints (instead of 1,000,000).")
@_PROFILE
def viewport_cmd(quick: bool, profile: str | None) -> None:
    """The national map viewport over HTTP, ours and tipg's (vector tiles), same table."""
    _served(quick, ("viewport",), profile=profile)
    _exit_if_failed()


@bench.command("intake")
@click.option("--quick", is_flag=True, help="Smaller runs.")
@_PROFILE
def intake_cmd(quick: bool, profile: str | None) -> None:
    """Complaint intake (batches of 5,000: mixed, one shared phone, one identical text;
    single POSTs at 100/s) and the summary."""
    _served(quick, ("intake",), profile=profile)
    _exit_if_failed()
