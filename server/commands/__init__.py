"""The ``kendali`` command group and its sub-commands."""

from __future__ import annotations

import logging

from flask.cli import FlaskGroup

from server import create_app

log = logging.getLogger(__name__)


def register(app) -> None:
    """Attach every ``kendali`` sub-command to ``app.cli`` (FlaskGroup lists them from there)."""
    from server.commands.accounts import keys
    from server.commands.accounts import users
    from server.commands.accounts import wall_code
    from server.commands.areas import areas
    from server.commands.bmkg import bmkg
    from server.commands.db import db_group
    from server.commands.demo import demo
    from server.commands.impact import impact
    from server.commands.incidents import incidents
    from server.commands.quakes import quakes
    from server.commands.responders import responders
    from server.commands.serve import serve
    from server.commands.units import units

    for command in (db_group, areas, serve, users, keys, wall_code, bmkg, impact, quakes,
                    demo, responders, incidents, units):
        app.cli.add_command(command)
    _register_plugins(app.cli)


def _register_plugins(cli) -> None:
    """Commands installed beside Kendali (entry point group ``kendali.commands``): the tools'
    ``bench`` and ``bmkg replay``. A plugin whose extra is not installed is left out."""
    from importlib.metadata import entry_points

    for entry in entry_points(group="kendali.commands"):
        try:
            entry.load()(cli)
        except ImportError as exc:
            log.debug("kendali.commands: %s not loaded (%s)", entry.name, exc)


def _make_app():
    """Build the app; outside ``kendali serve`` (no eventlet patch) sockets run threaded."""
    import sys

    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("socket"):
        return create_app()
    return create_app({"ASYNC_MODE": "threading"})


cli = FlaskGroup(
    name="kendali",
    create_app=_make_app,
    help="Kendali: live map server of the social-affairs command center.",
)
