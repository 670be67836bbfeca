"""Coordinate reference systems and distance helpers: the one place that names an SRID."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

#: Every geometry Kendali stores is WGS 84 longitude/latitude (GeoJSON's CRS84 axis order).
WGS84 = 4326
#: Web Mercator, used only for map tiles.
WEB_MERCATOR = 3857

EARTH_RADIUS_KM = 6371.0088


def valid_lat_lon(lat: float, lon: float) -> bool:
    """Return True when (lat, lon) are finite numbers inside the WGS 84 ranges."""
    return (
        math.isfinite(lat)
        and math.isfinite(lon)
        and -90.0 <= lat <= 90.0
        and -180.0 <= lon <= 180.0
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres on the mean Earth sphere.

    Good to about 0.5 % against the ellipsoid, which is plenty for choosing between
    namesakes or association windows; PostGIS geography does the exact work.
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def _unit_vectors(lat: ArrayLike, lon: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p, lam = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)


def haversine_km_grid(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> np.ndarray:
    """:func:`haversine_km` between every point of set 1 (rows) and of set 2 (columns).

    The vectorised form for intensity maps (7,000 districts against 30 felt places). The
    great-circle angle comes from the chord between unit vectors, ``2 asin(|u1 - u2| / 2)``:
    the same sphere as the haversine, with trigonometry per point instead of per pair.
    """
    chord2 = np.zeros((np.size(lat1), np.size(lat2)))
    for a, b in zip(_unit_vectors(lat1, lon1), _unit_vectors(lat2, lon2), strict=True):
        chord2 += (a.reshape(-1, 1) - b.reshape(1, -1)) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(np.sqrt(chord2) / 2, 1.0))
    return result


def destination_grid(
    lat: float, lon: float, east_km: ArrayLike, north_km: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude of points given east/north of (lat, lon), on the same sphere.

    The inverse azimuthal equidistant projection centred on (lat, lon): a point's distance
    from the centre is ``hypot(east, north)`` along the great circle of bearing
    ``atan2(east, north)``. Intensity maps are gridded in this plane (distances from the
    epicentre are exact in it), then mapped back to lon/lat.
    """
    east, north = np.asarray(east_km, dtype=float), np.asarray(north_km, dtype=float)
    d = np.hypot(east, north) / EARTH_RADIUS_KM
    bearing = np.arctan2(east, north)
    p1, l1 = math.radians(lat), math.radians(lon)
    sin_p2 = math.sin(p1) * np.cos(d) + math.cos(p1) * np.sin(d) * np.cos(bearing)
    p2 = np.arcsin(np.clip(sin_p2, -1.0, 1.0))
    l2 = l1 + np.arctan2(
        np.sin(bearing) * np.sin(d) * math.cos(p1), np.cos(d) - math.sin(p1) * sin_p2
    )
    lon2 = (np.degrees(l2) + 180.0) % 360.0 - 180.0
    return np.degrees(p2), lon2
