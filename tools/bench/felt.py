"""A felt list for the quake benchmark: real district names around the epicentre, as BMKG
writes them (``"V Cilacap, IV-V Kebumen"``), so that the pipeline resolves and places them.

The levels are the model's expected listed value half a step up: the quake shook more than
the model says, so conditioning moves the map and the affected areas.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.cap import roman
from geo.crs import WGS84
from geo.crs import haversine_km
from geo.intensity import reported_mmi_at

#: The places come from this far around the epicentre, spread evenly over the distances.
FELT_RADIUS_KM = 400.0


def felt_text(session: Session, lat: float, lon: float, magnitude: float, depth_km: float,
              count: int) -> str:
    """``count`` places (distinct district names) within :data:`FELT_RADIUS_KM`, as a
    ``Dirasakan`` list, strongest first."""
    rows = session.execute(
        text(
            f"""
            SELECT DISTINCT ON (name) name, ST_Y(point), ST_X(point) FROM areas
             WHERE level = 'district' AND point IS NOT NULL
               AND ST_DWithin(point::geography,
                              ST_SetSRID(ST_MakePoint(:lon, :lat), {WGS84})::geography, :m)
             ORDER BY name, code
            """
        ),
        {"lat": lat, "lon": lon, "m": FELT_RADIUS_KM * 1000},
    ).all()
    if len(rows) < count:
        raise ValueError(f"only {len(rows)} districts within {FELT_RADIUS_KM:g} km")
    placed = sorted((haversine_km(lat, lon, y, x), name) for name, y, x in rows)
    step = len(placed) / count
    chosen = [placed[int(i * step)] for i in range(count)]
    items = []
    for km, name in chosen:
        level = min(9, max(2, round(reported_mmi_at(magnitude, depth_km, km) + 0.5)))
        items.append(f"{roman(level)} {name}")
    return ", ".join(items)
