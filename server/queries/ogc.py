"""OGC API - Features items in SQL: bbox, datetime and property filters, counts and pages.

Every statement starts from :meth:`server.queries.layers.Layer.select`, which applies the
caller's scope, so ``numberMatched`` counts exactly what the caller could page through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.queries.layers import Layer

GEOJSON_DIGITS = 6  # ~0.1 m: more than any boundary or position here is worth


@dataclass(frozen=True)
class ItemFilter:
    """Validated item filters: bbox (lon/lat, may cross the antimeridian), a closed time
    interval (either end open), and property equalities (already typed)."""

    bbox: tuple[float, float, float, float] | None = None
    start: datetime | None = None
    end: datetime | None = None
    end_inclusive: bool = True
    properties: tuple[tuple[str, object], ...] = ()


def _envelope(minx: float, miny: float, maxx: float, maxy: float):
    return func.ST_MakeEnvelope(minx, miny, maxx, maxy, WGS84)


def conditions(layer: Layer, f: ItemFilter) -> list[ColumnElement[bool]]:
    """SQL conditions of ``f`` on ``layer``."""
    out: list[ColumnElement[bool]] = []
    if f.bbox:
        minx, miny, maxx, maxy = f.bbox
        if minx <= maxx:
            out.append(func.ST_Intersects(layer.geom, _envelope(minx, miny, maxx, maxy)))
        else:  # across the antimeridian: two boxes
            out.append(or_(func.ST_Intersects(layer.geom, _envelope(minx, miny, 180, maxy)),
                           func.ST_Intersects(layer.geom, _envelope(-180, miny, maxx, maxy))))
    if layer.time is not None:
        if f.start is not None:
            out.append(layer.time >= f.start)
        if f.end is not None:
            out.append(layer.time <= f.end if f.end_inclusive else layer.time < f.end)
    for name, value in f.properties:
        out.append(layer.column(name).expr == value)
    return out


def count(session: Session, layer: Layer, scope, f: ItemFilter) -> int:
    stmt = layer.select(scope, layer.fid).where(*conditions(layer, f))
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def _feature_columns(layer: Layer, scope) -> list:
    return [
        layer.fid.label("fid"),
        func.ST_AsGeoJSON(layer.geom, GEOJSON_DIGITS).label("geometry"),
        *layer.properties(scope),
    ]


def page(session: Session, layer: Layer, scope, f: ItemFilter, limit: int, offset: int) -> list:
    """One page of features (fid, GeoJSON geometry text, properties), in the layer's order."""
    stmt = (layer.select(scope, *_feature_columns(layer, scope)).where(*conditions(layer, f))
            .order_by(*layer.order, layer.fid).limit(limit).offset(offset))
    return [dict(r) for r in session.execute(stmt).mappings()]


def one(session: Session, layer: Layer, scope, fid: str) -> dict | None:
    """One feature by id, or None when unknown, malformed or out of scope."""
    match = layer.match(fid)
    if match is None:
        return None
    stmt = layer.select(scope, *_feature_columns(layer, scope)).where(*match).limit(1)
    row = session.execute(stmt).mappings().first()
    return dict(row) if row else None
