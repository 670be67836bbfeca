"""Earthquakes: association candidates, impact geometry in PostGIS, scoped reads."""

from __future__ import annotations

import math
from datetime import datetime
from datetime import timedelta

from sqlalchemy import ColumnElement
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import true
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.quake import Solution
from server.models import ContourRow
from server.models import ExposureRow
from server.models import IncidentRow
from server.models import QuakeAreaRow
from server.models import QuakeRow
from server.models import SightingRow


def candidates(
    session: Session, origin_time: datetime, seconds: float
) -> list[tuple[int, Solution]]:
    """Quakes whose origin time lies within ``seconds`` of ``origin_time`` (row-locked)."""
    rows = session.scalars(
        select(QuakeRow)
        .where(
            QuakeRow.origin_time.between(
                origin_time - timedelta(seconds=seconds), origin_time + timedelta(seconds=seconds)
            )
        )
        .with_for_update()
    )
    return [(r.id, Solution(r.origin_time, r.lat, r.lon, r.depth_km, r.magnitude)) for r in rows]


def point_wkt(lat: float, lon: float) -> str:
    return f"SRID={WGS84};POINT({lon} {lat})"


def seen_before(session: Session, quake_id: int, fingerprint: str, now: datetime) -> bool:
    """True (and the repeat counted) when this exact sighting is already recorded."""
    existing = session.scalars(
        select(SightingRow).where(
            SightingRow.quake_id == quake_id, SightingRow.fingerprint == fingerprint
        )
    ).first()
    if existing is None:
        return False
    existing.times_seen += 1
    existing.last_seen_at = now
    return True


def record_sighting(
    session: Session,
    quake_id: int,
    source: str,
    fingerprint: str,
    values: dict,
    changed: list[str],
    now: datetime,
) -> None:
    """Store a sighting; a repeat only bumps its count (see :func:`seen_before`)."""
    if seen_before(session, quake_id, fingerprint, now):
        return
    session.add(
        SightingRow(
            quake_id=quake_id,
            source=source,
            fingerprint=fingerprint,
            values=values,
            changed=changed,
            first_seen_at=now,
            last_seen_at=now,
        )
    )
    session.flush()


def _box(lat: float, radius_km: float) -> tuple[float, float]:
    """Degrees of longitude and latitude that cover ``radius_km`` around latitude ``lat``."""
    dlat = radius_km / 110.57 + 0.01
    dlon = radius_km / (111.32 * max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))), 0.01))
    return dlon + 0.01, dlat


def area_distances(session: Session, lat: float, lon: float, radius_km: float) -> list[tuple]:
    """Regencies and districts within ``radius_km``: (code, level, name, parent, population,
    nearest-point distance km). Distances are geodesic to the area's nearest point, computed
    on its small subdivided parts (GiST box filter first)."""
    dlon, dlat = _box(lat, radius_km)
    return session.execute(
        text(
            f"""
            WITH epi AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84}) AS g),
            near AS (
                SELECT p.code, min(ST_Distance(p.geom::geography, epi.g::geography)) AS d
                  FROM area_parts p, epi
                 WHERE p.depth >= 2 AND p.geom && ST_Expand(epi.g, :dlon, :dlat)
                 GROUP BY p.code
            )
            SELECT a.code, a.level, a.name, a.parent_code, a.population, near.d / 1000.0
              FROM near JOIN areas a ON a.code = near.code
             WHERE near.d <= :radius_m
            """
        ),
        {"lat": lat, "lon": lon, "dlon": dlon, "dlat": dlat, "radius_m": radius_km * 1000},
    ).all()


def exposure_points(session: Session, lat: float, lon: float, radius_km: float) -> list[tuple]:
    """(population, distance km) of every district's representative point within the radius;
    regencies instead where no district is loaded."""
    dlon, dlat = _box(lat, radius_km)
    return session.execute(
        text(
            f"""
            WITH epi AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography AS g),
            leaf AS (
                SELECT a.population, a.point FROM areas a
                 WHERE a.point && ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84}),
                                            :dlon, :dlat)
                   AND a.population IS NOT NULL
                   AND (a.depth = 3 OR (a.depth = 2 AND NOT EXISTS (
                        SELECT 1 FROM areas c WHERE c.parent_code = a.code)))
            )
            SELECT leaf.population, ST_Distance(leaf.point::geography, epi.g) / 1000.0
              FROM leaf, epi
             WHERE ST_DWithin(leaf.point::geography, epi.g, :radius_m)
            """
        ),
        {"lat": lat, "lon": lon, "dlon": dlon, "dlat": dlat, "radius_m": radius_km * 1000},
    ).all()


