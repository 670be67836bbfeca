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
from server.services import layers
from server.services import ogc as svc

bp = Blueprint("ogc", __name__, url_prefix="/ogc")
readers = auth.require(*layers.READERS)
_OFFERED = ["application/json", "application/geo+json", "text/html"]


def _base() -> str:
    return request.url_root.rstrip("/") + "/ogc"


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
    service_desc = request.url_root.rstrip("/") + "/api/v1/openapi.json"
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
