"""``kendali smoke``: smoke tests of deployment layouts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

smoke = AppGroup("smoke", help="Smoke tests of deployment layouts.")


@smoke.command("multihost")
@click.option("--docker", "compose_file", default=None, metavar="COMPOSE_FILE",
              help="Run COMPOSE_FILE (compose.scale.yaml) with Docker and check it, instead "
                   "of the same topology as local processes.")
@click.option("--apps", default=2, show_default=True, help="App processes (local layout).")
def multihost_cmd(compose_file: str | None, apps: int) -> None:
    """Two or more app processes behind nginx (ip_hash) with Redis and one PostgreSQL: a
    client connected through the proxy receives events committed through every app."""
    from tools import multihost

    try:
        if compose_file:
            multihost.run_docker(compose_file, say=click.echo)
        else:
            _local(apps)
    except multihost.CheckFailed as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("smoke multihost: OK")


def _local(apps: int) -> None:
    from flask import current_app

    from server.commands.serve import prepare
    from server.extensions import db
    from tools import multihost
    from tools.bench.procs import Procs

    prepare(current_app._get_current_object())
    token, key = multihost.credentials(say=click.echo)
    with Procs() as procs:
        layout = multihost.LocalLayout(procs, db.url(), apps).start()
        try:
            click.echo(f"nginx {layout.proxy} -> {', '.join(layout.apps)}")
            multihost.check(layout.proxy, layout.apps, token, key, say=click.echo)
        finally:
            layout.close()
