"""``kendali demo responders --count N``."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from server.extensions import db
from server.services import demo_responders as svc


@click.command("responders")
@click.option("--count", default=40000, show_default=True, help="How many responders.")
@click.option("--seed", default=1, show_default=True)
@with_appcontext
def responders(count: int, seed: int) -> None:
    """Replace the demo roster: TKSK in every district, Tagana around regency seats."""

    def progress(items):
        with click.progressbar(items, label="responders", file=sys.stderr) as bar:
            yield from bar

    t0 = time.perf_counter()
    with db.session() as session:
        counts = svc.generate(session, count, current_app.config.get("SEATS_CSV"), seed,
                              progress)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    click.echo(f"demo roster: {summary} in {time.perf_counter() - t0:.1f} s")
