"""``/api/v1/quakes``: earthquakes as GeoJSON, with their impact; scoped per account."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from geo import geojson
from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import incidents as incident_queries
from server.queries import quakes as q
from server.services.quakes import summary
from server.web.openapi import BBOX
from server.web.openapi import FC
from server.web.openapi import FEATURE
from server.web.openapi import INT
from server.web.openapi import NUM
from server.web.openapi import TIME
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.query_args import bbox_arg
from server.web.query_args import number_arg
from server.web.query_args import time_arg

bp = Blueprint("api_quakes", __name__, url_prefix="/api/v1/quakes")
readers = auth.require("operator", "admin", "wall", "regional", "field")


@bp.get("")
@readers
def list_quakes():
    """Quakes, newest first: ``start``, ``end`` (ISO 8601), ``min_magnitude``, ``bbox``."""
    fields: dict[str, str] = {}
    start, end = time_arg("start", fields), time_arg("end", fields)
    min_mag, bbox = number_arg("min_magnitude", fields), bbox_arg(fields)
    try:
        limit = min(max(int(request.args.get("limit", 200)), 1), 2000)
    except ValueError:
        fields["limit"] = "an integer"
    if fields:
        raise ApiError("invalid parameters", fields)
    rows = q.scoped_quakes(
        get_session(),
        auth.current_scope(),
        start=start,
        end=end,
        min_magnitude=min_mag,
        bbox=bbox,
        limit=limit,
    )
    return jsonify(
        geojson.collection(
            [geojson.feature(geojson.point(r.lon, r.lat), summary(r), r.id) for r in rows]
        )
    )


@bp.get("/<int:quake_id>")
@readers
def get_quake(quake_id: int):
    """One quake with its impact: contours, affected areas (in scope), exposure."""
    session = get_session()
    scope = auth.current_scope()
    row = q.scoped_quake(session, scope, quake_id)
    if row is None:
        raise NotFound("no such quake")
    impact = q.impact_of(session, quake_id, scope)
    props = summary(row)
    props["felt"] = row.felt
    props["tsunami_text"] = row.tsunami_text
    props["areas"] = [
        {
            "code": a.code,
            "level": a.level,
            "name": a.name,
            "distance_km": a.distance_km,
            "predicted_mmi": a.predicted_mmi,
            "observed_mmi": a.observed_mmi,
            "mmi": a.mmi,
            "population": a.population,
            "tsunami_level": a.tsunami_level,
        }
        for a in impact["areas"]
    ]
    props["exposure"] = {str(m): p for m, p in impact["exposure"]}
    props["contours"] = geojson.collection(
        [
            geojson.feature(geom, {"mmi": mmi, "radius_km": round(r, 2)})
            for mmi, r, geom in impact["contours"]
        ]
    )
    props["revisions"] = [
        {
            "source": s.source,
            "first_seen_at": s.first_seen_at.isoformat(),
            "times_seen": s.times_seen,
            "changed": list(s.changed),
            "magnitude": s.values.get("magnitude"),
            "lat": s.values.get("lat"),
            "lon": s.values.get("lon"),
            "depth_km": s.values.get("depth_km"),
            "origin_time": s.values.get("origin_time"),
        }
        for s in q.sightings_of(session, quake_id)
    ]
    incident = incident_queries.incident_for_quake(session, quake_id)
    props["incident_id"] = incident.id if incident else None
    return jsonify(geojson.feature(geojson.point(row.lon, row.lat), props, row.id))


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/quakes": {"get": op("Quakes in scope, newest first (GeoJSON)", "quakes", ok(FC), [
        query("start", TIME), query("end", TIME), query("min_magnitude", NUM),
        query("bbox", BBOX), query("limit", INT)])},
    "/api/v1/quakes/{quake_id}": {"get": op(
        "One quake with contours, areas, exposure and revisions", "quakes", ok(FEATURE),
        [path_param("quake_id")])},
}
