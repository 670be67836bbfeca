import pytest
from shapely.geometry import MultiPolygon
from shapely.geometry import Point
from shapely.geometry import Polygon

from geo.areas import AreaCodeError
from geo.areas import ancestors
from geo.areas import level_of
from geo.areas import normalize_code
from geo.areas import parent_of
from geo.areas import to_multipolygon


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("32", "32"),
        ("32.73", "32.73"),
        ("32.73.01", "32.73.01"),
        (" 3273 ", "32.73"),
        ("327301", "32.73.01"),
        (72, "72"),
    ],
)
def test_normalize_code(raw, code):
    assert normalize_code(raw) == code


@pytest.mark.parametrize("raw", ["", None, "0", "3", "32.7", "32.73.01.1001", "ab", "32-73"])
def test_normalize_code_rejects(raw):
    with pytest.raises(AreaCodeError):
        normalize_code(raw)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [("72", "province", None), ("72.71", "regency", "72"), ("72.71.01", "district", "72.71")],
)
def test_hierarchy_from_code(code, level, parent):
    assert level_of(code) == level
    assert parent_of(code) == parent


def test_ancestors():
    assert ancestors("32.73.01") == {"province": "32", "regency": "32.73", "district": "32.73.01"}


def test_valid_polygon_is_kept_as_multipolygon():
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    result = to_multipolygon(square)
    assert isinstance(result.geometry, MultiPolygon)
    assert not result.repaired
    assert result.geometry.area == pytest.approx(1.0)


def test_bowtie_is_repaired_without_losing_area():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    assert not bowtie.is_valid
    result = to_multipolygon(bowtie)
    assert result.repaired
    assert result.geometry.is_valid
    assert result.geometry.area == pytest.approx(2.0)


def test_non_polygons_are_refused_with_a_reason():
    assert to_multipolygon(Point(1, 1)).reason.startswith("not a polygon")
    assert to_multipolygon(None).reason == "empty geometry"
