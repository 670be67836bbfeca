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


def haversine_km_grid(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> np.ndarray:
    """:func:`haversine_km` between every point of set 1 (rows) and of set 2 (columns).

    The vectorised form for intensity maps: 7,000 districts against 30 felt places is one
    numpy call instead of 210,000 Python ones.
    """
    p1 = np.radians(np.asarray(lat1, dtype=float))[:, None]
    p2 = np.radians(np.asarray(lat2, dtype=float))[None, :]
    dl = np.radians(np.asarray(lon2, dtype=float)[None, :] - np.asarray(lon1, dtype=float)[:, None])
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return result
