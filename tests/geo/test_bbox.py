"""The one bounding-box parser: Kendali's rules and the OGC API flavour."""

import pytest

from geo.bbox import BBoxError
from geo.bbox import parse_bbox


@pytest.mark.parametrize("text, ogc, box", [
    ("94,-11.5,141.5,6.5", False, (94.0, -11.5, 141.5, 6.5)),
    ("94,-11.5,141.5,6.5", True, (94.0, -11.5, 141.5, 6.5)),
    ("94,-11.5,0,141.5,6.5,100", True, (94.0, -11.5, 141.5, 6.5)),  # 3D: heights ignored
    ("170,-20,-170,-10", True, (170.0, -20.0, -170.0, -10.0)),  # across the antimeridian
    ("120,-5,120,-5", True, (120.0, -5.0, 120.0, -5.0)),  # a point
])
def test_valid_boxes(text, ogc, box):
    assert parse_bbox(text, ogc=ogc) == box


@pytest.mark.parametrize("text, ogc", [
    ("", False), ("1,2,3", False), ("a,b,c,d", False), ("nan,0,1,1", False),
    ("0,0,inf,1", True), ("94,-11.5,0,141.5,6.5,100", False),  # 3D only for OGC
    ("170,-20,-170,-10", False),  # antimeridian only for OGC
    ("120,-5,120,-5", False),  # no inside
    ("0,10,1,5", True), ("-181,0,1,1", True), ("0,-91,1,1", False),
])
def test_invalid_boxes(text, ogc):
    with pytest.raises(BBoxError, match="minLon,minLat,maxLon,maxLat"):
        parse_bbox(text, ogc=ogc)
