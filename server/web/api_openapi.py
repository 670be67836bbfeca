"""``/api/v1/openapi.json``: the OpenAPI 3 description (public: it holds no data)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify

from server.web import openapi
from server.web.links import base_url
from server.web.openapi import OBJ
from server.web.openapi import ok
from server.web.openapi import op

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")


def paths() -> dict:
    """Every described path: each view module's ``OPENAPI``, in the order of the API."""
    from server.web import api_admin
    from server.web import api_alerts
    from server.web import api_areas
    from server.web import api_auth
    from server.web import api_candidates
    from server.web import api_channels
    from server.web import api_complaints
    from server.web import api_events
    from server.web import api_exports
    from server.web import api_incidents
    from server.web import api_map
    from server.web import api_me
    from server.web import api_push
    from server.web import api_quakes
    from server.web import api_reports
    from server.web import api_responders
    from server.web import api_units
    from server.web import api_warnings
    from server.web import ogc

    out: dict = {}
    for module in (api_auth, api_admin, api_areas, api_channels, api_complaints, api_events,
                   api_incidents, api_responders, api_reports, api_me, api_push, api_map,
                   api_quakes, api_alerts, api_warnings, api_exports, api_units,
                   api_candidates, ogc):
        out.update(module.OPENAPI)
    out.update(OPENAPI)
    return out


@bp.get("/openapi.json")
def description():
    res = jsonify(openapi.document(base_url(), paths()))
    res.headers["Cache-Control"] = "no-cache"
    return res


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/openapi.json": {"get": op("This description", "meta", ok(OBJ), public=True)},
}
