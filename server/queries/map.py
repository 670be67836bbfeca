"""Viewport aggregation for the map: exact counts, small payloads.

Complaints are counted per district from ``complaint_map_counts`` (kept exact by triggers)
for districts that lie wholly in the viewport (with a 25 km margin for points placed just
offshore), and from the complaints themselves, with the viewport test, for districts on its
edge. The sum of the counts is therefore exactly the number of complaints in view.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.workflow import CLOSED

_CLOSED = "('" + "', '".join(sorted(CLOSED)) + "')"

__all__ = ["CLOSED"]


def _filters(alias: str, status: str | None, channel: str | None, category: str | None,
             params: dict) -> str:
    parts = []
    if status == "open":
        parts.append(f"{alias}.status NOT IN {_CLOSED}")
    elif status == "overdue":
        parts.append(f"{alias}.overdue")
    elif status and status != "all":
        parts.append(f"{alias}.status = :status")
        params["status"] = status
    if channel:
        parts.append(f"{alias}.channel = :channel")
        params["channel"] = channel
    if category:
        parts.append(f"{alias}.category = :category")
        params["category"] = category
    return " AND ".join(parts) or "true"


def _scope_sql(region: str | None, national: bool, column: str, params: dict) -> str:
    if national:
        return "true"
    if not region:
        return "false"
    params["region"], params["region_like"] = region, region + ".%"
    return f"({column} = :region OR {column} LIKE :region_like)"


_INSIDE_FILTERED = """
            SELECT d.code, d.regency_code, d.lon, d.lat, sum(m.n) AS n,
                   coalesce(sum(m.n) FILTER (WHERE m.status NOT IN {closed}), 0) AS open,
                   coalesce(sum(m.n) FILTER (WHERE m.overdue), 0) AS overdue
              FROM complaint_map_counts m JOIN dist d ON d.code = m.district_code AND d.inside
             WHERE m.n > 0 AND {where_m}
             GROUP BY d.code, d.regency_code, d.lon, d.lat"""

_INSIDE_TOTALS = """
            SELECT d.code, d.regency_code, d.lon, d.lat, t.n, t.open, t.overdue
              FROM complaint_district_totals t JOIN dist d ON d.code = t.district_code
                   AND d.inside"""


def complaint_districts(session: Session, scope, bbox, status=None, channel=None,
                        category=None) -> list[tuple]:
    """Per district in view: (code, regency, lon, lat, count, open, overdue)."""
    params = {"x1": bbox[0], "y1": bbox[1], "x2": bbox[2], "y2": bbox[3]}
    where_m = _filters("m", status, channel, category, params)
    where_c = _filters("c", status, channel, category, params)
    in_scope = _scope_sql(scope.region, scope.national, "a.code", params)
    inside = _INSIDE_FILTERED.format(where_m=where_m, closed=_CLOSED)
    if not channel and not category and status in (None, "all"):
        # One row per district (complaint_district_totals): the wall's view, at any size.
        inside = _INSIDE_TOTALS
    sql = f"""
        WITH box AS (SELECT ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84}) AS g),
        dist AS (
            SELECT a.code, a.regency_code, ST_X(a.point) AS lon, ST_Y(a.point) AS lat,
                   ST_Expand(a.geom_simple, 0.25) @ box.g AS inside
              FROM areas a, box
             WHERE a.depth = 3 AND a.geom_simple && ST_Expand(box.g, 0.25) AND {in_scope}
        ),
        inside AS ({inside}),
        edge AS (
            SELECT d.code, d.regency_code, avg(ST_X(c.geom)) AS lon, avg(ST_Y(c.geom)) AS lat,
                   count(*) AS n,
                   count(*) FILTER (WHERE c.status NOT IN {_CLOSED}) AS open,
                   count(*) FILTER (WHERE c.overdue) AS overdue
              FROM dist d JOIN complaints c ON c.district_code = d.code, box
             WHERE NOT d.inside AND c.geom && box.g AND {where_c}
             GROUP BY d.code, d.regency_code
        )
        SELECT code, regency_code, lon, lat, n, open, overdue FROM inside WHERE n > 0
        UNION ALL
        SELECT code, regency_code, lon, lat, n, open, overdue FROM edge
    """
    return session.execute(text(sql), params).all()


def complaint_points(session: Session, scope, bbox, limit: int, status=None, channel=None,
                     category=None) -> list[tuple]:
    """Single complaints in view (public geometry only): (id, lon, lat, status, category,
    channel, overdue); at most ``limit`` + 1 rows (the caller clusters beyond)."""
    params = {"x1": bbox[0], "y1": bbox[1], "x2": bbox[2], "y2": bbox[3], "limit": limit + 1}
    where_c = _filters("c", status, channel, category, params)
    in_scope = _scope_sql(scope.region, scope.national, "c.district_code", params)
    return session.execute(text(f"""
        SELECT c.id, ST_X(c.geom), ST_Y(c.geom), c.status, c.category, c.channel, c.overdue
          FROM complaints c
         WHERE c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84})
           AND c.district_code IS NOT NULL AND {in_scope} AND {where_c}
         ORDER BY c.id DESC LIMIT :limit
    """), params).all()


def complaint_clusters(session: Session, scope, bbox, cell: float, status=None, channel=None,
                       category=None) -> list[tuple]:
    """Grid clusters of the complaints in view: (lon, lat, count, open, overdue)."""
    params = {"x1": bbox[0], "y1": bbox[1], "x2": bbox[2], "y2": bbox[3], "cell": cell}
    where_c = _filters("c", status, channel, category, params)
    in_scope = _scope_sql(scope.region, scope.national, "c.district_code", params)
    return session.execute(text(f"""
        SELECT avg(ST_X(c.geom)), avg(ST_Y(c.geom)), count(*),
               count(*) FILTER (WHERE c.status NOT IN {_CLOSED}),
               count(*) FILTER (WHERE c.overdue)
          FROM complaints c
         WHERE c.geom && ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84})
           AND c.district_code IS NOT NULL AND {in_scope} AND {where_c}
         GROUP BY ST_SnapToGrid(c.geom, :cell)
    """), params).all()


def area_points(session: Session, codes: list[str]) -> dict[str, tuple[float, float, str]]:
    rows = session.execute(text(
        "SELECT code, ST_X(point), ST_Y(point), name FROM areas WHERE code = ANY(:c)"),
        {"c": codes}).all()
    return {code: (lon, lat, name) for code, lon, lat, name in rows}


def area_shapes(session: Session, scope, depth: int, tolerance: float, digits: int,
                bbox=None) -> list[tuple]:
    """(code, name, GeoJSON) of simplified area polygons of one level, in scope."""
    params = {"depth": depth, "tol": tolerance, "digits": digits}
    in_scope = _scope_sql(scope.region, scope.national, "a.code", params)
    box = ""
    if bbox:
        params.update(x1=bbox[0], y1=bbox[1], x2=bbox[2], y2=bbox[3])
        box = f"AND a.geom_simple && ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84})"
    # Islets smaller than a few pixels are dropped (thousands of them weigh more than the
    # mainland outlines), but an area always keeps its largest part.
    params["min_area"] = (3 * tolerance) ** 2
    return session.execute(text(f"""
        SELECT a.code, a.name,
               ST_AsGeoJSON(ST_SimplifyPreserveTopology(coalesce(
                   (SELECT ST_Multi(ST_Collect(d.geom)) FROM ST_Dump(a.geom_simple) d
                     WHERE ST_Area(d.geom) >= :min_area),
                   (SELECT d.geom FROM ST_Dump(a.geom_simple) d
                     ORDER BY ST_Area(d.geom) DESC LIMIT 1)), :tol), :digits)
          FROM areas a
         WHERE a.depth = :depth AND {in_scope} {box}
         ORDER BY a.code
    """), params).all()


def responder_groups(session: Session, scope, bbox, by: str) -> list[tuple]:
    """Responders in view grouped by province, regency or district: (code, lon, lat, count,
    available, busy); placed at the group's average position."""
    params = {"x1": bbox[0], "y1": bbox[1], "x2": bbox[2], "y2": bbox[3]}
    column = {"province": "r.province_code", "regency": "r.regency_code"}.get(
        by, "r.district_code")
    in_scope = _scope_sql(scope.region, scope.national, "r.district_code", params)
    return session.execute(text(f"""
        SELECT {column}, avg(ST_X(r.loc::geometry)), avg(ST_Y(r.loc::geometry)), count(*),
               count(*) FILTER (WHERE r.availability = 'on_duty'),
               count(*) FILTER (WHERE r.availability = 'busy')
          FROM responders r
         WHERE r.active AND r.loc::geometry && ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84})
           AND {in_scope}
         GROUP BY {column}
    """), params).all()


def responder_points(session: Session, scope, bbox, limit: int) -> list[tuple]:
    params = {"x1": bbox[0], "y1": bbox[1], "x2": bbox[2], "y2": bbox[3], "limit": limit + 1}
    in_scope = _scope_sql(scope.region, scope.national, "r.district_code", params)
    return session.execute(text(f"""
        SELECT r.id, ST_X(r.loc::geometry), ST_Y(r.loc::geometry), r.type, r.name,
               r.availability
          FROM responders r
         WHERE r.active AND r.loc::geometry && ST_MakeEnvelope(:x1, :y1, :x2, :y2, {WGS84})
           AND {in_scope}
         LIMIT :limit
    """), params).all()
