"""``/api/v1/map``: what the map pages draw, aggregated by the server for the viewport.

Complaints and responders never reach the browser one by one at low zoom: provinces (zoom ≤ 5:
a national view holds 38 bubbles, not 514 overlapping ones), regencies (6), districts (7–9),
then grid clusters, and single points only once few enough are in view. ``level`` asks for one
aggregation level whatever the zoom (the wall shades regencies at a national zoom).
Counts are exact (they add up to what is in view). Area outlines, Kendali's own offline base
layer, are simplified for the zoom and cached.
"""

from __future__ import annotations

import gzip
import json
import math
import time

from flask import Blueprint
from flask import Response
from flask import request

from geo import geojson
from server.auth import request as auth
from server.auth.scope import CHANNELS
from server.errors import ApiError
from server.platform.db import get_session
from server.queries import map as q
from server.web.openapi import FC
from server.web.openapi import MAP_FC
from server.web.openapi import MAP_VIEW
from server.web.openapi import STR
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import query
from server.web.query_args import bbox_arg

bp = Blueprint("api_map", __name__, url_prefix="/api/v1/map")
viewers = auth.require("operator", "admin", "wall", "regional")

POINT_LIMIT = 1500
#: Simplified outlines per (level, zoom, scope): boundaries change only when loaded again.
_SHAPES: dict[tuple, tuple[float, dict]] = {}
SHAPES_TTL_S = 600.0
LEVEL_DEPTH = {"province": 1, "regency": 2, "district": 3}
INDONESIA = (94.0, -11.5, 141.5, 6.5)


def _zoom(fields: dict) -> int:
    try:
        zoom = int(request.args.get("zoom", 5))
    except ValueError:
        fields["zoom"] = "an integer 0-20"
        return 5
    if not 0 <= zoom <= 20:
        fields["zoom"] = "an integer 0-20"
    return min(max(zoom, 0), 20)


