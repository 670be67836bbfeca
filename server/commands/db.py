"""``kendali db``: schema migrations."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.extensions import db
from server.platform import migrate
from server.platform.embedded import EmbeddedError

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


def _engine():
    try:
        return db.engine
    except EmbeddedError as exc:
        raise click.ClickException(str(exc)) from None


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Migrate the schema to REVISION (default: the newest)."""
    try:
        migrate.upgrade(_engine(), revision)
    except migrate.MigrationError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"schema at {migrate.current(_engine())}")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION ("base" removes everything)."""
    migrate.downgrade(_engine(), revision)
    click.echo(f"schema at {migrate.current(_engine())}")


@db_group.command("current")
def current() -> None:
    """Print the schema revision."""
    click.echo(migrate.current(_engine()) or "empty")
