"""Where a warning applies: the districts under its polygons (PostGIS) and the places its
description names (the address matcher that places complaints), merged.

Tsunami warnings name coastal regencies per zone (InaTEWS ``wzarea`` style); those are added
as regencies, with the zone's level kept for the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from shapely.geometry import Polygon
from sqlalchemy.orm import Session

from geo import warnings as rules
from geo.capgeom import circle_ring
from geo.capgeom import shape_of
from geo.capin import CapAlert
from geo.capin import CapInfo
from geo.hazards import zone_regencies
from geo.nowcast import TERJADI
from geo.nowcast import AffectedDistrict
from geo.nowcast import combine
from geo.nowcast import districts_from_text
from geo.nowcast import province_hint
from geo.tsunami import Regency
from server.queries import warnings as q
from server.services.complaints.placement import address_index


@dataclass
class Where:
    """The rows of ``warning_districts``, the outline (WKT) and what stayed unresolved."""

    rows: list[dict]
    outline: str | None = None
    unresolved: list[dict] = field(default_factory=list)
    #: Tsunami: regency code -> InaTEWS level of the zones naming it.
    zone_levels: dict[str, str] = field(default_factory=dict)
    #: Ring and circle count (for the record: how many shapes the message drew).
    shapes: int = 0


def _rings(info: CapInfo) -> list[str]:
    """Every polygon and (non-zero) circle of the block, each as its own WKT polygon."""
    out = []
    for area in info.areas:
        out += [Polygon(ring).wkt for ring in area.polygons]
        out += [Polygon(circle_ring(c)).wkt for c in area.circles if c.radius_km > 0]
    return out


def _outline(info: CapInfo) -> str | None:
    shape = shape_of([r for a in info.areas for r in a.polygons],
                     [c for a in info.areas for c in a.circles])
    return None if shape is None or shape.is_empty else shape.wkt


def _by_name(session: Session, info: CapInfo) -> tuple[list[AffectedDistrict], list[dict]]:
    if not info.description:
        return [], []
    area_desc = info.areas[0].desc if info.areas else None
    where = districts_from_text(info.description, address_index(session),
                                province_hint(info.description, area_desc))
    unresolved = [{"text": u.text, "kind": u.kind, "candidates": list(u.candidates)}
                  for u in where.unresolved]
    return list(where.districts), unresolved


def _zones(session: Session, alert: CapAlert) -> dict[str, str]:
    coast = [Regency(code, name) for code, name in q.coastal_regencies(session)]
    return {reg.code: level for reg, level in zone_regencies(rules.tsunami_zones(alert), coast)}


def affected(session: Session, alert: CapAlert, info: CapInfo, hazard: str) -> Where:
    """The areas a warning affects, each once, with ``kind`` and ``by``."""
    rings = _rings(info)
    by_polygon = rules.polygon_districts(q.ring_hits(session, rings))
    by_name, unresolved = _by_name(session, info)
    levels = _zones(session, alert) if hazard == "tsunami" else {}
    named = {hit.code for hit in by_name}
    for code in levels:
        if code not in named:  # a zone is where the warning applies: happening, by name
            by_name.append(AffectedDistrict(code, "", TERJADI, "regency", code))
    codes = set(by_polygon) | {hit.code for hit in by_name}
    names = q.names_of(session, sorted(codes))
    rows = [{"code": hit.code, "name": names.get(hit.code, hit.name or hit.code),
             "level": "regency" if hit.code.count(".") == 1 else "district",
             "kind": hit.kind, "by": hit.by, "share": by_polygon.get(hit.code)}
            for hit in combine(by_name, by_polygon, names)]
    return Where(rows, _outline(info), unresolved, levels, len(rings))
