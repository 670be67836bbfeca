"""The ``kendali`` command: a Flask CLI group built on the app factory.

``main`` is the console-script entry point. For ``kendali serve`` it monkey-patches eventlet
(through ``server.wsgi``) before anything else is imported, so the rest of the process runs
cooperatively; every other command runs plain.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``kendali`` console script."""
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        import server.wsgi  # noqa: F401 - patches eventlet first; see server/wsgi.py
    from server.commands import cli
    from server.platform.settings import SettingsError

    try:
        cli(prog_name="kendali")
    except SettingsError as exc:  # one line naming the variable, the value, what is allowed
        print(f"kendali: bad setting: {exc}", file=sys.stderr)
        sys.exit(2)
