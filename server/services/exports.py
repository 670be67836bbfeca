"""Writing exports: CSV for spreadsheets, GeoJSON, and GeoPackage, from streamed rows.

CSV and GeoJSON are generated row by row (constant memory). A GeoPackage is written by GDAL
(pyogrio) into a temporary file in batches, with its spatial index, then streamed and
deleted.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from geo import geojson
from geo.crs import WGS84
from server.queries.layers import Layer
from server.services import layers

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_FLUSH_ROWS = 500
CHUNK = 64 * 1024


@dataclass(frozen=True)
class CsvOptions:
    """``sep=comma|semicolon`` and ``decimal=dot|comma`` (Indonesian-locale spreadsheets)."""

    sep: str = ","
    decimal: str = "."


def _cell(value, kind: str, options: CsvOptions) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return layers.iso(value) or ""
    if isinstance(value, float):
        return repr(value).replace(".", options.decimal)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # Spreadsheets run a cell that starts like a formula: neutralise it (OWASP CSV injection).
    return "'" + text if text.startswith(FORMULA_START) else text


def _columns(layer: Layer) -> list[tuple[str, str]]:
    cols = list(layers.fields(layer))
    names = {n for n, _ in cols}
    cols += [(n, "float") for n in ("lon", "lat") if n not in names]
    return cols


def csv_lines(layer: Layer, rows: Iterable, options: CsvOptions) -> Iterator[str]:
    """UTF-8 text with a BOM first (Excel then reads UTF-8), a header, one line per row."""
    cols = _columns(layer)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=options.sep, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow([n for n, _ in cols])
    for i, row in enumerate(rows, 1):
        props = layers.properties(layer, row)
        props.setdefault("lon", row["_lon"])
        props.setdefault("lat", row["_lat"])
        writer.writerow([_cell(props.get(n), kind, options) for n, kind in cols])
        if i % CSV_FLUSH_ROWS == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def geojson_chunks(layer: Layer, rows: Iterable) -> Iterator[str]:
    """A FeatureCollection written feature by feature."""
    yield '{"type":"FeatureCollection","name":' + json.dumps(layer.id) + ',"features":['
    parts: list[str] = []
    first = True
    for row in rows:
        geometry = json.loads(row["geometry"]) if row["geometry"] else None
        feat = geojson.feature(geometry, layers.json_properties(layer, row), row["fid"])
        parts.append(("" if first else ",") + json.dumps(feat, ensure_ascii=False,
                                                         separators=(",", ":")))
        first = False
        if len(parts) >= CSV_FLUSH_ROWS:
            yield "".join(parts)
            parts = []
    yield "".join(parts) + "]}\n"


# -- GeoPackage -----------------------------------------------------------------------------
#: pandas dtypes of the property kinds: nullable, so a missing value stays NULL in the file.
_DTYPES = {"int": "Int64", "float": "Float64", "bool": "boolean", "str": "string",
           "datetime": "datetime64[ms, UTC]"}


def write_gpkg(layer: Layer, rows: Iterable, path: str, batch: int = 2000) -> int:
    """Write ``rows`` as one feature table of a new GeoPackage at ``path``; return the count.

    GDAL (through pyogrio) writes it, so the file follows the GeoPackage standard to the
    letter and carries an R-tree spatial index. Rows go in batches of ``batch`` (appended to
    the same table), so memory holds one batch whatever the size of the export.
    """
    import pyogrio  # GDAL, pandas: loaded for the first GeoPackage, not by every process

    # A temporary file: no fsync at each batch's commit (halves the time of a large export).
    pyogrio.set_gdal_config_options({"OGR_SQLITE_SYNCHRONOUS": "OFF"})
    table = layer.id.replace("-", "_")
    options = {"IDENTIFIER": layer.id, "DESCRIPTION": layers.TITLES[layer.id][1],
               "GEOMETRY_NAME": "geom", "FID": "fid", "SPATIAL_INDEX": "YES"}
    count, chunk = 0, []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            _append(layer, chunk, path, table, options, first=count == 0)
            count, chunk = count + len(chunk), []
    if chunk or count == 0:  # an empty export is still a valid file with its table
        _append(layer, chunk, path, table, options, first=count == 0)
        count += len(chunk)
    return count


def _append(layer: Layer, chunk: list, path: str, table: str, options: dict,
            first: bool) -> None:
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    cols = layers.fields(layer)
    props = [layers.properties(layer, row) for row in chunk]
    data = {name: pd.array([p[name] for p in props], dtype=_DTYPES[kind])
            for name, kind in cols}
    geometry = shapely.from_wkb([None if r["wkb"] is None else bytes(r["wkb"]) for r in chunk])
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=WGS84),
                             crs=WGS84)
    pyogrio.write_dataframe(
        frame, path, layer=table, driver="GPKG", append=not first,
        geometry_type=_OGR_TYPES[layer.geometry_type],
        layer_options=options if first else None,
    )


#: OGR's names of the layers' geometry types.
_OGR_TYPES = {"POINT": "Point", "MULTIPOLYGON": "MultiPolygon"}


def temp_path(suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="kendali-export-", suffix=suffix)
    os.close(fd)
    os.unlink(path)  # GDAL creates it
    return path


def file_chunks(path: str) -> Iterator[bytes]:
    """Stream a file, then delete it (also when the client goes away mid-download)."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
