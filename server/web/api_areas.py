"""``/api/v1/areas``: point-to-area lookup."""

from __future__ import annotations

import math
import re

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import areas as q
from server.web.openapi import AREA_REF
from server.web.openapi import N_NUM
from server.web.openapi import N_STR
from server.web.openapi import STR
from server.web.openapi import arr
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


_LEVELS = {"province": 1, "regency": 2, "district": 3}
#: Written before a district's name in addresses; the areas table has the bare name.
_DISTRICT_PREFIX = re.compile(r"^\s*(kec\.?|kecamatan)\s+", re.I)


@bp.get("/search")
@auth.require("operator", "admin", "regional", "wall")
def search():
    """Areas by name (``q``, 2-100 characters; ``level`` province, regency or district, or
    several comma-separated): to place a complaint by a district's name."""
    fields: dict[str, str] = {}
    raw = _DISTRICT_PREFIX.sub("", request.args.get("q") or "").strip()
    if not 2 <= len(raw) <= 100:
        fields["q"] = "2 to 100 characters of an area's name"
    levels = [v for v in (request.args.get("level") or "district").split(",") if v]
    if not levels or any(v not in _LEVELS for v in levels):
        fields["level"] = "province, regency or district (comma-separated)"
    if fields:
        raise ApiError("invalid parameters", fields)
    found = q.search(get_session(), raw, sorted(_LEVELS[v] for v in levels))
    return jsonify({"areas": found})


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/areas/lookup": {"get": op(
        "Province, regency and district of a point", "areas",
        ok(obj(("province", "regency", "district"), province=AREA_REF, regency=AREA_REF,
               district=AREA_REF, offshore_km=N_NUM)),
        [query("lat", {"type": "number", "minimum": -90, "maximum": 90}, required=True),
         query("lon", {"type": "number", "minimum": -180, "maximum": 180}, required=True)],
        public=True)},
    "/api/v1/areas/search": {"get": op(
        "Areas by name (a district typed in the unplaced queue)", "areas",
        ok(obj(("areas",), areas=arr(obj(("code", "name", "level"), code=STR, name=STR,
                                         level=STR, regency=N_STR, province=STR)))),
        [query("q", {"type": "string", "minLength": 2, "maxLength": 100}, required=True),
         query("level", STR, "province, regency or district (default), comma-separated")])},
}
