"""CAP area shapes: circles drawn on the sphere, rings and circles merged."""

import pytest
from shapely.geometry import Point

from geo.capgeom import CapCircle
from geo.capgeom import circle_ring
from geo.capgeom import parse_circle
from geo.capgeom import parse_ring
from geo.capgeom import shape_of
from geo.crs import haversine_km


@pytest.mark.parametrize(
    "lat,lon,km", [(-35.3888, 147.0598, 25.0), (-6.2, 106.8, 10.0), (0.0, 179.99, 50.0)]
)
def test_circle_points_lie_at_the_radius(lat, lon, km):
    ring = circle_ring(CapCircle(lat, lon, km), segments=32)
    assert ring[0] == ring[-1] and len(ring) == 33
    for x, y in ring:
        assert haversine_km(lat, lon, y, x) == pytest.approx(km, rel=1e-3)
        assert -180 <= x <= 180


def test_zero_radius_circle_is_its_centre():
    assert shape_of([], [parse_circle("-16.053,-173.274 0.0")]) == Point(-173.274, -16.053)
    assert shape_of([]) is None


def test_rings_and_circles_merge():
    ring, closed_here = parse_ring("-6.0,106.0 -6.0,106.1 -6.1,106.1 -6.1,106.0")
    assert closed_here and ring[0] == ring[-1] == (106.0, -6.0)
    merged = shape_of([ring], [CapCircle(-6.05, 106.05, 1.0)])
    assert merged.geom_type == "Polygon" and merged.area == pytest.approx(0.01)


@pytest.mark.parametrize(
    "text", ["-6.0,106.0 abc", "-6.0,106.0 -1", "-6.0,106.0", "95.0,106.0 1", "x,1 2"]
)
def test_bad_circles(text):
    with pytest.raises(ValueError):
        parse_circle(text)
