"""Front-end bundles (Flask-Assets), and Leaflet's stylesheet and images.

One JavaScript and one CSS bundle per page, minified with rjsmin / rcssmin into ``static/gen/``
(git-ignored): built on first use, or ahead of time with ``kendali assets build`` (the Docker
image does that). Leaflet comes from the ``XStatic-Leaflet`` package on PyPI, read from where
pip put it; its stylesheet and images are served as they are under ``/vendor/leaflet/`` (the
stylesheet names its images relatively). The Socket.IO client is the file vendored in
``static/vendor/socket.io`` (version and licence in its README). Nothing comes from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet
from flask import Blueprint
from flask import Flask
from flask import send_from_directory
from flask_assets import Bundle
from flask_assets import Environment

LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)
LEAFLET_VERSION = xstatic_leaflet.VERSION
SOCKET_IO = "vendor/socket.io/socket.io.min.js"

# Not named "vendor": Flask-Assets would read "vendor/..." sources as this blueprint's.
bp = Blueprint("third_party", __name__)


@bp.get("/vendor/leaflet/<path:filename>")
def leaflet_file(filename: str):
    """Leaflet's own stylesheet and marker/layer images (only those: no source maps, no JS)."""
    if not (filename == "leaflet.css" or filename.startswith("images/")):
        return ("not found", 404)
    return send_from_directory(LEAFLET_DIR, filename, max_age=86400)


def _ours(*names: str, filters: str, output: str | None = None) -> Bundle:
    return Bundle(*names, filters=filters, output=output)


def bundles() -> dict[str, Bundle]:
    """The bundles by name; templates include them with ``{% assets "wall_js" %}``."""
    leaflet = Bundle(str(LEAFLET_DIR / "leaflet.js"))  # already minified upstream
    shared = ("js/i18n.js", "js/util.js", "js/live.js")
    mapping = ("js/map.js", "js/timeline.js", "js/feed.js")
    # What the wall and the office share: which quake matters, the alert, errors in words.
    screens = ("js/quakes.js", "js/alert.js", "js/errors.js")
    # The office: its core (office.js) last; each panel in its own file before it.
    office = ("js/office_draw.js", "js/office_quake.js", "js/office_detail.js", "js/reports.js",
              "js/office_incidents.js", "js/office_unplaced.js", "js/warnings.js", "js/office.js")
    css = ("css/base.css", "css/page.css")
    return {
        "wall_js": Bundle(
            leaflet,
            SOCKET_IO,
            _ours(*shared, *mapping, *screens, "js/wall_lanes.js", "js/wall_quake.js",
                  "js/wall_incidents.js", "js/warnings.js", "js/wall.js", filters="rjsmin"),
            output="gen/wall.js",
        ),
        "office_js": Bundle(
            leaflet,
            SOCKET_IO,
            _ours(*shared, *mapping, *screens, *office, filters="rjsmin"),
            output="gen/office.js",
        ),
        # The tablet's map draws from data it keeps (no base tiles unless configured).
        "field_js": Bundle(
            leaflet,
            SOCKET_IO,
            _ours(*shared, "js/field_map.js", "js/field_store.js", "js/field_report.js",
                  "js/field_push.js", "js/field_standby.js", "js/field.js", filters="rjsmin"),
            output="gen/field.js",
        ),
        "wall_css": _ours(
            *css, "css/map.css", "css/warnings.css", "css/wall.css", filters="rcssmin",
            output="gen/wall.css"
        ),
        "office_css": _ours(
            *css, "css/map.css", "css/warnings.css", "css/office.css", filters="rcssmin",
            output="gen/office.css"
        ),
        "field_css": _ours(*css, "css/field.css", filters="rcssmin", output="gen/field.css"),
        "admin_js": _ours(*shared[:2], "js/errors.js", "js/admin.js", filters="rjsmin",
                          output="gen/admin.js"),
        "admin_css": _ours(*css, "css/admin.css", filters="rcssmin", output="gen/admin.css"),
    }


def register(app: Flask) -> Environment:
    """Bind a Flask-Assets environment with Kendali's bundles to ``app``."""
    cache = Path(app.static_folder or "static") / "gen" / ".webassets-cache"
    try:
        cache.mkdir(parents=True, exist_ok=True)
        app.config.setdefault("ASSETS_CACHE", str(cache))
    except OSError:  # a read-only image built ahead of time needs no cache
        app.config.setdefault("ASSETS_CACHE", False)
    app.config.setdefault("ASSETS_AUTO_BUILD", True)
    env = Environment(app)
    for name, bundle in bundles().items():
        env.register(name, bundle)
    app.extensions["kendali_assets"] = env
    app.register_blueprint(bp)
    return env
