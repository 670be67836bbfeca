"""``kendali areas``: load boundaries and population."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from geo.areas import LEVELS
from server.commands.common import progress
from server.extensions import db
from server.services import areas as svc

areas = AppGroup("areas", help="Administrative areas (Kemendagri codes) and population.")


@areas.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option(
    "--level", type=click.Choice(LEVELS), help="Level of every feature (default: from the code)."
)
@click.option(
    "--code-field", default="kode", show_default=True, help="Field with the Kemendagri code."
)
@click.option("--name-field", default="nama", show_default=True, help="Field with the area name.")
@click.option(
    "--parent-field", default=None, help="Field with the parent's code (default: from the code)."
)
def load(path, level, code_field, name_field, parent_field) -> None:
    """Load or update areas from GeoJSON, Shapefile, GeoPackage or a zip of them."""
    with db.session() as session:
        try:
            report = svc.load_areas(
                session,
                path,
                level=level,
                code_field=code_field,
                name_field=name_field,
                parent_field=parent_field,
                progress=progress(f"areas {level or ''}".strip()),
            )
        except svc.AreaLoadError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(report.summary())
    for code, reason in report.skipped[:20]:
        click.echo(f"  skipped {code}: {reason}")
    if len(report.skipped) > 20:
        click.echo(f"  … and {len(report.skipped) - 20} more skipped")


@areas.command("population")
@click.argument("path", type=click.Path(dir_okay=False, path_type=str))
@click.option("--code-field", default="kode", show_default=True)
@click.option("--population-field", default="penduduk_total", show_default=True)
@click.option(
    "--area-field",
    default="luas_km2",
    show_default=True,
    help="Field with the area in km² (ignored when absent).",
)
def population(path, code_field, population_field, area_field) -> None:
    """Join population by code from a CSV and report codes that matched nothing."""
    with db.session() as session:
        try:
            report = svc.load_population(
                session,
                path,
                code_field=code_field,
                population_field=population_field,
                area_field=area_field,
            )
            svc.finalize(session)
        except svc.AreaLoadError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(
        f"population set for {report.matched} areas from {report.rows} rows; "
        f"{len(report.unmatched)} codes matched nothing"
    )
    if report.unmatched:
        click.echo("  unmatched: " + ", ".join(report.unmatched[:50]))


@areas.command("load-shared")
@click.argument("folder", required=False)
@click.option("--if-empty", is_flag=True, help="Do nothing when areas are already loaded.")
def load_shared(folder, if_empty) -> None:
    """Load the national boundaries and population from FOLDER (KENDALI_BOUNDARIES_DIR)."""
    folder = folder or current_app.config["BOUNDARIES_DIR"]
    try:
        for line in svc.bootstrap(db, folder, if_empty=if_empty, progress=progress):
            click.echo(line)
    except svc.AreaLoadError as exc:
        raise click.ClickException(str(exc)) from None
