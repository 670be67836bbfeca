"""``/ogc``: OGC API - Features (Part 1 Core, GeoJSON, HTML, OAS 3.0) over Kendali's layers.

The landing page and conformance are public (they describe, they hold no data); everything
under ``/ogc/collections`` needs a bearer token or a session, and answers within the caller's
scope (``numberMatched`` included). ``f=json|html`` or the Accept header choose the format.
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Response
from flask import render_template
from flask import request

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries.layers import LAYERS
from server.services import layers
from server.services import ogc as svc
from server.web.links import base_url
from server.web.openapi import FEATURE
from server.web.openapi import GEOJSON
from server.web.openapi import JSON
from server.web.openapi import NUM
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import obj
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
readers = auth.require(*layers.READERS)
_OFFERED = ["application/json", "application/geo+json", "text/html"]


def _base() -> str:
    return base_url() + "/ogc"


def _wants_html() -> bool:
    f = request.args.get("f")
    if f:
        if f not in ("json", "html", "geojson"):
            raise ApiError("unsupported format", {"f": "json or html"}, status=400)
        return f == "html"
    return request.accept_mimetypes.best_match(_OFFERED) == "text/html"


def _answer(doc: dict, kind: str, mimetype: str = svc.JSON, title: str = "") -> Response:
    if _wants_html():
        res = Response(render_template(f"ogc/{kind}.html", doc=doc, title=title))
    else:
        res = Response(json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
                       mimetype=mimetype)
    res.headers["Cache-Control"] = "no-store"
    res.headers["Vary"] = "Accept, Authorization, Cookie"
    return res


@bp.get("/")
def landing():
    service_desc = base_url() + "/api/v1/openapi.json"
    return _answer(svc.landing(_base(), service_desc), "landing", title="Kendali OGC API")


@bp.get("/conformance")
def conformance():
    return _answer(svc.conformance(_base()), "conformance", title="Conformance")


@bp.get("/collections")
@readers
def collections():
    doc = svc.collections(_base(), auth.current_principal().role)
    return _answer(doc, "collections", title="Collections")


def _layer(collection_id: str):
    return layers.layer_for(auth.current_principal().role, collection_id)


@bp.get("/collections/<collection_id>")
@readers
def collection(collection_id: str):
    doc = svc.collection(_base(), _layer(collection_id))
    return _answer(doc, "collection", title=doc["title"])


@bp.get("/collections/<collection_id>/items")
@readers
def items(collection_id: str):
    layer = _layer(collection_id)
    f, limit, offset = svc.item_filter(layer, request.args)
    doc = svc.items(get_session(), auth.current_scope(), _base(), layer,
                    list(request.args.items(multi=True)), f, limit, offset)
    return _answer(doc, "items", svc.GEOJSON, title=layers.TITLES[layer.id][0])


@bp.get("/collections/<collection_id>/items/<fid>")
@readers
def item(collection_id: str, fid: str):
    layer = _layer(collection_id)
    unknown = [k for k in request.args if k != "f"]
    if unknown:
        raise ApiError("invalid parameters", {unknown[0]: "unknown parameter"})
    doc = svc.item(get_session(), auth.current_scope(), _base(), layer, fid)
    if doc is None:
        raise NotFound("no such feature")  # also out of scope: existence is not revealed
    return _answer(doc, "item", svc.GEOJSON, title=f"{layer.id} {fid}")


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_F = query("f", {"type": "string", "enum": ["json", "html"]})


def _ogc_ok(schema: dict, media: str = JSON) -> dict:
    """JSON (or GeoJSON) by default; HTML with ``f=html`` or ``Accept: text/html``."""
    return {"200": {"description": "OK", "content": {media: {"schema": schema},
                                                     "text/html": {"schema": STR}}}}


_OGC_ID = path_param("collection_id", {"type": "string", "enum": list(LAYERS)})

OPENAPI = {
    "/ogc/": {"get": op("OGC API landing page", "ogc", _ogc_ok(obj(("links",), links=arr(
        ref("Link")))), [_F], public=True)},
    "/ogc/conformance": {"get": op("Conformance classes", "ogc", _ogc_ok(obj(
        ("conformsTo",), conformsTo=arr(STR))), [_F], public=True)},
    "/ogc/collections": {"get": op("The collections this account may read", "ogc", _ogc_ok(obj(
        ("links", "collections"), links=arr(ref("Link")), collections=arr(OBJ))), [_F])},
    "/ogc/collections/{collection_id}": {"get": op(
        "One collection", "ogc", _ogc_ok(obj(("id", "links"), id=STR, links=arr(ref("Link")))),
        [_OGC_ID, _F])},
    "/ogc/collections/{collection_id}/items": {"get": op(
        "Features in scope: bbox, datetime, limit, offset and property filters", "ogc",
        _ogc_ok(ref("OgcFeatureCollection"), GEOJSON), [
            _OGC_ID, _F, query("bbox", {"type": "array", "items": NUM, "minItems": 4,
                                        "maxItems": 6}, "lon/lat box (CRS84)") | {
                "style": "form", "explode": False},
            query("datetime", STR, "instant or interval (start/end, '..' open)"),
            query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}),
            query("offset", {"type": "integer", "minimum": 0})])},
    "/ogc/collections/{collection_id}/items/{fid}": {"get": op(
        "One feature", "ogc", _ogc_ok(FEATURE, GEOJSON),
        [_OGC_ID, path_param("fid", STR), _F])},
}
