"""``kendali serve``: migrate, load the boundaries if none, and serve with eventlet."""

from __future__ import annotations

import signal
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from server.extensions import db
from server.extensions import socketio
from server.jobs import loops
from server.platform import migrate
from server.platform import origins
from server.platform import runtime
from server.platform.embedded import EmbeddedError
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
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes, on ports PORT … PORT+N-1 (behind a sticky proxy).",
)
@click.option("--no-prepare", is_flag=True, help="Skip migrations and boundary loading.")
@with_appcontext
def serve(host, port, workers, no_prepare) -> None:
    """Run the server (eventlet) after migrating and loading boundaries when needed."""
    app = current_app._get_current_object()
    if not no_prepare:
        prepare(app)
    if host and host != app.config["HOST"]:  # the address served is a trusted Host too
        app.config["HOST"] = host
        app.config["TRUSTED_HOSTS"] = origins.trusted_hosts(app.config)
    host = app.config["HOST"]
    port = port or app.config["PORT"]
    if workers > 1:
        supervise(host, port, workers)
        return

    def _stop(signum, frame):  # run atexit handlers: the embedded cluster shuts down cleanly
        sys.exit(0)

    signal.signal(signal.SIGTERM, _stop)
    loops.start(app)
    click.echo(f"kendali: serving on http://{host}:{port} ({app.config['ASYNC_MODE']})", err=True)
    if app.config["ASYNC_MODE"] == "eventlet":
        run_eventlet(app, host, port)
    else:  # threading, for debugging only
        socketio.run(
            app,
            host=host,
            port=port,
            log_output=False,
            use_reloader=False,
            allow_unsafe_werkzeug=True,
        )


#: Pending connections the kernel queues for us. eventlet's default (50) drops handshakes when
#: every tablet of a province reconnects at once after a restart; Linux caps it at somaxconn.
LISTEN_BACKLOG = 2048


def run_eventlet(app, host: str, port: int) -> None:
    """Serve with eventlet's WSGI server on a listener of our own.

    Flask-SocketIO's ``run`` would do the same with two defaults that hurt here: a listen backlog
    of 50, and Nagle's algorithm left on, so a response written in two parts on a keep-alive
    connection waits for the client's delayed ACK (about 40 ms on Linux). Accepted sockets
    inherit TCP_NODELAY from the listener.
    """
    import socket

    import eventlet
    import eventlet.wsgi

    runtime.tune_gc()
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = eventlet.listen(address, family, backlog=LISTEN_BACKLOG)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    eventlet.wsgi.server(listener, app, log_output=False)


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
