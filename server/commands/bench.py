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
