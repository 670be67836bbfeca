"""``/api/v1/exports/<dataset>.<csv|geojson|gpkg>``: downloads of the filtered lists.

Same filters as the list APIs, same scope (in SQL) and the same privacy rules as the OGC
layers they share. CSV and GeoJSON stream from a server-side cursor in their own session;
a GeoPackage is built into a temporary file first, then streamed and deleted.
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import request
from flask import stream_with_context

from geo.dispatch import TRANSITIONS
from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_db
from server.queries import exports as q
from server.queries.layers import LAYERS
from server.services import exports as writers
from server.services import layers
from server.web import complaint_params
from server.web.openapi import AREA
from server.web.openapi import BBOX
from server.web.openapi import COMPLAINT_FILTERS
from server.web.openapi import FC
from server.web.openapi import GEOJSON
from server.web.openapi import NUM
from server.web.openapi import STR
from server.web.openapi import TIME
from server.web.openapi import op
from server.web.openapi import query
from server.web.query_args import area_arg
from server.web.query_args import bbox_arg
from server.web.query_args import number_arg
from server.web.query_args import time_arg

bp = Blueprint("api_exports", __name__, url_prefix="/api/v1/exports")
readers = auth.require(*layers.READERS)
DATASETS = ("complaints", "quakes", "quake-areas", "dispatches")
FORMATS = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json",
           "gpkg": "application/geopackage+sqlite3"}


def _choice(name: str, allowed, fields: dict) -> str | None:
    raw = request.args.get(name)
    if raw and raw not in allowed:
        fields[name] = f"one of {', '.join(allowed)}"
        return None
    return raw or None


def _filter(dataset: str, fields: dict) -> q.ExportFilter:
    if dataset == "complaints":
        return q.ExportFilter(complaints=complaint_params.list_filters())
    common = {"start": time_arg("start", fields), "end": time_arg("end", fields)}
    if dataset == "quakes":
        return q.ExportFilter(**common, bbox=bbox_arg(fields),
                              min_magnitude=number_arg("min_magnitude", fields))
    if dataset == "quake-areas":
        return q.ExportFilter(**common, min_magnitude=number_arg("min_magnitude", fields),
                              min_mmi=number_arg("min_mmi", fields),
                              quake_id=number_arg("quake_id", fields, int),
                              level=_choice("level", ("regency", "district"), fields),
                              area=area_arg(fields))
    return q.ExportFilter(**common, incident_id=number_arg("incident_id", fields, int),
                          state=_choice("state", tuple(TRANSITIONS), fields), area=area_arg(fields))


def _csv_options(fields: dict) -> writers.CsvOptions:
    sep = _choice("sep", ("comma", "semicolon"), fields)
    decimal = _choice("decimal", ("dot", "comma"), fields)
    return writers.CsvOptions(sep=";" if sep == "semicolon" else ",",
                              decimal="," if decimal == "comma" else ".")


@readers
def export(dataset: str, fmt: str):
    """``dataset``: complaints, quakes, quake-areas, dispatches; ``fmt``: csv, geojson, gpkg."""
    if fmt not in FORMATS:
        raise NotFound("no such export format")
    fields: dict[str, str] = {}
    f = _filter(dataset, fields)
    options = _csv_options(fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    layer, scope, db = LAYERS[dataset], auth.current_scope(), get_db()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%MZ")
    headers = {"Content-Disposition": f'attachment; filename="kendali-{dataset}-{stamp}.{fmt}"',
               "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    if fmt == "gpkg":
        path = writers.temp_path(".gpkg")
        with db.session() as session:
            try:
                writers.write_gpkg(layer, q.stream(session, layer, scope, f, "wkb"), path)
            except BaseException:
                writers.remove(path)
                raise
        return Response(writers.file_chunks(path), mimetype=FORMATS[fmt], headers=headers)

    def generate():
        with db.session() as session:
            rows = q.stream(session, layer, scope, f, "geojson" if fmt == "geojson" else "none")
            if fmt == "csv":
                for chunk in writers.csv_lines(layer, rows, options):
                    yield chunk.encode("utf-8")
            else:
                for chunk in writers.geojson_chunks(layer, rows):
                    yield chunk.encode("utf-8")

    return Response(stream_with_context(generate()), headers=headers,
                    content_type=FORMATS[fmt])


for _name in DATASETS:  # one rule per dataset, so each is described with its own filters
    bp.add_url_rule(f"/{_name}.<fmt>", f"export_{_name.replace('-', '_')}", export,
                    defaults={"dataset": _name}, methods=["GET"])


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
def _export(name: str, params: list) -> dict:
    fmt = {"name": "fmt", "in": "path", "required": True,
           "schema": {"type": "string", "enum": ["csv", "geojson", "gpkg"]}}
    csv_options = [query("sep", {"type": "string", "enum": ["comma", "semicolon"]}),
                   query("decimal", {"type": "string", "enum": ["dot", "comma"]})]
    return {f"/api/v1/exports/{name}.{{fmt}}": {"get": op(
        f"Download {name} (CSV, GeoJSON or GeoPackage), filtered and scoped", "exports", {
            "200": {"description": "the file", "content": {
                "text/csv": {"schema": STR}, GEOJSON: {"schema": FC},
                "application/geopackage+sqlite3": {"schema": STR}}}},
        [fmt, *params, *csv_options])}}


OPENAPI = {
    **_export("complaints", COMPLAINT_FILTERS),
    **_export("quakes", [query("start", TIME), query("end", TIME),
                         query("min_magnitude", NUM), query("bbox", BBOX)]),
    **_export("quake-areas", [
        query("quake_id", {"type": "integer", "minimum": 1}), query("start", TIME),
        query("end", TIME), query("min_magnitude", NUM), query("min_mmi", NUM),
        query("level", {"type": "string", "enum": ["regency", "district"]}),
        query("area", AREA)]),
    **_export("dispatches", [
        query("incident_id", {"type": "integer", "minimum": 1}), query("state", STR),
        query("area", AREA), query("start", TIME), query("end", TIME)]),
}
