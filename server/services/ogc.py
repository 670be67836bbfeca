"""OGC API - Features (Part 1: Core, GeoJSON, HTML, OpenAPI 3.0) documents for Kendali.

Pure request-independent work: parsing the query parameters, building the landing page,
conformance, collections and items documents with their links. URLs are made from the
``base`` (``http://host/ogc``) the view passes in. CRS84 only.
"""

from __future__ import annotations

import json
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from urllib.parse import urlencode

from geo import geojson
from geo.bbox import BBoxError
from geo.bbox import Box
from geo.bbox import parse_bbox
from server.errors import ApiError
from server.queries import ogc as q
from server.queries.layers import Layer
from server.services import layers

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
JSON, GEOJSON, HTML = "application/json", "application/geo+json", "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
INDONESIA = [94.0, -11.5, 141.5, 6.5]
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
ITEM_PARAMS = ("f", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset")
_TYPES = {"int": int, "float": float, "str": str}


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def _url(base: str, path: str, params: list[tuple[str, str]] | None = None) -> str:
    return f"{base}{path}" + (f"?{urlencode(params)}" if params else "")


def _self_and_alternate(base: str, path: str, type_: str, params=()) -> list[dict]:
    params = [(k, v) for k, v in params if k != "f"]
    return [
        _link(_url(base, path, params + [("f", "json")]), "self", type_, "this document"),
        _link(_url(base, path, params + [("f", "html")]), "alternate", HTML, "as HTML"),
    ]


def landing(base: str, service_desc: str) -> dict:
    return {
        "title": "Kendali — OGC API - Features",
        "description": "Layers of the Ministry of Social Affairs' command center (Kementerian "
                       "Sosial): administrative areas, BMKG earthquakes and their impact, "
                       "incidents, complaints and dispatch. Bearer token or session required "
                       "below /collections; each account sees its own area only.",
        "links": _self_and_alternate(base, "/", JSON) + [
            _link(service_desc, "service-desc", OPENAPI, "the API definition (OpenAPI 3)"),
            _link(_url(base, "/conformance"), "conformance", JSON, "conformance classes"),
            _link(_url(base, "/collections"), "data", JSON, "the collections"),
        ],
    }


def conformance(base: str) -> dict:
    return {"conformsTo": CONFORMANCE,
            "links": _self_and_alternate(base, "/conformance", JSON)}


def collection(base: str, layer: Layer) -> dict:
    title, description = layers.TITLES[layer.id]
    path = f"/collections/{layer.id}"
    return {
        "id": layer.id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [INDONESIA], "crs": CRS84}},
        "links": _self_and_alternate(base, path, JSON) + [
            _link(_url(base, path + "/items", [("f", "json")]), "items", GEOJSON, "features"),
            _link(_url(base, path + "/items", [("f", "html")]), "items", HTML,
                  "features as HTML"),
        ],
    }


def collections(base: str, role: str | None) -> dict:
    return {"links": _self_and_alternate(base, "/collections", JSON),
            "collections": [collection(base, layer) for layer in layers.visible(role)]}


# -- items parameters -----------------------------------------------------------------------
def _bad(name: str, message: str):
    raise ApiError("invalid parameters", {name: message})