def _json(body: dict, max_age: int = 0) -> Response:
    """JSON, gzipped when the client accepts it (the wall's national view is then tiny)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    res = Response(data, mimetype="application/json")
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(data) > 1024:
        res.set_data(gzip.compress(data, 5))
        res.headers["Content-Encoding"] = "gzip"
        res.headers["Vary"] = "Accept-Encoding"
    if max_age:
        res.headers["Cache-Control"] = f"private, max-age={max_age}"
    return res


def _degrees_per_pixel(zoom: int) -> float:
    return 360.0 / (256 * 2 ** zoom)


@bp.get("/areas")
@viewers
def areas():
    """Simplified outlines of one level for a zoom (the offline base layer)."""
    fields: dict[str, str] = {}
    level = request.args.get("level", "regency")
    if level not in LEVEL_DEPTH:
        fields["level"] = "province, regency or district"
    zoom = _zoom(fields)
    bbox = bbox_arg(fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    scope = auth.current_scope()
    key = (level, zoom, scope.national, scope.region, bbox)
    cached = _SHAPES.get(key)
    if cached is None or time.monotonic() - cached[0] > SHAPES_TTL_S:
        tolerance = _degrees_per_pixel(zoom) * 0.75
        digits = max(2, min(6, int(math.ceil(-math.log10(tolerance))) + 1))
        rows = q.area_shapes(get_session(), scope, LEVEL_DEPTH[level], tolerance, digits, bbox)
        features = [geojson.feature(json.loads(g), {"code": code, "name": name,
                                                    "level": level}, code)
                    for code, name, g in rows]
        if len(_SHAPES) > 256:
            _SHAPES.clear()
        cached = _SHAPES[key] = (time.monotonic(), geojson.collection(features))
    return _json(cached[1], max_age=3600)


def _filters(fields: dict) -> dict:
    status = request.args.get("status", "all")
    channel = request.args.get("channel") or None
    category = request.args.get("category") or None
    if len(status) > 20:
        fields["status"] = "open, overdue, all or a status"
    if channel and channel not in CHANNELS:
        fields["channel"] = f"one of {', '.join(CHANNELS)}"
    if category and len(category) > 64:
        fields["category"] = "too long"
    return {"status": status, "channel": channel, "category": category}


def _group_key(level: str, code: str, regency: str) -> str:
    return regency[:2] if level == "province" else regency if level == "regency" else code


def _level(zoom: int, fields: dict) -> str:
    """The aggregation level: asked for (``level``), else by zoom."""
    asked = request.args.get("level")
    if asked:
        if asked not in ("province", "regency", "district"):
            fields["level"] = "province, regency or district"
        return asked
    return "province" if zoom <= 5 else "regency" if zoom == 6 else "district"


def _area_features(rows, level: str, points: dict) -> list[dict]:
    groups: dict[str, list] = {}
    for code, regency, lon, lat, n, open_, overdue in rows:
        key = _group_key(level, code, regency)
        g = groups.setdefault(key, [0, 0, 0, 0.0, 0.0])
        g[0] += int(n)
        g[1] += int(open_)
        g[2] += int(overdue)
        g[3] += float(lon) * int(n)
        g[4] += float(lat) * int(n)
    out = []
    for key, (n, open_, overdue, slon, slat) in sorted(groups.items()):
        lon, lat, name = points.get(key, (slon / n, slat / n, key))
        out.append(geojson.feature(geojson.point(lon, lat), {
            "key": key, "code": key, "name": name, "count": n, "open": open_,
            "overdue": overdue}))
    return out


@bp.get("/complaints")
@viewers
def complaints():
    """Complaints in the viewport, aggregated for the zoom; counts add up to ``total``."""
    fields: dict[str, str] = {}
    bbox, zoom, filters = (bbox_arg(fields) or INDONESIA), _zoom(fields), _filters(fields)
    level = _level(zoom, fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    session, scope = get_session(), auth.current_scope()
    if zoom <= 9 or "level" in request.args:
        rows = q.complaint_districts(session, scope, bbox, **filters)
        keys = {_group_key(level, r[0], r[1]) for r in rows}
        features = _area_features(rows, level, q.area_points(session, sorted(keys)))
    else:
        points = q.complaint_points(session, scope, bbox, POINT_LIMIT, **filters)
        if len(points) <= POINT_LIMIT:
            level = "point"
            features = [geojson.feature(geojson.point(lon, lat), {
                "key": str(cid), "id": cid, "count": 1, "status": status, "category": category,
                "channel": channel, "open": 0 if status in q.CLOSED else 1,
                "overdue": int(bool(overdue))}, cid)
                for cid, lon, lat, status, category, channel, overdue in points]
        else:
            level = "cluster"
            cell = _degrees_per_pixel(zoom) * 60
            features = [geojson.feature(geojson.point(lon, lat), {
                "key": f"{lon:.4f},{lat:.4f}", "count": n, "open": o, "overdue": od})
                for lon, lat, n, o, od in q.complaint_clusters(session, scope, bbox, cell,
                                                               **filters)]
    total = sum(f["properties"]["count"] for f in features)
    return _json({"type": "FeatureCollection", "level": level, "zoom": zoom, "total": total,
                  "features": features})


@bp.get("/responders")
@viewers
def responders():
    """Responders in the viewport: grouped by regency/district, single ones when zoomed in."""
    fields: dict[str, str] = {}
    bbox, zoom = (bbox_arg(fields) or INDONESIA), _zoom(fields)
    level = _level(zoom, fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    session, scope = get_session(), auth.current_scope()
    if zoom >= 10 and "level" not in request.args:
        rows = q.responder_points(session, scope, bbox, POINT_LIMIT)
        if len(rows) <= POINT_LIMIT:
            features = [geojson.feature(geojson.point(lon, lat), {
                "key": str(rid), "id": rid, "count": 1, "type": kind, "name": name,
                "availability": availability,
                "available": int(availability == "on_duty"), "busy": int(availability == "busy")},
                rid) for rid, lon, lat, kind, name, availability in rows]
            return _json({"type": "FeatureCollection", "level": "point", "zoom": zoom,
                          "total": len(features), "features": features})
    rows = q.responder_groups(session, scope, bbox, level)
    features = [geojson.feature(geojson.point(lon, lat), {
        "key": code, "code": code, "count": n, "available": a, "busy": b})
        for code, lon, lat, n, a, b in rows if code]
    return _json({"type": "FeatureCollection", "level": level, "zoom": zoom,
                  "total": sum(f["properties"]["count"] for f in features),
                  "features": features})


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_LEVEL = query("level", {"type": "string", "enum": ["province", "regency", "district"]},
               "one aggregation level whatever the zoom")
OPENAPI = {
    "/api/v1/map/areas": {"get": op("Simplified outlines of one level", "map", ok(FC), [
        query("level", {"type": "string", "enum": ["province", "regency", "district"]}),
        *MAP_VIEW])},
    "/api/v1/map/complaints": {"get": op("Complaints aggregated for the view", "map",
                                         ok(MAP_FC), MAP_VIEW + [
                                             query("status", STR), query("channel", STR),
                                             query("category", STR), _LEVEL])},
    "/api/v1/map/responders": {"get": op("Responders aggregated for the view", "map",
                                         ok(MAP_FC), MAP_VIEW + [_LEVEL])},
}
