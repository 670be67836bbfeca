"""Writing exports: CSV for spreadsheets, GeoJSON, and GeoPackage, from streamed rows.

CSV and GeoJSON are generated row by row (constant memory). A GeoPackage is a SQLite file,
written here with the standard library following the OGC GeoPackage 1.3 encoding (the
required ``gpkg_*`` tables, geometry blobs = GeoPackage header + ISO WKB from PostGIS) into
a temporary file in batches, then streamed and deleted: no GDAL in the request path.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import struct
import tempfile
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from geo import geojson
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
_SQL_TYPES = {"int": "INTEGER", "float": "DOUBLE", "bool": "BOOLEAN", "datetime": "DATETIME",
              "str": "TEXT"}
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)
_GPKG_SCHEMA = """
PRAGMA application_id = 1196444487;
PRAGMA user_version = 10300;
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""


def gpkg_geometry(row) -> bytes | None:
    """GeoPackage geometry blob: 'GP', version 0, flags (little endian; an envelope
    [minx, maxx, miny, maxy] except for points), SRS id 4326, then the ISO WKB."""
    wkb = row["wkb"]
    if wkb is None:
        return None
    wkb = bytes(wkb)
    is_point = wkb[1:5] == struct.pack("<I", 1)
    if is_point:
        return b"GP\x00\x01" + struct.pack("<i", 4326) + wkb
    envelope = struct.pack("<4d", row["xmin"], row["xmax"], row["ymin"], row["ymax"])
    return b"GP\x00\x03" + struct.pack("<i", 4326) + envelope + wkb


def _gpkg_value(value, kind: str):
    if isinstance(value, datetime):  # GeoPackage DATETIME: exactly YYYY-MM-DDTHH:MM:SS.SSSZ
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    if kind == "bool" and value is not None:
        return int(bool(value))
    return value


def write_gpkg(layer: Layer, rows: Iterable, path: str, batch: int = 2000) -> int:
    """Write ``rows`` as one feature table of a new GeoPackage at ``path``; return the count."""
    table = layer.id.replace("-", "_")
    cols = layers.fields(layer)
    db = sqlite3.connect(path)
    try:
        db.executescript(_GPKG_SCHEMA)
        db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", None),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", None),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude"),
        ])
        columns = ", ".join(f'"{n}" {_SQL_TYPES[k]}' for n, k in cols)
        db.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
                   f'geom {layer.geometry_type}, {columns})')
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                   "srs_id) VALUES (?, 'features', ?, ?, 4326)",
                   (table, layer.id, layers.TITLES[layer.id][1]))
        db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)",
                   (table, layer.geometry_type))
        names = ", ".join(f'"{n}"' for n, _ in cols)
        marks = ", ".join("?" * (len(cols) + 1))
        insert = f'INSERT INTO "{table}" (geom, {names}) VALUES ({marks})'
        count, pending, box = 0, [], [None, None, None, None]
        for row in rows:
            props = layers.properties(layer, row)
            pending.append([gpkg_geometry(row)] + [_gpkg_value(props[n], k) for n, k in cols])
            if row["xmin"] is not None:
                box = _grow(box, row)
            count += 1
            if len(pending) >= batch:
                db.executemany(insert, pending)
                pending = []
        db.executemany(insert, pending)
        db.execute("UPDATE gpkg_contents SET min_x = ?, max_x = ?, min_y = ?, max_y = ?",
                   box)
        db.commit()
    finally:
        db.close()
    return count


def _grow(box: list, row) -> list:
    lo = [row["xmin"], row["xmax"], row["ymin"], row["ymax"]]
    if box[0] is None:
        return lo
    return [min(box[0], lo[0]), max(box[1], lo[1]), min(box[2], lo[2]), max(box[3], lo[3])]


def temp_path(suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="kendali-export-", suffix=suffix)
    os.close(fd)
    os.unlink(path)  # sqlite creates it
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
