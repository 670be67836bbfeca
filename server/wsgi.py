"""WSGI entry point (``gunicorn -k eventlet -w 1 server.wsgi:app``).

The only place that monkey-patches eventlet: it must run before any other import, with no
arguments (any keyword means "patch only these", which breaks sockets).
"""

import warnings

# The design fixes eventlet (docs/architecture.md); its deprecation notice, printed at every
# start, says nothing an operator can act on.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

# GDAL and PROJ (GeoPackage exports) hold per-thread state: loaded for the first time inside a
# request's green thread, PROJ crashed the process (a general protection fault in libproj).
# A server loads them here, in the main thread; the CLI loads them only when a command needs
# them, so light commands start fast.
import geopandas  # noqa: E402, F401
import pyogrio  # noqa: E402, F401

from server import create_app  # noqa: E402


def __getattr__(name):
    # ``app`` is built on first access, so ``kendali serve`` can import this module only to patch.
    if name == "app":
        global app
        from server.jobs import loops
        from server.platform import runtime
        from server.platform.settings import SettingsError

        try:
            app = create_app()
        except SettingsError as exc:  # one line for the operator, not a traceback
            raise SystemExit(f"kendali: bad setting: {exc}") from None
        loops.start(app)
        runtime.tune_gc()
        runtime.raise_nofile()  # gunicorn's --worker-connections sets the connection limit
        return app
    raise AttributeError(name)
