"""Small helpers shared by the ``kendali`` commands."""

from __future__ import annotations

import getpass
import sys

import click


def actor() -> str:
    """Who a command acts as, in the audit trail: ``cli:<login name>``."""
    return f"cli:{getpass.getuser()}"


def progress(label: str):
    """A ``progress`` argument for the services' long loops: a progress bar on stderr."""

    def wrap(items):
        items = list(items)
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield from bar

    return wrap
