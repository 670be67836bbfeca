"""``/api/v1/quakes``: earthquakes as GeoJSON, with their impact; scoped per account."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import jsonify
from flask import request

from geo import geojson
from server import auth
from server.db import get_session
from server.errors import ApiError
from server.errors import NotFound
from server.queries import dispatch as dispatch_queries
from server.queries import quakes as q
from server.services.quakes import summary

bp = Blueprint("api_quakes", __name__, url_prefix="/api/v1/quakes")
readers = auth.require("operator", "admin", "wall", "regional", "field")


def _time(name: str, fields: dict) -> datetime | None:
    """An ISO 8601 date or time; without a zone it is taken as UTC."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        fields[name] = "ISO 8601 date or time"
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bbox(fields: dict) -> list[float] | None:
    raw = request.args.get("bbox")
    if not raw:
        return None
    try:
        box = [float(v) for v in raw.split(",")]
    except ValueError:
        box = []
    if len(box) != 4 or not (-180 <= box[0] < box[2] <= 180 and -90 <= box[1] < box[3] <= 90):
        fields["bbox"] = "minLon,minLat,maxLon,maxLat"
        return None
    return box


def _float(name: str, fields: dict) -> float | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        fields[name] = "a number"
        return None


@bp.get("")
@readers
def list_quakes():
    """Quakes, newest first: ``start``, ``end`` (ISO 8601), ``min_magnitude``, ``bbox``."""
    fields: dict[str, str] = {}
    start, end = _time("start", fields), _time("end", fields)
    min_mag, bbox = _float("min_magnitude", fields), _bbox(fields)
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
    incident = dispatch_queries.incident_for_quake(session, quake_id)
    props["incident_id"] = incident.id if incident else None
    return jsonify(geojson.feature(geojson.point(row.lon, row.lat), props, row.id))
