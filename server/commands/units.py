"""``kendali units``: the work units complaints are forwarded to (audited as ``cli:<user>``)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.commands.common import actor
from server.errors import ApiError
from server.extensions import db
from server.queries import units as q
from server.services import units as svc

units = AppGroup("units", help="Work units: directorates general, social offices, others.")


def _fail(exc: ApiError):
    detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}" + (f" ({detail})" if detail else ""))


@units.command("create")
@click.option("--name", required=True, help="The unit's name (unique, case ignored).")
@click.option("--region", help="The province (72) or regency (72.71) it serves.")
@click.option("--kind", type=click.Choice(svc.KINDS), default="other", show_default=True)
def create_unit(name, region, kind) -> None:
    """Add a work unit; prints its id (for `kendali users create --unit ID`)."""
    with db.session() as session:
        try:
            row = svc.create(session, actor(), name, kind, region)
        except ApiError as exc:
            _fail(exc)
        click.echo(f"created unit {row.id} '{row.name}' ({row.kind})"
                   + (f" for region {row.region_code}" if row.region_code else ""))


@units.command("list")
@click.option("--region", help="Only the units that could take this area's complaints.")
@click.option("--q", "text_query", help="Name contains.")
def list_units(region, text_query) -> None:
    """List units: id, kind, region, name."""
    with db.session() as session:
        for row, _ in q.list_units(session, text_query, None, region, limit=100000):
            click.echo(f"{row.id:>5}  {row.kind:<17} {row.region_code or '-':<6} {row.name}")


@units.command("seed")
def seed_units() -> None:
    """Add the standard units that are missing: the directorates general and a social office
    (Dinas Sosial) per province and regency loaded. Idempotent."""
    with db.session() as session:
        added = svc.seed(session, actor())
    click.echo(f"units: {added} added")
