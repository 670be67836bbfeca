"""Structural rules the import contracts cannot express (see [tool.importlinter])."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRID = re.compile(r"(?<![0-9])4326(?![0-9])")


def _product_files():
    for package in ("server", "geo", "tools"):
        yield from (ROOT / package).rglob("*.py")


def test_only_geo_crs_and_the_migrations_name_the_srid():
    offenders = []
    for path in _product_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "geo/crs.py" or rel.startswith("server/platform/migrations/"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if SRID.search(line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert not offenders, "use geo.crs.WGS84 instead of 4326:\n" + "\n".join(offenders)


def test_server_has_few_top_level_modules():
    """Runtime roles live in sub-packages (platform, auth, realtime, jobs, web, ...)."""
    modules = sorted(p.name for p in (ROOT / "server").glob("*.py"))
    assert modules == ["__init__.py", "app.py", "cli.py", "errors.py", "extensions.py",
                       "wsgi.py"]


def test_every_event_name_is_defined_once():
    """Event names are defined only in server/realtime/events.py: no other module defines a
    constant for one, and the pages' scripts take them from the server (``K.ev``)."""
    names = set(re.findall(r'^[A-Z_]+ = "([a-z_]+\.[a-z_]+)"',
                           (ROOT / "server/realtime/events.py").read_text(), re.M))
    offenders = []
    for path in _product_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "server/realtime/events.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.match(r'\s*[A-Z_]+ = "[a-z_]+\.[a-z_]+"', line):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    for path in (ROOT / "static/js").glob("*.js"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.strip()
            if code.startswith(("*", "/*", "//")):
                continue
            offenders += [f"{path.name}:{number}: {code}" for n in names if f"'{n}'" in code]
    assert not offenders, "use server.realtime.events:\n" + "\n".join(offenders)


def test_the_command_table_matches_the_commands():
    """``kendali --help`` lists commands from a table without importing them: every entry
    must name a real command."""
    import click

    from server.commands import COMMANDS
    from server.commands import KendaliGroup

    group = KendaliGroup(name="kendali")
    for name in COMMANDS:
        command = group.get_command(None, name)
        assert isinstance(command, click.Command), name
    assert isinstance(group.get_command(None, "bench"), click.Group)  # a tools plugin
    assert "replay" in group.get_command(None, "bmkg").commands
