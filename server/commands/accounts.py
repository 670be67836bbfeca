"""``kendali users``, ``kendali keys`` and ``kendali wall-code``: account administration.

Every command is audited with the actor ``cli:<system user>``.
"""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from server.auth.scope import CHANNELS
from server.auth.scope import ROLES
from server.commands.common import actor
from server.errors import ApiError
from server.extensions import db
from server.platform.origins import configured_base_url
from server.queries import auth as q
from server.services import accounts


def _fail(exc: ApiError):
    detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}" + (f" ({detail})" if detail else ""))


users = AppGroup("users", help="Accounts: operators, regional offices, field staff, admins.")


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--region", help="Province (72) or regency (72.71) code: regional accounts only.")
@click.option("--responder-id", type=int, help="The responder a field account belongs to.")
@click.option("--unit", "unit_id", type=int,
              help="The work unit the account belongs to (`kendali units list`).")
@click.option("--name", "display_name", help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user(username, role, region, responder_id, unit_id, display_name,
                password_stdin) -> None:
    """Create an account; prints a generated password unless one comes on standard input."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    with db.session() as session:
        try:
            user, generated = accounts.create_user(
                session, actor(), username, role, region, password, responder_id, display_name,
                unit_id=unit_id,
            )
        except ApiError as exc:
            _fail(exc)
    click.echo(
        f"created {user.role} account '{user.username}' (id {user.id})"
        + (f" for region {user.region_code}" if user.region_code else "")
        + (f" in unit {user.unit_id}" if user.unit_id else "")
    )
    if generated:
        click.echo(f"password: {generated}")


@users.command("disable")
@click.argument("username")
def disable_user(username) -> None:
    """Disable an account: its tokens and sessions stop working and its sockets close."""
    with db.session() as session:
        user = q.user_by_name(session, username)
        if user is None:
            raise click.ClickException(f"no account '{username}'")
        accounts.set_disabled(session, actor(), user, True)
    click.echo(f"disabled '{username}'")


@users.command("enable")
@click.argument("username")
def enable_user(username) -> None:
    """Enable a disabled account again (its old tokens stay revoked)."""
    with db.session() as session:
        user = q.user_by_name(session, username)
        if user is None:
            raise click.ClickException(f"no account '{username}'")
        accounts.set_disabled(session, actor(), user, False)
    click.echo(f"enabled '{username}'")


@users.command("list")
def list_users() -> None:
    """List accounts."""
    with db.session() as session:
        for user in q.list_users(session):
            state = "disabled" if user.disabled_at else "active"
            region = user.region_code or "-"
            unit = str(user.unit_id or "-")
            click.echo(f"{user.id:>5}  {user.username:<24} {user.role:<9} {region:<8} "
                       f"{unit:<6} {state}")


keys = AppGroup("keys", help="API keys of the complaint channels and of agencies (CAP).")


@keys.command("create")
@click.option("--channel", type=click.Choice(CHANNELS), help="A complaint channel's key.")
@click.option("--agency", metavar="NAME",
              help="An agency's key: it pushes CAP (POST /api/v1/alerts/cap) with NAME as "
                   "the message's <sender>, and nothing else.")
@click.option("--name", help="What the key is for (e.g. the integrating system).")
def create_key(channel, agency, name) -> None:
    """Create a channel or agency key and print it once (only its hash is kept)."""
    if (channel is None) == (agency is None):
        raise click.UsageError("give exactly one of --channel and --agency")
    with db.session() as session:
        try:
            if agency is not None:
                row, key = accounts.create_agency_key(session, actor(), agency, name)
            else:
                row, key = accounts.create_key(session, actor(), channel, name)
        except ApiError as exc:
            _fail(exc)
    whom = f"agency {agency}" if agency is not None else f"channel {channel}"
    click.echo(f"key {row.id} for {whom} (prefix {row.prefix}):")
    click.echo(key)


@keys.command("revoke")
@click.argument("ref")
def revoke_key(ref) -> None:
    """Revoke a key by id or prefix (the part before the last underscore)."""
    with db.session() as session:
        row = q.key_by_ref(session, ref)
        if row is None:
            raise click.ClickException(f"no key '{ref}'")
        accounts.revoke_key(session, actor(), row)
    click.echo(f"revoked key {row.id} ({row.prefix})")


@keys.command("list")
def list_keys() -> None:
    """List keys (prefixes only)."""
    with db.session() as session:
        for row in q.list_keys(session):
            state = "revoked" if row.revoked_at else "active"
            who = f"{row.channel}:{row.agency}" if row.agency else row.channel
            click.echo(f"{row.id:>5}  {who:<14} {row.prefix:<36} {state}  {row.name or ''}")


@click.command("wall-code")
@click.option("--name", default="Ruang Kendali", show_default=True, help="The wall screen's name.")
@with_appcontext
def wall_code(name) -> None:
    """Print a one-time code (and URL) that signs a wall screen in."""
    with db.session() as session:
        try:
            code, user = accounts.create_wall_code(session, actor(), name)
        except ApiError as exc:
            _fail(exc)
    config = current_app.config
    base = configured_base_url(config)
    hours = config["WALL_CODE_HOURS"]
    click.echo(f"wall account: {user.username}")
    click.echo(f"code: {code}  (valid {hours:g} h, once)")
    click.echo(f"open on the wall screen: {base.rstrip('/')}/wall/login?code={code}")
