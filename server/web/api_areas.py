"""``/api/v1/areas``: point-to-area lookup."""

from __future__ import annotations

import math

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import areas as q
from server.web.openapi import AREA_REF
from server.web.openapi import N_NUM
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import query

bp = Blueprint("api_areas", __name__, url_prefix="/api/v1/areas")


def _coordinate(name: str, low: float, high: float, fields: dict[str, str]) -> float | None:
    raw = request.args.get(name)
    if raw is None or raw.strip() == "":
        fields[name] = "required"
        return None
    try:
        value = float(raw)
    except ValueError:
        fields[name] = "not a number"
        return None
    if not math.isfinite(value):
        fields[name] = "not a finite number"
    elif not low <= value <= high:
        fields[name] = f"out of range ({low:g} to {high:g})"
    else:
        return value
    return None


@bp.get("/lookup")
def lookup():
    """Which province, regency and district contain (lat, lon)."""
    fields: dict[str, str] = {}
    lat = _coordinate("lat", -90.0, 90.0, fields)
    lon = _coordinate("lon", -180.0, 180.0, fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    margin = current_app.config["LOOKUP_COAST_MARGIN_KM"]
    placement = q.lookup(get_session(), lat, lon, margin)
    if placement is None:
        raise NotFound(
            f"no Indonesian area at or within {margin:g} km of this point",
            {"lat": "outside Indonesia", "lon": "outside Indonesia"},
        )
    return jsonify(placement.as_dict())


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/areas/lookup": {"get": op(
        "Province, regency and district of a point", "areas",
        ok(obj(("province", "regency", "district"), province=AREA_REF, regency=AREA_REF,
               district=AREA_REF, offshore_km=N_NUM)),
        [query("lat", {"type": "number", "minimum": -90, "maximum": 90}, required=True),
         query("lon", {"type": "number", "minimum": -180, "maximum": 180}, required=True)],
        public=True)},
}
