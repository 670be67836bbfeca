"""Administrative area codes (Kemendagri) and boundary geometry repair.

Kemendagri codes are hierarchical and dotted: province ``32``, regency/city ``32.73``,
district (kecamatan) ``32.73.01``. The hierarchy is read from the code, never from geometry:
a point's province is the province of its regency, even where two layers' coastlines differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shapely.errors import GEOSException
from shapely.geometry import GeometryCollection
from shapely.geometry import MultiPolygon
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

LEVELS: tuple[str, ...] = ("province", "regency", "district")
#: Depth of each level, as the number of dotted parts in its code.
LEVEL_DEPTH: dict[str, int] = {"province": 1, "regency": 2, "district": 3}

_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2})?)?$")
# Undotted Kemendagri codes: 2, 4 or 6 digits (the dots are dropped by some sources).
_UNDOTTED = re.compile(r"^(\d{2})(\d{2})?(\d{2})?$")


class AreaCodeError(ValueError):
    """A value that is not a Kemendagri province, regency or district code."""


def normalize_code(raw: object) -> str:
    """Return the dotted Kemendagri code for ``raw``.

    Accepts the dotted form (``"32.73.01"``) and the undotted form (``"327301"``), with
    surrounding blanks. Raises :class:`AreaCodeError` for anything else.
    """
    text = str(raw).strip() if raw is not None else ""
    if _DOTTED.match(text):
        return text
    m = _UNDOTTED.match(text)
    if m:
        return ".".join(part for part in m.groups() if part)
    raise AreaCodeError(f"{text!r} is not a Kemendagri area code (e.g. 32, 32.73, 32.73.01)")


def level_of(code: str) -> str:
    """Return ``province``, ``regency`` or ``district`` for a dotted code."""
    return LEVELS[code.count(".")]


def parent_of(code: str) -> str | None:
    """Return the parent's code (``32.73.01`` -> ``32.73``), or None for a province."""
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestors(code: str) -> dict[str, str]:
    """Return the codes of ``code`` and its ancestors keyed by level."""
    parts = code.split(".")
    return {LEVELS[i]: ".".join(parts[: i + 1]) for i in range(len(parts))}


@dataclass(frozen=True)
class RepairResult:
    """The outcome of :func:`to_multipolygon`."""

    geometry: MultiPolygon | None
    repaired: bool
    reason: str | None = None


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if isinstance(geom, MultiPolygon | GeometryCollection):
        out: list[Polygon] = []
        for part in geom.geoms:
            out.extend(_polygons(part))
        return out
    return []  # points and lines carry no area


def to_multipolygon(geom: BaseGeometry | None) -> RepairResult:
    """Return a valid MultiPolygon for a boundary, repairing it when needed.

    Many published boundaries are invalid (self-intersections left by simplification,
    nested shells). ``make_valid`` keeps every covered point; when it yields a mixed
    collection we keep only its polygonal parts, and fall back to ``buffer(0)`` when the
    result is still invalid.
    """
    if geom is None or geom.is_empty:
        return RepairResult(None, False, "empty geometry")
    if not _polygons(geom):
        return RepairResult(None, False, f"not a polygon ({geom.geom_type})")
    repaired = False
    if not geom.is_valid:
        try:
            geom = make_valid(geom)
        except GEOSException:  # "mixed-dimension" overlays: buffer(0) rebuilds the rings
            geom = geom.buffer(0)
        repaired = True
    polys = _polygons(geom)
    result = MultiPolygon(polys) if polys else None
    if result is not None and not result.is_valid:
        fixed = result.buffer(0)
        polys = _polygons(fixed)
        result = MultiPolygon(polys) if polys else None
        repaired = True
    if result is None or result.is_empty:
        return RepairResult(None, repaired, "no area left after repair")
    return RepairResult(result, repaired)
