"""``kendali demo complaints --count N [--seed S]``."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from server.extensions import db
from server.platform import clock
from server.services import audit
from server.services.complaints import demo as svc
from server.services.complaints.levels import service_levels


def generate(count: int, seed: int) -> dict:
    """Insert ``count`` demo complaints with ``seed`` (audited as one CLI action)."""
    with db.session() as session:
        result = svc.generate(
            session,
            count,
            seed,
            current_app.config["COMPLAINT_CATEGORIES"],
            service_levels(),
            clock.now(),
        )
        audit.record(
            session,
            "cli:demo",
            "complaint.demo",
            "complaint",
            None,
            None,
            {"count": count, "seed": seed, "inserted": result["inserted"]},
        )
        session.commit()
        return result


@click.command("complaints")
@click.option("--count", default=10000, show_default=True, help="How many complaints.")
@click.option("--seed", default=1, show_default=True, help="Same seed, same complaints.")
@with_appcontext
def complaints(count: int, seed: int) -> None:
    """Synthetic complaints spread like the population, over every channel and status."""
    t0 = time.perf_counter()
    try:
        result = generate(count, seed)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    elapsed = time.perf_counter() - t0
    click.echo(
        f"demo complaints: {result['inserted']} new in {result['districts']} districts "
        f"in {elapsed:.1f} s"
    )
