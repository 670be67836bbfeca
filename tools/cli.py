"""Adds the tools' sub-commands to the ``kendali`` command (entry point ``kendali.commands``)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """``kendali bench`` and ``kendali bmkg replay``."""
    from tools.bench.commands import bench
    from tools.replay_command import replay_cmd

    cli.add_command(bench)
    bmkg = cli.commands.get("bmkg")
    if isinstance(bmkg, click.Group):
        bmkg.add_command(replay_cmd)
