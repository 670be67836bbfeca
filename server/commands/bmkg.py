"""``kendali bmkg``: inspect BMKG feed payloads without touching the database."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from geo.bmkg import FeedParseError
from geo.bmkg import hint_from_name
from geo.bmkg import parse_feed
from server.replay import ReplayFile
from server.replay import ReplayServer

bmkg = AppGroup("bmkg", help="BMKG earthquake feeds.")

#: Exit status when any file could not be read or is not a feed (click's usage-error code).
EXIT_NOT_A_FEED = 2


# Parsing is pure, so the command needs no app context (and never starts the database).
@bmkg.command("parse", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def parse_cmd(files: tuple[Path, ...]) -> None:
    """Parse BMKG feed FILES and print one JSON sighting per line (NDJSON).

    Rejected records are reported on stderr. The exit status is 0 when every file is a feed
    (even with rejected records) and 2 when any file cannot be read or is not a feed.
    """
    failed = False
    for path in files:
        failed |= not _parse_one(path)
    if failed:
        sys.exit(EXIT_NOT_A_FEED)


def _parse_one(path: Path) -> bool:
    """Print the sightings of one file; return False when it is unreadable or not a feed."""
    try:
        payload = path.read_bytes()
    except OSError as exc:
        click.echo(f"{path}: cannot read: {exc.strerror or exc}", err=True)
        return False
    try:
        result = parse_feed(payload, source_hint=hint_from_name(path.name))
    except FeedParseError as exc:
        click.echo(f"{path}: cannot parse: {exc}", err=True)
        return False
    for sighting in result.sightings:
        click.echo(json.dumps(sighting.as_dict(), ensure_ascii=False))
    for rejection in result.rejected:
        click.echo(f"{path}: record {rejection.position} rejected: {rejection.reason}", err=True)
    return True


# A stand-alone HTTP tool over recorded files: no app context, no database.
@bmkg.command("replay", with_appcontext=False)
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
