"""``kendali serve``: migrate, load the boundaries if none, and serve with eventlet."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from server import background
from server import migrate
from server.embedded import EmbeddedError
from server.extensions import db
from server.extensions import socketio
from server.services import areas as area_svc


def prepare(app) -> None:
    """Start (or reuse) the database, migrate it, and load boundaries when there are none."""
    try:
        engine = db.engine
        migrate.upgrade(engine)
    except (EmbeddedError, migrate.MigrationError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        for line in area_svc.bootstrap(db, app.config["BOUNDARIES_DIR"], if_empty=True):
            click.echo(f"kendali: {line}", err=True)
    except area_svc.AreaLoadError as exc:
        click.echo(f"kendali: WARNING: no boundaries loaded: {exc}", err=True)


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (KENDALI_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (KENDALI_PORT, 5000).")
@click.option("--no-prepare", is_flag=True, help="Skip migrations and boundary loading.")
@with_appcontext
def serve(host, port, no_prepare) -> None:
    """Run the server (eventlet) after migrating and loading boundaries when needed."""
    app = current_app._get_current_object()
    if not no_prepare:
        prepare(app)
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]

    def _stop(signum, frame):  # run atexit handlers: the embedded cluster shuts down cleanly
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    background.start(app)
    click.echo(f"kendali: serving on http://{host}:{port} ({app.config['ASYNC_MODE']})", err=True)
    socketio.run(app, host=host, port=port, log_output=False, use_reloader=False)