def coastal_regencies(session: Session, lat: float, lon: float, radius_km: float) -> list[tuple]:
    """(code, name, distance km) of coastal regencies within ``radius_km``."""
    dlon, dlat = _box(lat, radius_km)
    return session.execute(
        text(
            f"""
            WITH epi AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84}) AS g)
            SELECT a.code, a.name, ST_Distance(a.geom_simple::geography, epi.g::geography) / 1000
              FROM areas a, epi
             WHERE a.depth = 2 AND a.coastal AND a.geom_simple && ST_Expand(epi.g, :dlon, :dlat)
               AND ST_DWithin(a.geom_simple::geography, epi.g::geography, :radius_m)
            """
        ),
        {"lat": lat, "lon": lon, "dlon": dlon, "dlat": dlat, "radius_m": radius_km * 1000},
    ).all()


def regencies(session: Session) -> list[tuple[str, str]]:
    return session.execute(text("SELECT code, name FROM areas WHERE depth = 2")).all()


def area_distance(session: Session, code: str, lat: float, lon: float) -> tuple | None:
    """(code, level, name, parent, population, distance km) of one area."""
    return session.execute(
        text(
            f"""
            SELECT a.code, a.level, a.name, a.parent_code, a.population,
                   ST_Distance(a.geom::geography,
                               ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography) / 1000
              FROM areas a WHERE a.code = :code
            """
        ),
        {"code": code, "lat": lat, "lon": lon},
    ).first()


def replace_impact(
    session: Session,
    quake_id: int,
    lat: float,
    lon: float,
    contours: list[tuple[float, float]],
    areas: list[dict],
    exposure: dict[int, int],
    shapes: list[bytes] | None = None,
) -> None:
    """Replace a quake's contours, areas and exposure. Contours are geodesic circles of the
    given radii, or ``shapes`` (WKB polygons, one per contour) when the map was gridded."""
    for model in (ContourRow, QuakeAreaRow, ExposureRow):
        session.execute(delete(model).where(model.quake_id == quake_id))
    if contours and shapes is not None:
        _insert_shapes(session, quake_id, contours, shapes)
    elif contours:
        session.execute(
            text(
                f"""
                INSERT INTO quake_contours (quake_id, mmi, radius_km, geom)
                SELECT :qid, c.mmi, c.r,
                       ST_Multi(ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography,
                                          c.r * 1000, 'quad_segs=16')::geometry)
                  FROM unnest(CAST(:mmis AS float8[]), CAST(:radii AS float8[])) AS c(mmi, r)
                """
            ),
            {
                "qid": quake_id,
                "lat": lat,
                "lon": lon,
                "mmis": [m for m, _ in contours],
                "radii": [r for _, r in contours],
            },
        )
    if areas:
        _insert_areas(session, quake_id, areas)
    if exposure:
        session.execute(
            ExposureRow.__table__.insert(),
            [
                {"quake_id": quake_id, "mmi": k, "population": v}
                for k, v in sorted(exposure.items())
            ],
        )


#: quake_areas columns and their array types, for one INSERT ... SELECT FROM unnest(...).
_AREA_COLUMNS = (
    ("code", "text"), ("level", "text"), ("name", "text"), ("distance_km", "float8"),
    ("predicted_mmi", "float8"), ("observed_mmi", "float8"), ("mmi", "float8"),
    ("population", "int8"), ("tsunami_level", "text"),
)


def _insert_areas(session: Session, quake_id: int, areas: list[dict]) -> None:
    """All of a quake's areas in one statement: a strong quake has 1,500 and more, which a
    multi-row VALUES insert takes twice as long to send."""
    arrays = ", ".join(f"CAST(:{c} AS {t}[])" for c, t in _AREA_COLUMNS)
    session.execute(
        text(
            f"INSERT INTO quake_areas (quake_id, {', '.join(c for c, _ in _AREA_COLUMNS)}) "
            f"SELECT :qid, * FROM unnest({arrays})"
        ),
        {"qid": quake_id, **{c: [a[c] for a in areas] for c, _ in _AREA_COLUMNS}},
    )


def _insert_shapes(session: Session, quake_id: int, contours, shapes: list[bytes]) -> None:
    session.execute(
        text(
            f"""
            INSERT INTO quake_contours (quake_id, mmi, radius_km, geom)
            SELECT :qid, c.mmi, c.r, ST_Multi(ST_SetSRID(ST_GeomFromWKB(c.wkb), {WGS84}))
              FROM unnest(CAST(:mmis AS float8[]), CAST(:radii AS float8[]),
                          CAST(:wkbs AS bytea[])) AS c(mmi, r, wkb)
            """
        ),
        {
            "qid": quake_id,
            "mmis": [m for m, _ in contours],
            "radii": [r for _, r in contours],
            "wkbs": shapes,
        },
    )


