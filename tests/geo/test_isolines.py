"""Marching squares: regions at or above a level, as rings with their holes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from shapely.geometry import Point
from shapely.geometry import Polygon

from geo.isolines import contains
from geo.isolines import regions_at_or_above
from geo.isolines import signed_area

AXIS = np.linspace(-10.0, 10.0, 81)
X, Y = np.meshgrid(AXIS, AXIS)
R = np.hypot(X, Y)


def polygons(z, level, x=AXIS, y=AXIS):
    return [Polygon(shell, holes) for shell, holes in regions_at_or_above(x, y, z, level)]


@pytest.mark.parametrize(
    ("z", "level", "area", "count"),
    [
        (10.0 - R, 5.0, math.pi * 25, 1),  # a disc
        (-abs(R - 5.0), -1.0, math.pi * (36 - 16), 1),  # an annulus: one hole
        (
            np.maximum(3 - np.hypot(X - 4, Y - 4), 3 - np.hypot(X + 4, Y + 4)),
            1.0,
            2 * math.pi * 4,
            2,
        ),
        (np.ones_like(R), 0.0, 400.0, 1),  # everything: cut along the grid's edge
        (np.zeros_like(R), 1.0, 0.0, 0),  # nothing
    ],
)
def test_regions_areas_and_counts(z, level, area, count):
    found = polygons(z, level)
    assert len(found) == count
    assert sum(p.area for p in found) == pytest.approx(area, rel=0.01, abs=1e-9)
    assert all(p.is_valid for p in found)


def test_rings_turn_with_the_region_on_their_left():
    ((shell, holes),) = regions_at_or_above(AXIS, AXIS, -abs(R - 5.0), -1.0)
    assert signed_area(shell) > 0 and [signed_area(h) < 0 for h in holes] == [True]


def test_a_region_reaching_the_edge_is_cut_along_it():
    ((shell, _),) = regions_at_or_above(AXIS, AXIS, X, 5.0)  # x >= 5: a strip at the east
    assert shell[:, 0].min() == pytest.approx(5.0) and shell[:, 0].max() == 10.0
    assert Polygon(shell).area == pytest.approx(5.0 * 20.0)


def test_an_island_in_a_lake_is_its_own_polygon():
    z = np.where(R < 2, 1.0, np.where(R < 5, -1.0, 1.0))
    found = polygons(z, 0.0)
    assert len(found) == 2
    outer = max(found, key=lambda p: p.area)
    island = min(found, key=lambda p: p.area)
    assert len(outer.interiors) == 1 and outer.contains(Point(7, 7))
    assert island.contains(Point(0, 0)) and not outer.contains(Point(0, 0))


def test_crossings_are_interpolated_on_a_stretched_grid():
    x = np.sinh(np.linspace(-3, 3, 61)) * 3.0  # fine in the middle, coarse outside
    gx, gy = np.meshgrid(x, x)
    ((shell, _),) = regions_at_or_above(x, x, -np.hypot(gx, gy), -12.0)
    radii = np.hypot(shell[:, 0], shell[:, 1])
    assert radii.max() == pytest.approx(12.0, rel=0.01) and radii.min() > 11.0


def test_saddles_never_make_crossing_rings():
    rng = np.random.default_rng(19)
    z = rng.normal(size=(40, 50))
    for level in (-0.5, 0.0, 0.7):
        for p in polygons(z, level, np.arange(50.0), np.arange(40.0)):
            assert p.is_valid
    checker = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert len(regions_at_or_above([0, 1], [0, 1], checker, 0.5)) == 1  # centre 0.5: joined
    assert len(regions_at_or_above([0, 1], [0, 1], checker, 0.6)) == 2  # centre below: apart


def test_nan_is_below_every_level_and_bad_grids_are_refused():
    z = np.where(R < 5, 1.0, np.nan)
    assert sum(p.area for p in polygons(z, 0.5)) == pytest.approx(math.pi * 25, rel=0.05)
    with pytest.raises(ValueError, match="len"):
        regions_at_or_above([0, 1, 2], [0, 1], np.zeros((3, 3)), 0.0)
    with pytest.raises(ValueError, match="increase"):
        regions_at_or_above([0, 2, 1], [0, 1], np.zeros((2, 3)), 0.0)


def test_contains_is_even_odd():
    square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    assert contains(square, (1, 1)) and not contains(square, (3, 1))
