"""``kendali incidents``: list, close and reopen incidents from the server's shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from server.auth.scope import Scope
from server.commands.common import actor
from server.errors import ApiError
from server.extensions import db
from server.queries import dispatch as q
from server.queries import incidents as incident_queries
from server.services import standdown

incidents = AppGroup("incidents", help="Incidents: list, close (stand down), reopen.")


@incidents.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed incidents too.")
def list_incidents(show_all: bool) -> None:
    """One line per incident: id, status, severity, hazard, areas, open dispatches, title."""
    with db.session() as session:
        for row in incident_queries.scoped_incidents(session, Scope(national=True)):
            if row.status != "active" and not show_all:
                continue
            areas = len(incident_queries.incident_areas(session, row.id))
            held = len(q.open_dispatches(session, row.id))
            click.echo(f"{row.id:>6}  {row.status:<7} {row.severity:<8} {row.hazard:<11} "
                       f"{areas:>3} areas {held:>4} open  {row.title}")


def _run(action, *args) -> None:
    with db.session() as session:
        try:
            action(session, actor(), *args)
        except ApiError as exc:
            detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
            raise click.ClickException(exc.message + (f" ({detail})" if detail else "")) \
                from None


@incidents.command("close")
@click.argument("incident_id", type=int)
@click.option("--note", default=None, help="Why (kept in the audit trail).")
def close(incident_id: int, note: str | None) -> None:
    """Close an incident: pending notifications cancelled, every responder released."""
    _run(standdown.close, incident_id, note)
    click.echo(f"incident {incident_id} closed")


@incidents.command("reopen")
@click.argument("incident_id", type=int)
@click.option("--note", default=None, help="Why (kept in the audit trail).")
def reopen(incident_id: int, note: str | None) -> None:
    """Reopen a closed incident; its open areas are staffed again."""
    _run(standdown.reopen, incident_id, note)
    click.echo(f"incident {incident_id} reopened")
