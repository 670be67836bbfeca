"""Place names for resolving felt reports: regencies and districts with a point inside each."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

# ST_PointOnSurface, not the centroid: a centroid can fall outside a crescent-shaped or
# island regency (36 of 514 source centroids do), and namesakes are told apart by distance.
_GAZETTEER_SQL = text(
    """
    SELECT code, level, name, ST_Y(point) AS lat, ST_X(point) AS lon
    FROM (
        SELECT code, level, name, coalesce(point, ST_PointOnSurface(geom)) AS point
        FROM areas
        WHERE level IN ('regency', 'district')
    ) AS named
    ORDER BY code
    """
)


def gazetteer_rows(session: Session) -> list[tuple[str, str, str, float, float]]:
    """Return (code, level, name, lat, lon) for every loaded regency and district."""
    rows = session.execute(_GAZETTEER_SQL)
    return [(r.code, r.level, r.name, float(r.lat), float(r.lon)) for r in rows]


def gazetteer_key(session: Session) -> tuple[int, str | None]:
    """(number of regencies and districts, the first code): changes when areas are loaded."""
    count, first = session.execute(
        text("SELECT count(*), min(code) FROM areas WHERE level IN ('regency', 'district')")
    ).one()
    return int(count), first
