"""What a conditioned impact reads beyond the model's distances: where each area comes nearest
to the epicentre, the exposure sites, the felt list's feed, the impact stored before."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.queries.quakes import _box

_EPI = f"ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})"


def area_nearest(session: Session, lat: float, lon: float, radius_km: float) -> list:
    """Regencies and districts within ``radius_km``: (code, level, name, parent, population,
    distance km, lat, lon) with the area's point nearest to the epicentre, found on its
    subdivided parts (the one part nearest, then the nearest point on it)."""
    dlon, dlat = _box(lat, radius_km)
    return session.execute(
        text(
            f"""
            WITH epi AS (SELECT {_EPI} AS g),
            near AS (
                SELECT DISTINCT ON (p.code) p.code, p.geom,
                       ST_Distance(p.geom::geography, epi.g::geography) AS d
                  FROM area_parts p, epi
                 WHERE p.depth >= 2 AND p.geom && ST_Expand(epi.g, :dlon, :dlat)
                 ORDER BY p.code, d
            )
            SELECT a.code, a.level, a.name, a.parent_code, a.population, near.d / 1000.0,
                   ST_Y(c.pt), ST_X(c.pt)
              FROM near JOIN areas a ON a.code = near.code, epi,
                   LATERAL (SELECT ST_ClosestPoint(near.geom, epi.g) AS pt) c
             WHERE near.d <= :radius_m
            """
        ),
        {"lat": lat, "lon": lon, "dlon": dlon, "dlat": dlat, "radius_m": radius_km * 1000},
    ).all()


def area_point(session: Session, code: str, lat: float, lon: float) -> tuple | None:
    """(code, level, name, parent, population, distance km, lat, lon) of one area, with its
    point nearest to the epicentre."""
    return session.execute(
        text(
            f"""
            SELECT a.code, a.level, a.name, a.parent_code, a.population,
                   ST_Distance(a.geom::geography, {_EPI}::geography) / 1000,
                   ST_Y(ST_ClosestPoint(a.geom, {_EPI})), ST_X(ST_ClosestPoint(a.geom, {_EPI}))
              FROM areas a WHERE a.code = :code
            """
        ),
        {"code": code, "lat": lat, "lon": lon},
    ).first()


def exposure_sites(session: Session, lat: float, lon: float, radius_km: float) -> list:
    """(population, lat, lon) of every district's representative point within the radius;
    regencies instead where no district is loaded (as :func:`quakes.exposure_points`)."""
    dlon, dlat = _box(lat, radius_km)
    return session.execute(
        text(
            f"""
            SELECT a.population, ST_Y(a.point), ST_X(a.point) FROM areas a
             WHERE a.point && ST_Expand({_EPI}, :dlon, :dlat)
               AND a.population IS NOT NULL
               AND (a.depth = 3 OR (a.depth = 2 AND NOT EXISTS (
                    SELECT 1 FROM areas c WHERE c.parent_code = a.code)))
               AND ST_DWithin(a.point::geography, {_EPI}::geography, :radius_m)
            """
        ),
        {"lat": lat, "lon": lon, "dlon": dlon, "dlat": dlat, "radius_m": radius_km * 1000},
    ).all()


def felt_feed(session: Session, quake_id: int) -> str | None:
    """The feed of the quake's current felt list: the latest sighting that carried one (a
    sighting's list replaces the quake's when it differs; repeats are never re-applied)."""
    return session.execute(
        text(
            """
            SELECT source FROM quake_sightings
             WHERE quake_id = :q AND jsonb_array_length(coalesce(values->'felt', '[]')) > 0
             ORDER BY id DESC LIMIT 1
            """
        ),
        {"q": quake_id},
    ).scalar()


def stored_areas(session: Session, quake_id: int) -> dict[str, tuple[str, float]]:
    """code -> (level, mmi) of the impact stored for the quake (before a revision)."""
    rows = session.execute(
        text("SELECT code, level, mmi FROM quake_areas WHERE quake_id = :q"), {"q": quake_id}
    )
    return {code: (level, mmi) for code, level, mmi in rows}
