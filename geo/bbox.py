"""Bounding boxes from query strings: one parser, one set of rules.

``minLon,minLat,maxLon,maxLat`` in WGS 84 degrees. The OGC API flavour (``ogc=True``) also
takes the six numbers of a 3D box (heights ignored: the data are 2D), a box across the
antimeridian (``minLon > maxLon``) and a degenerate box (a line or a point), as OGC API -
Features Part 1 requires; Kendali's own APIs want a box with an inside.
"""

from __future__ import annotations

import math

Box = tuple[float, float, float, float]


class BBoxError(ValueError):
    """The text is not a bounding box; the message says what one looks like."""


def parse_bbox(text: str, *, ogc: bool = False) -> Box:
    """Parse ``text``; raise :class:`BBoxError` when it is not a valid box."""
    problem = "minLon,minLat,maxLon,maxLat" + (" in CRS84" if ogc else "")
    try:
        box = [float(v) for v in text.split(",")]
    except ValueError:
        raise BBoxError(problem) from None
    if ogc and len(box) == 6:
        box = [box[0], box[1], box[3], box[4]]
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        raise BBoxError(problem)
    x1, y1, x2, y2 = box
    lons_ok = -180 <= x1 <= 180 and -180 <= x2 <= 180 and (ogc or x1 < x2)
    lats_ok = -90 <= y1 <= 90 and -90 <= y2 <= 90 and (y1 <= y2 if ogc else y1 < y2)
    if not (lons_ok and lats_ok):
        raise BBoxError(problem)
    return x1, y1, x2, y2
