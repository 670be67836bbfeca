"""``kendali responders``: the registry from the command line (audited as ``cli:<user>``)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from server.commands.common import actor
from server.errors import ApiError
from server.extensions import db
from server.models import ResponderRow
from server.services import responders as svc

responders = AppGroup("responders", help="Field companions (Tagana, TKSK, ...).")


def _fail(exc: ApiError):
    raise click.ClickException(
        exc.message + " (" + "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) + ")")


@responders.command("create")
@click.option("--type", "kind", required=True)
@click.option("--name", required=True)
@click.option("--phone")
@click.option("--lat", type=float, required=True, help="Home base latitude.")
@click.option("--lon", type=float, required=True, help="Home base longitude.")
@click.option("--ref", "external_ref", help="An external reference (unique).")
def create(kind, name, phone, lat, lon, external_ref) -> None:
    """Register a responder; the home areas come from the base point."""
    data = {"type": kind, "name": name, "base": {"lat": lat, "lon": lon}}
    if phone:
        data["phone"] = phone
    if external_ref:
        data["external_ref"] = external_ref
    with db.session() as session:
        try:
            row = svc.create(session, actor(), data)
        except ApiError as exc:
            _fail(exc)
    click.echo(f"responder {row.id}: {row.type} {row.name} in {row.district_code}")


@responders.command("update")
@click.argument("responder_id", type=int)
@click.option("--availability", type=click.Choice(svc.AVAILABILITY))
@click.option("--phone")
@click.option("--name")
def update(responder_id, availability, phone, name) -> None:
    """Change availability, phone or name."""
    with db.session() as session:
        try:
            row = session.get(ResponderRow, responder_id)
            if row is None:
                raise click.ClickException(f"no responder {responder_id}")
            data = {k: v for k, v in (("availability", availability), ("phone", phone),
                                      ("name", name)) if v}
            svc.update(session, actor(), row, data)
        except ApiError as exc:
            _fail(exc)
    click.echo(f"updated responder {responder_id}")


@responders.command("deactivate")
@click.argument("responder_id", type=int)
def deactivate(responder_id) -> None:
    """Take a responder out of dispatch (history is kept)."""
    with db.session() as session:
        row = session.get(ResponderRow, responder_id)
        if row is None:
            raise click.ClickException(f"no responder {responder_id}")
        svc.deactivate(session, actor(), row)
    click.echo(f"deactivated responder {responder_id}")


@responders.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_csv(path) -> None:
    """Import a CSV (type, name, phone, lat, lon[, external_ref, availability]). A bad row is
    reported and skipped; it never stops or half-writes the import."""

    def progress(rows):
        with click.progressbar(rows, label="responders", file=sys.stderr) as bar:
            yield from bar

    with db.session() as session:
        report = svc.import_csv(session, actor(), path, progress)
    for lineno, reason in report.errors[:50]:
        click.echo(f"  line {lineno}: {reason}")
    click.echo(f"imported {report.created} responders, {len(report.errors)} rows with errors")
