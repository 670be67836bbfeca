"""A quake's conditioned intensity map on a grid: its contours, their reach, any site's value.

Once felt reports arrive the estimate (``geo/conditioning.py``) stops depending on distance
alone: an event term lifts or lowers every level, and the kriged residuals bulge the contours
towards places that shook more than the model says. So the map is gridded and contoured
(``geo/isolines.py``) instead of drawn as circles.

The grid lies in the azimuthal equidistant plane of the epicentre (distances from it are exact
there) and is stretched, ``x = R sinh(a t) / sinh(a)`` for t evenly spaced in -1..1: cells of
R / 410 near the epicentre (under 1 km for an M6, 3 km for an M7.5), where the high levels sit
within a few km of one another, widening outwards where the low levels run hundreds of km
apart. Intensity falls off roughly
with the log of distance, so the stretch keeps a similar number of cells between contours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geo.conditioning import Conditioned
from geo.conditioning import Epicentre
from geo.conditioning import condition
from geo.crs import destination_grid
from geo.crs import haversine_km_grid
from geo.intensity import MAX_RADIUS_KM
from geo.intensity import MMI_MIN
from geo.intensity import Ipe
from geo.intensity import contour_levels
from geo.intensity import radius_km_for
from geo.isolines import Region
from geo.isolines import regions_at_or_above
from geo.observations import IntensityObservation

#: Grid points per axis (odd: the epicentre is a grid point) and the stretch ``a``: with 121
#: points and a = 4 the central cell is R / 410 wide and the outer ones R / 16. Contour reaches
#: match 161 points' to 1 km at a third of the cost (M7.0, 30 reports: about 35 ms for the grid
#: and 13 contours).
GRID_SIZE = 121
STRETCH = 4.0
#: The lowest contour drawn (:func:`geo.intensity.contour_levels` starts at II).
LOWEST_LEVEL = 2.0
#: Douglas-Peucker tolerance as a share of a contour's reach: 1 km at 500 km, 10 m at 5 km.
SIMPLIFY_SHARE = 0.002
_KM_PER_DEGREE = 111.195


@dataclass(frozen=True)
class Hypocentre:
    """A quake's epicentre, depth and magnitude (what :func:`shake_map` needs of it)."""

    lat: float
    lon: float
    depth_km: float
    magnitude: float


@dataclass(frozen=True)
class Contour:
    """Where the conditioned intensity is at or above ``level``."""

    level: float
    #: Distance from the epicentre to the farthest point of the region (km): the radius of
    #: the smallest epicentre-centred circle that holds it.
    reach_km: float
    #: The region in lon/lat (CRS84), valid.
    geometry: MultiPolygon


@dataclass(eq=False)
class ShakeMap:
    """A quake's conditioned intensity on a grid around its epicentre."""

    conditioned: Conditioned
    east_km: np.ndarray
    north_km: np.ndarray
    #: Conditioned median intensity, shape (len(north_km), len(east_km)).
    mmi: np.ndarray
    _regions: dict[float, list[Region]] = field(default_factory=dict, repr=False)

    @property
    def max_mmi(self) -> float:
        """The strongest gridded intensity (the epicentre is a grid point)."""
        return float(self.mmi.max())

    def at(self, lat: ArrayLike, lon: ArrayLike) -> np.ndarray:
        """Conditioned median intensity at any sites (not interpolated from the grid)."""
        return self.conditioned.mean_at(lat, lon)

    def regions(self, level: float) -> list[Region]:
        """The grid-plane polygons (km east, km north) at or above ``level``."""
        if level not in self._regions:
            self._regions[level] = regions_at_or_above(self.east_km, self.north_km, self.mmi, level)
        return self._regions[level]

    def reach_km(self, level: float) -> float | None:
        """How far from the epicentre the intensity still reaches ``level``; None if nowhere."""
        shells = [shell for shell, _holes in self.regions(level)]
        if not shells:
            return None
        return float(max(np.hypot(s[:, 0], s[:, 1]).max() for s in shells))

    def contour(self, level: float) -> Contour | None:
        """The region at or above ``level`` in lon/lat, or None when nothing reaches it."""
        reach = self.reach_km(level)
        if reach is None:
            return None
        polygons = [
            Polygon(self._lon_lat(shell), [self._lon_lat(h) for h in holes])
            for shell, holes in self.regions(level)
        ]
        shape = shapely.make_valid(MultiPolygon(polygons))
        shape = shape.simplify(SIMPLIFY_SHARE * reach / _KM_PER_DEGREE, preserve_topology=True)
        parts = _polygons(shape)
        return Contour(level, reach, MultiPolygon(parts)) if parts else None

    def contours(self, levels: Sequence[float] | None = None) -> list[Contour]:
        """Contours at ``levels`` (default: II up to the strongest intensity, half steps)."""
        chosen = contour_levels(self.max_mmi) if levels is None else levels
        return [c for c in (self.contour(level) for level in chosen) if c is not None]

    def _lon_lat(self, ring: np.ndarray) -> np.ndarray:
        q = self.conditioned.quake
        lat, lon = destination_grid(q.lat, q.lon, ring[:, 0], ring[:, 1])
        return np.column_stack((lon, lat))


