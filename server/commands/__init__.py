"""The ``kendali`` command group: every sub-command, loaded only when it is used.

``kendali --help`` lists the commands from the table below without importing them or building
the app, so it answers at once; a command's module (and the app, for the commands that need
it) is loaded when that command runs. Commands installed beside Kendali (the ``tools``
package: ``kendali bench``, ``kendali bmkg replay``) come from the ``kendali.commands`` entry
point group, as tables of the same shape.
"""

from __future__ import annotations

import logging
from importlib import import_module
from importlib.metadata import entry_points

import click
from flask.cli import AppGroup
from flask.cli import FlaskGroup

log = logging.getLogger(__name__)

#: name -> (module, attribute, short help). Kept in step with the modules by a test.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "areas": ("server.commands.areas", "areas",
              "Administrative areas (Kemendagri codes) and population."),
    "bmkg": ("server.commands.bmkg", "bmkg", "BMKG earthquake feeds."),
    "db": ("server.commands.db", "db_group", "Database schema (Alembic migrations)."),
    "demo": ("server.commands.demo", "demo",
             "Demo data (responders, complaints) and the demo scenario."),
    "impact": ("server.commands.impact", "impact",
               "A quake's impact as JSON; validate and calibrate the intensity model."),
    "incidents": ("server.commands.incidents", "incidents",
                  "Incidents: list, close (stand down), reopen."),
    "keys": ("server.commands.accounts", "keys",
             "API keys of the complaint channels and of agencies (CAP)."),
    "quakes": ("server.commands.quakes", "quakes",
               "Earthquakes: BMKG's historical catalog (2008–2022)."),
    "responders": ("server.commands.responders", "responders",
                   "Field companions (Tagana, TKSK, ...)."),
    "serve": ("server.commands.serve", "serve",
              "Run the server (eventlet) after migrating and loading boundaries."),
    "units": ("server.commands.units", "units",
              "Work units: directorates general, social offices (forwarding targets)."),
    "users": ("server.commands.accounts", "users",
              "Accounts: operators, regional offices, field staff, admins."),
    "wall-code": ("server.commands.accounts", "wall_code",
                  "Print a one-time code (and URL) that signs a wall screen in."),
}
#: Commands the app's extensions add (Flask-Assets, Flask-Limiter): loading them builds the app.
APP_COMMANDS = {"assets": "Web assets (Flask-Assets): build the page bundles.",
                "limiter": "Rate-limit maintenance (Flask-Limiter)."}


def _plugins() -> tuple[dict, dict]:
    """(commands, sub-commands per group) of the ``kendali.commands`` entry points."""
    commands: dict = {}
    subcommands: dict = {}
    for entry in entry_points(group="kendali.commands"):
        try:
            table = entry.load()
        except ImportError as exc:  # the plugin's package is not installed
            log.debug("kendali.commands: %s not loaded (%s)", entry.name, exc)
            continue
        commands.update(table.get("commands", {}))
        for group, subs in table.get("subcommands", {}).items():
            subcommands.setdefault(group, {}).update(subs)
    return commands, subcommands


class KendaliGroup(FlaskGroup):
    """A FlaskGroup whose commands are imported when used, not to list them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._plugin_commands, self._plugin_subcommands = _plugins()

    def _table(self) -> dict[str, tuple[str, str, str]]:
        return {**COMMANDS, **self._plugin_commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self._table(), *APP_COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, name: str):
        spec = self._table().get(name)
        if spec is None:
            return super().get_command(ctx, name)  # run, shell, routes, extensions' commands
        command = getattr(import_module(spec[0]), spec[1])
        for sub, (module, attr, *_help) in self._plugin_subcommands.get(name, {}).items():
            if isinstance(command, click.Group) and sub not in command.commands:
                command.add_command(getattr(import_module(module), attr), sub)
        return command

    def format_commands(self, ctx: click.Context, formatter) -> None:
        """The command list from the table: no command module is imported for ``--help``."""
        helps = {name: spec[2] for name, spec in self._table().items()}
        helps.update(APP_COMMANDS)
        helps.update({name: cmd.get_short_help_str(60) for name, cmd in self.commands.items()})
        with formatter.section("Commands"):
            formatter.write_dl(sorted(helps.items()))


#: Commands that need the whole web app (routes, socket handlers); the others start faster.
WEB_COMMANDS = {"serve", "routes", "run", "shell"}


def _make_app():
    """Build the app; outside ``kendali serve`` (no eventlet patch) sockets run threaded."""
    import sys

    from server import create_app

    patcher = sys.modules.get("eventlet.patcher")
    if patcher is not None and patcher.is_monkey_patched("socket"):
        return create_app()
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), "")
    return create_app({"ASYNC_MODE": "threading", "WEB": command in WEB_COMMANDS})


class _LazyAppCommands(AppGroup):
    """``app.cli`` with the commands of the table, imported when used (the extensions'
    commands already there are kept): ``app.test_cli_runner()`` runs them."""

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *COMMANDS, *_plugins()[0]})

    def get_command(self, ctx, name):
        found = super().get_command(ctx, name)
        if found is None and (name in COMMANDS or name in _plugins()[0]):
            found = KendaliGroup(name="kendali").get_command(ctx, name)
            self.add_command(found, name)
        return found


def register(app) -> None:
    """Make ``app.cli`` lazy (keeping what the extensions added to it)."""
    lazy = _LazyAppCommands(app.cli.name)
    lazy.commands.update(app.cli.commands)
    app.cli = lazy


cli = KendaliGroup(
    name="kendali",
    create_app=_make_app,
    help="Kendali: live map server of the social-affairs command center.",
)
