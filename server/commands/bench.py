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

bench = AppGroup("bench", help="Benchmarks against the configured database.")


_RESULTS: list[tuple[str, float, str]] = []


def _line(name: str, value: float, unit: str) -> None:
    _RESULTS.append((name, value, unit))
    click.echo(f"BENCH {name} {value:.3f} {unit}")


@bench.command("all")
@click.option("--quick", is_flag=True, help="Fewer rounds, for CI.")
@click.pass_context
def run_all(ctx, quick: bool) -> None:
    """Prepare the database, run every benchmark, then print a table of the figures."""
    from server.commands.serve import prepare

    prepare(current_app._get_current_object())
    ctx.invoke(lookup, count=1000 if quick else 10000)
    ctx.invoke(quake, rounds=5 if quick else 20)
    ctx.invoke(catalog)
    click.echo("")
    click.echo(f"{'figure':<32} {'value':>12}  unit")
    for name, value, unit in _RESULTS:
        click.echo(f"{name:<32} {value:>12.3f}  {unit}")


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


def _autogempa(origin, lat: float, lon: float, mag: float, depth: float) -> bytes:
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
        "Dirasakan": "-",
        "Shakemap": local.strftime("%Y%m%d%H%M%S.mmi.jpg"),
    }
    import json

    return json.dumps({"Infogempa": {"gempa": gempa}}).encode()


@bench.command("quake")
@click.option("--rounds", default=20, show_default=True)
@click.option("--magnitude", default=7.0, show_default=True)
def quake(rounds: int, magnitude: float) -> None:
    """Feed change -> quake.created committed (contours, districts, exposure), over HTTP."""
    import http.server
    import threading
    from datetime import UTC
    from datetime import datetime
    from datetime import timedelta

    from server import feed
    from server.queries import quakes as quake_queries

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
    # Epicentres along the Flores Sea, 2 minutes apart in time: each poll is a new quake.
    base = datetime(2031, 1, 1, tzinfo=UTC) - timedelta(days=3650)
    timings, created = [], []
    for i in range(rounds):
        body["data"] = _autogempa(
            base + timedelta(minutes=2 * i), -7.6, 120.5 + 0.1 * i, magnitude, 10
        )
        t0 = time.perf_counter()
        poller.poll("autogempa", 10.0)
        timings.append((time.perf_counter() - t0) * 1000)
    httpd.shutdown()
    session = db.session()
    created = session.execute(
        text(
            "SELECT id, (SELECT count(*) FROM quake_areas a WHERE a.quake_id = q.id AND "
            "a.level = 'district') FROM quakes q WHERE region_text LIKE '%(benchmark)'"
        )
    ).all()
    districts = statistics.median(n for _, n in created) if created else 0
    quake_queries.delete_quakes(session, [qid for qid, _ in created])
    session.commit()
    session.close()
    _line("quake_pipeline_ms", statistics.median(timings), "ms")
    _line("quake_pipeline_districts", districts, "districts")


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
