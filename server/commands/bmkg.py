"""``kendali bmkg``: inspect BMKG feed payloads without touching the database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from geo.bmkg import FeedParseError
from geo.bmkg import hint_from_name
from geo.bmkg import parse_feed

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
