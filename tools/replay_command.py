"""``kendali bmkg replay``: recorded BMKG feed files over HTTP on loopback."""

from __future__ import annotations

import time
from pathlib import Path

import click

from tools.replay import ReplayFile
from tools.replay import ReplayServer


# A stand-alone HTTP tool over recorded files: no app context, no database.
@click.command("replay")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Replay speed: 60 plays a minute per second; 0 releases every file at once.",
)
@click.option(
    "--max-gap",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Longest wait between two releases, in seconds.",
)
@click.option("--loop", is_flag=True, help="Start over after the last file.")
def replay_cmd(
    folder: Path, host: str, port: int, speed: float, max_gap: float, loop: bool
) -> None:
    """Serve the recorded feed files under FOLDER over HTTP, released in time order.

    Point the poller at the printed base URL: it serves autogempa.json, gempaterkini.json,
    gempadirasakan.json (and .xml) from files named like autogempa_2021-10-05_dompu.json, and
    GET /_replay/status. Runs until Ctrl-C.
    """

    def announce(file: ReplayFile) -> None:
        click.echo(f"released {file.describe()}")

    server = ReplayServer(folder, host, port, speed, max_gap, loop=loop, on_release=announce)
    for path, reason in server.skipped:
        click.echo(f"{path}: skipped: {reason}", err=True)
    if not server.files:
        raise click.ClickException(
            f"{folder}: no replayable feed files (autogempa*, gempaterkini*, gempadirasakan*"
            " .json or .xml)"
        )
    try:
        server.start(play=False)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    click.echo(
        f"replaying {len(server.files)} files from {folder} at {server.url} "
        f"(speed {speed:g}, max gap {max_gap:g} s{', looping' if loop else ''}); Ctrl-C stops"
    )
    try:
        server.play()
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
    finally:
        server.stop()
