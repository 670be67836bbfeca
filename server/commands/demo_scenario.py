"""``kendali demo scenario``: roster, complaints, accounts and a clean slate for a demo."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from server.commands.common import actor
from server.extensions import db
from server.platform.origins import configured_base_url
from server.services import accounts
from server.services import demo_scenario as svc


@click.command("scenario")
@click.option("--responders", "roster", default=9000, show_default=True,
              help="Demo roster size (Tagana and TKSK).")
@click.option("--complaints", "complaint_count", default=4000, show_default=True,
              help="Demo complaints (over the four channels; a rerun adds none).")
@click.option("--yes", is_flag=True, help="Also on a database with non-demo accounts.")
@with_appcontext
def scenario(roster: int, complaint_count: int, yes: bool) -> None:
    """Prepare a demo: then `kendali serve --demo` (or ./scripts/serve --demo)."""
    from server.commands.demo_complaints import generate as complaints
    from server.commands.serve import prepare
    from server.services import demo_responders

    app = current_app._get_current_object()
    prepare(app)
    with db.session() as session:
        if not yes:
            try:
                svc.check_demo_database(session)
            except svc.NotADemoDatabase as exc:
                raise click.ClickException(str(exc)) from None
        svc.clear_events(session)
        counts = demo_responders.generate(session, roster, app.config.get("SEATS_CSV"))
        click.echo("demo roster: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    made = complaints(complaint_count, 1)
    click.echo(f"demo complaints: {made['inserted']} new")
    with db.session() as session:
        people = svc.demo_accounts(session, actor())
        code, _ = accounts.create_wall_code(session, actor(), "Demo")
    click.echo("\ndemo accounts (passwords shown once; sign in at /login):")
    for a in people:
        where = f" region {a.region}" if a.region else ""
        click.echo(f"  {a.role:<9} {a.username:<15} {a.password}{where}")
    click.echo(f"  wall      {configured_base_url(current_app.config)}/wall/login?code={code}")
    click.echo("\nnext: kendali serve --demo  (./scripts/serve --demo does both)")
