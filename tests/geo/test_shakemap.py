"""The conditioned intensity map on a grid: contours, their reach, the grid's frame."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point

from geo.crs import destination_grid
from geo.crs import haversine_km
from geo.crs import haversine_km_grid
from geo.intensity import contour_levels
from geo.intensity import max_mmi
from geo.intensity import mmi_at
from geo.intensity import radius_km_for
from geo.observations import IntensityObservation
from geo.shakemap import Hypocentre
from geo.shakemap import grid_axis
from geo.shakemap import shake_map

PACITAN = Hypocentre(lat=-9.15, lon=110.69, depth_km=10.0, magnitude=6.0)
#: InaTEWS's first felt list of that quake (2023-06-08 00:04:55 WIB), placed by hand at the
#: cities' centres (the server places them with the gazetteer).
LISTED = [
    ("V", -7.80, 110.37),  # Kota Yogyakarta
    ("IV", -7.87, 111.46),  # Ponorogo
    ("III-IV", -7.60, 111.90),  # Nganjuk
    ("III", -7.63, 111.52),  # Madiun
    ("III", -6.99, 110.42),  # Semarang
]


def listed(rows=LISTED):
    return [IntensityObservation.from_range(level, lat, lon) for level, lat, lon in rows]


def test_destination_grid_keeps_distances_from_the_centre():
    east, north = (
        np.array([0.0, 100.0, 0.0, -250.0, 600.0]),
        np.array([0.0, 0.0, -80.0, 250.0, 600.0]),
    )
    lat, lon = destination_grid(-9.15, 110.69, east, north)
    km = haversine_km_grid([-9.15], [110.69], lat, lon)[0]
    assert km == pytest.approx(np.hypot(east, north), abs=1e-6)
    assert lon[1] > 110.69 and lat[2] < -9.15 and lat[3] > -9.15 > lat[2]


def test_the_grid_is_fine_at_the_epicentre_and_includes_it():
    axis = grid_axis(1000.0)
    assert axis[len(axis) // 2] == 0.0
    assert axis[0] == pytest.approx(-1000.0) and axis[-1] == pytest.approx(1000.0)
    steps = np.diff(axis)
    assert steps.min() < 2.5 and steps.max() > 60.0 and np.all(steps > 0)  # R/410, R/16


def test_without_reports_the_contours_are_the_models_circles():
    smap = shake_map(PACITAN, [])
    assert smap.max_mmi == pytest.approx(max_mmi(6.0, 10.0))
    contours = smap.contours()
    assert [c.level for c in contours] == contour_levels(max_mmi(6.0, 10.0))
    for c in contours:
        radius = radius_km_for(6.0, 10.0, c.level)
        assert c.reach_km == pytest.approx(radius, rel=0.01)
        ring = np.array(c.geometry.geoms[0].exterior.coords)
        km = haversine_km_grid([PACITAN.lat], [PACITAN.lon], ring[:, 1], ring[:, 0])[0]
        assert km.min() > radius * 0.98
    site = (-8.2, 111.0)
    assert smap.at(*site)[0] == pytest.approx(mmi_at(6.0, 10.0, haversine_km(-9.15, 110.69, *site)))


def test_reports_move_the_contours_towards_them():
    model, smap = shake_map(PACITAN, []), shake_map(PACITAN, listed())
    assert smap.conditioned.eta > 0  # Java felt it more than the model says
    four = smap.contour(4.0)
    assert four.reach_km > model.reach_km(4.0) + 30
    # Yogyakarta (V) is inside IV now; the model's IV circle stops at sea.
    assert four.geometry.contains(Point(110.37, -7.80))
    assert not model.contour(4.0).geometry.contains(Point(110.37, -7.80))
    assert four.geometry.is_valid and not four.geometry.is_empty
    # Nested: every stronger region lies inside the weaker one.
    contours = smap.contours()
    for weak, strong in zip(contours, contours[1:], strict=False):
        assert weak.geometry.buffer(1e-6).contains(strong.geometry)


def test_a_report_weaker_than_the_model_shrinks_the_map():
    quiet = shake_map(PACITAN, listed([("II", -8.2, 111.1), ("II", -8.0, 110.5)]))
    assert quiet.conditioned.eta < 0
    assert quiet.reach_km(4.0) < shake_map(PACITAN, []).reach_km(4.0)


def test_a_level_nobody_reaches_has_no_contour():
    smap = shake_map(PACITAN, listed())
    assert smap.contour(11.0) is None and smap.reach_km(11.0) is None


def test_the_grid_size_is_checked():
    with pytest.raises(ValueError, match="odd"):
        shake_map(PACITAN, [], size=160)