def _int(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        _bad(name, "an integer")
    if not low <= value <= high:
        _bad(name, f"between {low} and {high}")
    return value


def _bbox(raw: str | None) -> Box | None:
    if not raw:
        return None
    try:
        return parse_bbox(raw, ogc=True)
    except BBoxError as exc:
        _bad("bbox", str(exc))


def _instant(raw: str) -> tuple[datetime, datetime, bool]:
    """(start, end, end_inclusive) of one RFC 3339 date or date-time."""
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            start = datetime.combine(day, time(), UTC)
            return start, start + timedelta(days=1), False
        value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        _bad("datetime", "an RFC 3339 date-time or interval (start/end, '..' for open)")
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value, value, True


def _datetime(raw: str | None) -> tuple[datetime | None, datetime | None, bool]:
    if not raw:
        return None, None, True
    if "/" not in raw:
        return _instant(raw)
    left, _, right = raw.partition("/")
    start = None if left in ("", "..") else _instant(left)[0]
    end, inclusive = None, True
    if right not in ("", ".."):
        _, end, inclusive = _instant(right)
    if start and end and start > end:
        _bad("datetime", "the interval ends before it starts")
    return start, end, inclusive


def _property(layer: Layer, name: str, raw: str):
    kind = layer.column(name).type
    if kind == "bool":
        if raw.lower() not in ("true", "false", "1", "0"):
            _bad(name, "true or false")
        return raw.lower() in ("true", "1")
    try:
        return _TYPES.get(kind, str)(raw)
    except ValueError:
        _bad(name, f"a value of type {kind}")


def item_filter(layer: Layer, args) -> tuple[q.ItemFilter, int, int]:
    """(filter, limit, offset) from the query string; 400 for an unknown or bad parameter."""
    unknown = [k for k in args if k not in ITEM_PARAMS and k not in layer.queryables]
    if unknown:
        _bad(unknown[0], "unknown parameter; queryables: " + ", ".join(layer.queryables))
    for name in ("crs", "bbox-crs"):
        if args.get(name) not in (None, CRS84):
            _bad(name, f"only {CRS84} is supported")
    start, end, inclusive = _datetime(args.get("datetime"))
    props = tuple((k, _property(layer, k, args[k])) for k in layer.queryables if k in args)
    f = q.ItemFilter(_bbox(args.get("bbox")), start, end, inclusive, props)
    limit = _int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    return f, limit, _int(args, "offset", 0, 0, 1_000_000_000)


# -- items ----------------------------------------------------------------------------------
def feature(base: str, layer: Layer, row: dict) -> dict:
    geometry = json.loads(row["geometry"]) if row["geometry"] else None
    out = geojson.feature(geometry, layers.json_properties(layer, row), row["fid"])
    path = f"/collections/{layer.id}"
    out["links"] = [
        _link(_url(base, f"{path}/items/{row['fid']}", [("f", "json")]), "self", GEOJSON),
        _link(_url(base, f"{path}/items/{row['fid']}", [("f", "html")]), "alternate", HTML),
        _link(_url(base, path, [("f", "json")]), "collection", JSON, "the collection"),
    ]
    return out


def items(session, scope, base: str, layer: Layer, args: list[tuple[str, str]],
          f: q.ItemFilter, limit: int, offset: int) -> dict:
    """The items page: features, numberMatched (in scope), numberReturned, paging links."""
    rows = q.page(session, layer, scope, f, limit, offset)
    matched = q.count(session, layer, scope, f)
    path = f"/collections/{layer.id}/items"
    kept = [(k, v) for k, v in args if k not in ("offset", "f", "limit")]
    links = _self_and_alternate(base, path, GEOJSON, kept + [("limit", str(limit)),
                                                             ("offset", str(offset))])
    if offset + len(rows) < matched:
        links.append(_link(_url(base, path, kept + [("limit", str(limit)), (
            "offset", str(offset + limit)), ("f", "json")]), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(_link(_url(base, path, kept + [("limit", str(limit)), (
            "offset", str(max(offset - limit, 0))), ("f", "json")]), "prev", GEOJSON,
            "previous page"))
    links.append(_link(_url(base, f"/collections/{layer.id}"), "collection", JSON))
    return geojson.collection(
        [feature(base, layer, r) for r in rows],
        numberMatched=matched,
        numberReturned=len(rows),
        timeStamp=layers.iso(datetime.now(UTC)),
        links=links,
    )


def item(session, scope, base: str, layer: Layer, fid: str) -> dict | None:
    row = q.one(session, layer, scope, fid)
    return feature(base, layer, row) if row else None
