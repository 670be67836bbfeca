"""Exports in SQL: a layer's rows with the list APIs' filters, streamed from a server-side
cursor (``yield_per``), so a million rows never sit in memory at once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.queries.complaints import reads
from server.queries.layers import DISPATCHES
from server.queries.layers import QUAKE_AREAS
from server.queries.layers import QUAKES
from server.queries.layers import Layer
from server.queries.ogc import GEOJSON_DIGITS

BATCH = 2000


@dataclass(frozen=True)
class ExportFilter:
    """The list APIs' filters (all optional, validated). Complaints use ``complaints``."""

    start: datetime | None = None
    end: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    min_magnitude: float | None = None
    min_mmi: float | None = None
    quake_id: int | None = None
    incident_id: int | None = None
    level: str | None = None
    area: str | None = None
    state: str | None = None
    complaints: reads.Filters | None = None


def _area(column, code: str) -> ColumnElement[bool]:
    """``code`` and everything below it (``72`` covers ``72.71.01``, as scopes do)."""
    return or_(column == code, column.like(code + ".%"))


def conditions(layer: Layer, f: ExportFilter) -> list[ColumnElement[bool]]:
    """SQL conditions of ``f`` for the quake, affected-area and dispatch exports."""
    out: list[ColumnElement[bool]] = []
    if layer.time is not None:
        if f.start:
            out.append(layer.time >= f.start)
        if f.end:
            out.append(layer.time < f.end)
    if f.bbox:
        out.append(func.ST_Intersects(layer.geom, func.ST_MakeEnvelope(*f.bbox, WGS84)))
    if f.min_magnitude is not None and layer in (QUAKES, QUAKE_AREAS):
        out.append(layer.column("magnitude").expr >= f.min_magnitude)
    if layer is QUAKE_AREAS:
        if f.quake_id is not None:
            out.append(layer.column("quake_id").expr == f.quake_id)
        if f.min_mmi is not None:
            out.append(layer.column("mmi").expr >= f.min_mmi)
        if f.level:
            out.append(layer.column("level").expr == f.level)
        if f.area:
            out.append(_area(layer.column("code").expr, f.area))
    if layer is DISPATCHES:
        if f.incident_id is not None:
            out.append(layer.column("incident_id").expr == f.incident_id)
        if f.state:
            out.append(layer.column("state").expr == f.state)
        if f.area:
            out.append(_area(layer.column("area_code").expr, f.area))
    return out


def stream(session: Session, layer: Layer, scope, f: ExportFilter, geometry: str) -> Iterator:
    """Rows (property columns, ``fid``, ``lon``/``lat``, and the geometry as ``geojson``
    text or ``wkb`` with its envelope) in the layer's order, fetched ``BATCH`` at a time."""
    geo_columns = [func.ST_AsGeoJSON(layer.geom, GEOJSON_DIGITS).label("geometry")]
    if geometry == "wkb":
        geo_columns = [func.ST_AsBinary(layer.geom, "NDR").label("wkb"),
                       func.ST_XMin(layer.geom).label("xmin"),
                       func.ST_XMax(layer.geom).label("xmax"),
                       func.ST_YMin(layer.geom).label("ymin"),
                       func.ST_YMax(layer.geom).label("ymax")]
    elif geometry == "none":
        geo_columns = []
    lon, lat = layer.point
    stmt = layer.select(
        scope, layer.fid.label("fid"), *layer.properties(scope),
        lon.label("_lon"), lat.label("_lat"), *geo_columns,
    )
    if f.complaints is not None:
        stmt = reads._filtered(stmt, f.complaints)  # the list API's own filter semantics
    else:
        stmt = stmt.where(*conditions(layer, f))
    stmt = stmt.order_by(*layer.order, layer.fid).execution_options(yield_per=BATCH)
    yield from session.execute(stmt).mappings()
