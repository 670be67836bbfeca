"""``kendali serve``: migrate, load the boundaries if none, and serve with eventlet."""

from __future__ import annotations

import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from geo import holidays as calendar
from server.extensions import db
from server.extensions import socketio
from server.jobs import loops
from server.platform import clock
from server.platform import migrate
from server.platform import origins
from server.platform import runtime
from server.platform.embedded import EmbeddedError
from server.services import areas as area_svc

log = logging.getLogger(__name__)


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
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes, on ports PORT … PORT+N-1 (behind a sticky proxy).",
)
@click.option("--no-prepare", is_flag=True, help="Skip migrations and boundary loading.")
@click.option("--demo", is_flag=True,
              help="Demo mode: recorded BMKG feeds re-timed to now, simulated field answers, "
                   "nothing sent outside (after `kendali demo scenario`).")
@with_appcontext
def serve(host, port, workers, no_prepare, demo) -> None:
    """Run the server (eventlet) after migrating and loading boundaries when needed."""
    app = current_app._get_current_object()
    if demo:
        app.config.update(DEMO=True, WEBHOOK_URL=None)
    if not no_prepare:
        prepare(app)
    if host and host != app.config["HOST"]:  # the address served is a trusted Host too
        app.config["HOST"] = host
        app.config["TRUSTED_HOSTS"] = origins.trusted_hosts(app.config)
    host = app.config["HOST"]
    port = port or app.config["PORT"]
    _first_run_hints(app, host, port)
    if workers > 1:
        supervise(host, port, workers)
        return

    def _stop(signum, frame):  # leave the server loop; the loops and the database follow
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    for line in calendar.warnings(clock.now().date()):
        log.warning(line)
    loops.start(app)
    click.echo(f"kendali: serving on http://{host}:{port} ({app.config['ASYNC_MODE']})", err=True)
    try:
        if app.config["ASYNC_MODE"] == "eventlet":
            run_eventlet(app, host, port)
        else:  # threading, for debugging only
            socketio.run(app, host=host, port=port, log_output=False, use_reloader=False,
                         allow_unsafe_werkzeug=True)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        log.info("server: stopping")
        loops.stop_all(app)
    # atexit then stops the embedded cluster (the last process using it), with its own line


def _first_run_hints(app, host: str, port: int) -> None:
    """How to get in when nobody can yet (no admin), and where the demo is; once per start."""
    from server.queries import auth as auth_queries

    if app.config["DEMO"]:
        click.echo("kendali: DEMO mode: recorded BMKG feeds re-timed to now (the strong quake "
                   f"in {app.config['DEMO_DELAY_S']:g} s), simulated field answers, nothing "
                   "sent outside", err=True)
        return
    with db.session() as session:
        has_admin = auth_queries.has_admin(session)
    if not has_admin:
        click.echo("kendali: no administrator yet. Create the first one (it prints a generated "
                   "password):\n  .venv/bin/kendali users create --username admin --role admin",
                   err=True)
    click.echo("kendali: a demo on recorded data, no internet needed: ./scripts/serve --demo",
               err=True)


#: Pending connections the kernel queues for us. eventlet's default (50) drops handshakes when
#: every tablet of a province reconnects at once after a restart; Linux caps it at somaxconn.
LISTEN_BACKLOG = 2048


def run_eventlet(app, host: str, port: int) -> None:
    """Serve with eventlet's WSGI server on a listener of our own.

    Flask-SocketIO's ``run`` would do the same with three defaults that hurt here: a listen
    backlog of 50, at most 1,024 connections, and Nagle's algorithm left on, so a response
    written in two parts on a keep-alive connection waits for the client's delayed ACK
    (about 40 ms on Linux). Accepted sockets inherit TCP_NODELAY from the listener.
    """
    import socket

    import eventlet
    import eventlet.wsgi

    runtime.tune_gc()
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=LISTEN_BACKLOG)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    # Each websocket holds one of the server's green threads for its lifetime: eventlet's
    # default pool (1,024) would leave every connection past that waiting, unanswered.
    limit = runtime.connection_limit(app.config["MAX_CONNECTIONS"])
    eventlet.wsgi.server(listener, app, log_output=False, max_size=limit)


def supervise(host: str, port: int, workers: int) -> None:
    """Run ``workers`` single-process servers on consecutive ports and keep them running.

    Each is a full Kendali process (its own event publisher); the feed poller and the
    scheduler are leader-elected among them, so killing one moves those loops to another
    within a second or two. A worker that dies is started again. SIGTERM stops them all.
    """
    import subprocess
    import time

    command = [
        sys.executable,
        "-c",
        "from server.cli import main; main()",
        "serve",
        "--no-prepare",
        "--host",
        host,
    ]
    procs: dict[int, subprocess.Popen] = {}
    stopping = {"now": False}

    def start(p: int) -> None:
        procs[p] = subprocess.Popen([*command, "--port", str(p)])

    def _stop(signum, frame):
        stopping["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for i in range(workers):
        start(port + i)
    click.echo(f"kendali: {workers} workers on ports {port}-{port + workers - 1}", err=True)
    try:
        while not stopping["now"]:
            for p, proc in list(procs.items()):
                if proc.poll() is not None:
                    click.echo(
                        f"kendali: worker on port {p} exited ({proc.returncode}); restarting",
                        err=True,
                    )
                    start(p)
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