def impact_of(session: Session, quake_id: int, scope=None) -> dict:
    """Contours (GeoJSON), areas and exposure of a quake; areas filtered by scope."""
    contours = session.execute(
        text(
            "SELECT mmi, radius_km, ST_AsGeoJSON(geom, 5)::json FROM quake_contours "
            "WHERE quake_id = :q ORDER BY mmi"
        ),
        {"q": quake_id},
    ).all()
    stmt = select(QuakeAreaRow).where(QuakeAreaRow.quake_id == quake_id)
    if scope is not None:
        stmt = stmt.where(scope.code_clause(QuakeAreaRow.code))
    areas = list(session.scalars(stmt.order_by(QuakeAreaRow.mmi.desc(), QuakeAreaRow.code)))
    exposure = session.execute(
        select(ExposureRow.mmi, ExposureRow.population)
        .where(ExposureRow.quake_id == quake_id)
        .order_by(ExposureRow.mmi)
    ).all()
    return {"contours": contours, "areas": areas, "exposure": exposure}


def visible(scope) -> ColumnElement[bool]:
    """The quakes ``scope`` may see: national, every quake; an area, the quakes that affected
    it (an affected area of the quake lies in the scope). The one definition, for lists,
    single quakes, OGC, exports and alerts."""
    if scope.national:
        return true()
    affected = select(QuakeAreaRow.quake_id).where(scope.code_clause(QuakeAreaRow.code))
    return QuakeRow.id.in_(affected)


def scoped_quakes(
    session: Session, scope, *, start=None, end=None, min_magnitude=None, bbox=None, limit=500
) -> list[QuakeRow]:
    """Quakes in scope: national sees all; an area sees quakes that affected it."""
    stmt = select(QuakeRow).where(visible(scope))
    if start:
        stmt = stmt.where(QuakeRow.origin_time >= start)
    if end:
        stmt = stmt.where(QuakeRow.origin_time < end)
    if min_magnitude is not None:
        stmt = stmt.where(QuakeRow.magnitude >= min_magnitude)
    if bbox:
        stmt = stmt.where(QuakeRow.geom.intersects(func.ST_MakeEnvelope(*bbox, WGS84)))
    return list(session.scalars(stmt.order_by(QuakeRow.origin_time.desc()).limit(limit)))


def scoped_quake(session: Session, scope, quake_id: int) -> QuakeRow | None:
    stmt = select(QuakeRow).where(QuakeRow.id == quake_id, visible(scope))
    return session.scalars(stmt).first()


def sightings_of(session: Session, quake_id: int) -> list[SightingRow]:
    return list(
        session.scalars(
            select(SightingRow).where(SightingRow.quake_id == quake_id).order_by(SightingRow.id)
        )
    )


def circles(session: Session, lat: float, lon: float, contours) -> list[dict]:
    """Geodesic circles for (mmi, radius km) pairs, as GeoJSON geometries."""
    if not contours:
        return []
    rows = session.execute(
        text(
            f"""
            SELECT ST_AsGeoJSON(ST_Buffer(ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography,
                                          c.r * 1000, 'quad_segs=16')::geometry, 5)::json
              FROM unnest(CAST(:radii AS float8[])) WITH ORDINALITY AS c(r, i) ORDER BY c.i
            """
        ),
        {"lat": lat, "lon": lon, "radii": [r for _, r in contours]},
    ).scalars()
    return list(rows)


def ids_at(session: Session, origin_times: list) -> list[int]:
    """The quakes at exactly these origin times (benchmarks replaying recorded quakes)."""
    if not origin_times:
        return []
    return list(session.scalars(select(QuakeRow.id).where(QuakeRow.origin_time.in_(origin_times))))


def delete_quakes(session: Session, ids: list[int]) -> None:
    """Remove quakes and the incidents raised from them (benchmarks clean up after themselves).

    Cascades to their impact, and from the incidents to their areas and dispatches, so the
    responders those held are free again. Events already in the log stay (append-only).
    """
    if ids:
        session.execute(delete(IncidentRow).where(IncidentRow.quake_id.in_(ids)))
        session.execute(delete(QuakeRow).where(QuakeRow.id.in_(ids)))


def delete_orphan_incidents(session: Session, title_like: str) -> int:
    """Remove incidents whose quake is gone and whose title matches (old benchmark leftovers)."""
    result = session.execute(
        delete(IncidentRow).where(
            IncidentRow.quake_id.is_(None), IncidentRow.title.like(title_like)
        )
    )
    return result.rowcount
