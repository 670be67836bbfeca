"""CAP area geometry: ``<polygon>`` and ``<circle>`` texts, their shapes, and the districts
they cover.

CAP writes ``lat,lon`` pairs (WGS 84) separated by white space; rings here are returned in
GeoJSON order ``(lon, lat)``. The server intersects shapes with district outlines in
PostGIS; :func:`districts_of_rings` does the same in Python for tests and tools.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import make_valid

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG); circles are drawn on the sphere
MAX_RADIUS_KM = 20_000.0  # half the circumference: anything larger is a typo

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class CapCircle:
    """A ``<circle>``: centre (WGS 84) and radius in km (0: a point)."""

    lat: float
    lon: float
    radius_km: float


def parse_point(pair: str) -> tuple[float, float]:
    """``"lat,lon"`` -> ``(lon, lat)``; ValueError when malformed or out of range."""
    parts = pair.split(",")
    if len(parts) != 2:
        raise ValueError(f"{pair[:40]!r} is not a lat,lon pair")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"{pair[:40]!r} is not a lat,lon pair") from None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise ValueError(f"coordinate out of range: {pair[:40]}")
    return lon, lat


def parse_ring(text: str) -> tuple[Ring, bool]:
    """A ``<polygon>`` text -> (closed ring in (lon, lat), whether we had to close it).

    CAP asks for at least four pairs, the first repeated last. Fewer than four pairs is
    refused; a ring that is not closed is closed here (see ``geo/capin.py``).
    """
    points = [parse_point(pair) for pair in text.split()]
    if len(points) < 4:
        raise ValueError(f"{len(points)} points; a polygon needs at least 4")
    closed_here = points[0] != points[-1]
    if closed_here:
        points.append(points[0])
    if len(set(points)) < 3:
        raise ValueError("fewer than 3 distinct points")
    return tuple(points), closed_here


def parse_circle(text: str) -> CapCircle:
    """A ``<circle>`` text ``"lat,lon radius_km"``."""
    centre, _, radius = text.strip().partition(" ")
    lon, lat = parse_point(centre)
    try:
        km = float(radius)
    except ValueError:
        raise ValueError(f"radius {radius[:20]!r} is not a number") from None
    if not math.isfinite(km) or km < 0 or km > MAX_RADIUS_KM:
        raise ValueError(f"radius {km} km out of range")
    return CapCircle(lat, lon, km)


def circle_ring(circle: CapCircle, segments: int = 64) -> Ring:
    """The circle as a closed ring of ``segments`` points on the sphere, (lon, lat)."""
    lat1, lon1 = math.radians(circle.lat), math.radians(circle.lon)
    d = circle.radius_km / EARTH_RADIUS_KM  # angular distance
    points = []
    for k in range(segments):
        bearing = 2 * math.pi * k / segments
        lat2 = math.asin(
            math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(bearing)
        )
        lon2 = lon1 + math.atan2(
            math.sin(bearing) * math.sin(d) * math.cos(lat1),
            math.cos(d) - math.sin(lat1) * math.sin(lat2),
        )
        lon = (math.degrees(lon2) + 540) % 360 - 180
        points.append((round(lon, 6), round(math.degrees(lat2), 6)))
    return (*points, points[0])


def shape_of(rings: Iterable[Ring], circles: Iterable[CapCircle] = ()) -> BaseGeometry | None:
    """The union of the rings and circles (a zero-radius circle is its centre point);
    None when there is nothing. Self-intersecting rings are repaired with ``make_valid``."""
    parts: list[BaseGeometry] = [make_valid(Polygon(ring)) for ring in rings]
    for circle in circles:
        parts.append(
            Point(circle.lon, circle.lat) if circle.radius_km == 0 else Polygon(circle_ring(circle))
        )
    return unary_union(parts) if parts else None


def districts_of_rings(
    rings: Sequence[Ring], districts: Iterable[tuple[str, BaseGeometry]]
) -> dict[str, float]:
    """For each ring, the district holding the largest share of it.

    BMKG draws one ring per affected district, so the district under most of a ring is the
    one it stands for; districts that a ring only grazes along a shared border are not
    counted. Returns ``{district code: share of its ring inside it (0..1)}``.
    """
    shapes = [make_valid(Polygon(ring)) for ring in rings]
    best: dict[int, tuple[float, str]] = {}
    for code, geom in districts:
        for n, shape in enumerate(shapes):
            if shape.area == 0 or not shape.intersects(geom):
                continue
            share = shape.intersection(geom).area / shape.area
            if share > best.get(n, (0.0, ""))[0]:
                best[n] = (share, code)
    out: dict[str, float] = {}
    for share, code in best.values():
        out[code] = max(out.get(code, 0.0), round(share, 3))
    return out