def _polygons(shape: BaseGeometry) -> list[Polygon]:
    """The polygons of a geometry, however nested (a repair may return a collection)."""
    if isinstance(shape, Polygon):
        return [] if shape.is_empty else [shape]
    return [p for part in getattr(shape, "geoms", []) for p in _polygons(part)]


def extent_km(conditioned: Conditioned) -> float:
    """Half the grid's width: where the lowest contour surely ends.

    The model's reach of :data:`LOWEST_LEVEL` lowered by a positive event term, or the
    farthest report plus three correlation ranges (its residual has faded to 5 %), whichever
    is farther, with 10 % to spare; at most :data:`geo.intensity.MAX_RADIUS_KM`. A region
    beyond it is cut along the grid's edge.
    """
    q = conditioned.quake
    level = max(LOWEST_LEVEL - max(conditioned.eta, 0.0), MMI_MIN + 0.01)
    model = radius_km_for(q.magnitude, q.depth_km, level, conditioned.ipe) or 0.0
    farthest = 0.0
    if conditioned.obs_lat.size:
        distances = haversine_km_grid([q.lat], [q.lon], conditioned.obs_lat, conditioned.obs_lon)
        farthest = float(distances.max()) + 3.0 * conditioned.residuals.range_km
    return min(MAX_RADIUS_KM, 1.1 * max(model, farthest, 50.0))


def grid_axis(extent: float, size: int = GRID_SIZE, stretch: float = STRETCH) -> np.ndarray:
    """Stretched coordinates from -extent to extent (see the module docstring), 0 included."""
    t = np.linspace(-1.0, 1.0, size)
    axis: np.ndarray = extent * np.sinh(stretch * t) / math.sinh(stretch)
    return axis


def shake_map(
    quake: Epicentre,
    observations: Sequence[IntensityObservation],
    model: str | Ipe = "calibrated",
    size: int = GRID_SIZE,
) -> ShakeMap:
    """Condition ``quake`` on ``observations`` and grid the result.

    Args:
        quake: epicentre, depth and magnitude.
        observations: its reports, each place once (none: the model itself).
        model: the intensity model, with a scatter (``"calibrated"``).
        size: grid points per axis (odd).
    """
    if size < 5 or size % 2 == 0:
        raise ValueError(f"size must be odd and at least 5, got {size}")
    conditioned = condition(quake, observations, model)
    axis = grid_axis(extent_km(conditioned), size)
    east, north = np.meshgrid(axis, axis)
    lat, lon = destination_grid(quake.lat, quake.lon, east, north)
    mmi = conditioned.mean_at(lat.ravel(), lon.ravel()).reshape(east.shape)
    return ShakeMap(conditioned, axis, axis.copy(), mmi)
