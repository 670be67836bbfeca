"""``kendali quakes``: the historical earthquake catalog."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from geo.quake import iso_utc
from server.commands.common import progress
from server.extensions import db
from server.services import catalog as svc

quakes = AppGroup("quakes", help="Earthquakes: BMKG's historical catalog (2008–2022).")

#: How many skipped rows are listed one by one before the rest are only counted.
LISTED_SKIPS = 20


@quakes.command("import")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
def import_catalog(path: str) -> None:
    """Import BMKG's catalog CSV (origin_time_utc, latitude, longitude, depth_km, magnitude, …).

    Rows already imported are left alone, so running it again adds nothing. Malformed rows are
    skipped and listed; everything else is written in one transaction.
    """
    with db.session() as session:
        try:
            report = svc.import_catalog(session, path, progress=progress("catalog"))
        except svc.CatalogImportError as exc:
            raise click.ClickException(str(exc)) from None
    for lineno, reason in report.skipped[:LISTED_SKIPS]:
        click.echo(f"  line {lineno}: {reason}")
    if len(report.skipped) > LISTED_SKIPS:
        click.echo(f"  … and {len(report.skipped) - LISTED_SKIPS} more skipped rows")
    click.echo(report.summary())


@quakes.command("stats")
def stats() -> None:
    """Print how many catalog events are stored, their time range and the large ones."""
    with db.session() as session:
        result = svc.catalog_stats(session)
    click.echo(f"catalog events: {result.count}")
    if not result.count:
        click.echo("  (import one with `kendali quakes import CSV`)")
        return
    click.echo(f"time range: {iso_utc(result.first)} … {iso_utc(result.last)}")
    for magnitude, count in result.at_least.items():
        click.echo(f"magnitude >= {magnitude:g}: {count}")
