"""The OpenAPI 3.0 description of Kendali's JSON API (``/api/v1``) and OGC API (``/ogc``).

Each view module describes its own paths (``OPENAPI``, collected by
:mod:`server.web.api_openapi`) with the building blocks here, and
kept true by two tests: every ``/api/v1`` and ``/ogc`` route of the app must be described,
and schemathesis fuzzes the real server against this description (no 5xx, documented status
codes, content types and response schemas).
"""

from __future__ import annotations

from typing import Any

JSON = "application/json"

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


STR, INT, NUM, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "number"}, {
    "type": "boolean"}
OBJ = {"type": "object"}
N_STR, N_INT, N_NUM = nullable(STR), nullable(INT), nullable(NUM)


def obj(required: tuple[str, ...] = (), **props: dict) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


def arr(items: dict) -> dict:
    return {"type": "array", "items": items}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


GEOMETRY = nullable(obj(("type",), type=STR, coordinates=arr({})))
FEATURE = obj(("type", "geometry", "properties"), type={"type": "string", "enum": ["Feature"]},
              geometry=GEOMETRY, properties=nullable(OBJ),
              id={"oneOf": [STR, INT]})
FEATURES = obj(("type", "features"), type={"type": "string", "enum": ["FeatureCollection"]},
               features=arr(ref("Feature")))
INCIDENT = obj(("id", "hazard", "severity", "title", "status"), id=INT, hazard=STR,
               severity=STR, title=STR, status=STR, quake_id=N_INT, created_at=N_STR,
               closed_at=N_STR, closed_by=N_STR, close_note=N_STR, last_activity_at=N_STR)
DISPATCH = obj(("id", "incident_id", "area", "state", "responder_id"), id=INT,
               incident_id=INT, area=STR, state=STR, responder_id=INT, distance_km=N_NUM,
               notified_at=STR, ack_deadline=STR, state_at=STR, reason=N_STR)
RESPONDER = obj(("id", "type", "name"), id=INT, type=STR, name=STR, phone=N_STR,
                external_ref=N_STR, availability=STR, active=BOOL, home=OBJ,
                base=nullable(obj(lat=NUM, lon=NUM)), position_at=N_STR,
                position_accuracy_m=N_NUM)
EVENT = obj(("seq", "type", "regions", "payload"), seq=INT, type=STR, time=N_STR,
            regions=arr(STR), payload=OBJ)
USER = obj(("id", "username", "role"), id=INT, username=STR, role=STR, region=N_STR,
           responder_id=N_INT, unit_id=N_INT, display_name=N_STR, disabled=BOOL,
           created_at=N_STR)
KEY = obj(("id", "channel", "prefix"), id=INT, channel=STR, name=N_STR, prefix=STR,
          created_at=N_STR, revoked=BOOL, last_used_at=N_STR)
LINK = obj(("href",), href=STR, rel=STR, type=STR, title=STR)
OGC_FEATURES = obj(("type", "features", "numberMatched", "numberReturned", "timeStamp",
                    "links"),
                   type={"type": "string", "enum": ["FeatureCollection"]},
                   features=arr(ref("Feature")), numberMatched={"type": "integer", "minimum": 0},
                   numberReturned={"type": "integer", "minimum": 0}, timeStamp=STR,
                   links=arr(ref("Link")))

SCHEMAS = {"Error": ERROR, "Feature": FEATURE, "FeatureCollection": FEATURES,
           "Incident": INCIDENT, "Dispatch": DISPATCH, "Responder": RESPONDER, "Event": EVENT,
           "User": USER, "Key": KEY, "Link": LINK, "OgcFeatureCollection": OGC_FEATURES}


def query(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    out = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        out["description"] = description
    return out


def path_param(name: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema or INT}


def body(schema: dict, media: str = JSON) -> dict:
    return {"required": True, "content": {media: {"schema": schema}}}


def ok(schema: dict | None, status: int = 200, media: str = JSON, description: str = "OK"):
    if schema is None:
        return {str(status): {"description": description}}
    return {str(status): {"description": description, "content": {media: {"schema": schema}}}}


def op(summary: str, tag: str, responses: dict, params: list | None = None,
       request: dict | None = None, public: bool = False) -> dict:
    """One operation; every one may answer a JSON error (4XX) or 503 (database restarting)."""
    out: dict[str, Any] = {"summary": summary, "tags": [tag], "parameters": params or [],
                           "responses": {**responses,
                                         "4XX": {"$ref": "#/components/responses/Error"},
                                         "503": {"$ref": "#/components/responses/Error"}}}
    if request:
        out["requestBody"] = request
    if public:
        out["security"] = [{}, {"bearer": []}]
    return out


# -- building blocks shared by several views' descriptions ------------------------------
TIME = {"type": "string", "description": "ISO 8601 date or date-time (UTC when no zone)"}
BBOX = {"type": "string", "description": "minLon,minLat,maxLon,maxLat"}
AREA = {"type": "string", "description": "Kemendagri code: 72, 72.71 or 72.71.01"}
GEOJSON = "application/geo+json"
FC, FEATURE = ref("FeatureCollection"), ref("Feature")
COMPLAINT_FILTERS = [
    query("channel", STR), query("category", STR),
    query("status", STR, "one or more statuses, comma-separated"),
    query("overdue", {"type": "string", "enum": ["true", "false", "1", "0"]}),
    query("start", TIME), query("end", TIME), query("area", AREA), query("bbox", BBOX),
    query("q", {"type": "string", "minLength": 3, "maxLength": 200},
          "words the description contains (case-insensitive)"),
]
PAGING = [query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
          query("offset", {"type": "integer", "minimum": 0})]
MAP_VIEW = [query("bbox", BBOX), query("zoom", {"type": "integer", "minimum": 0, "maximum": 20})]
MAP_FC = obj(("type", "features"), type=STR, level=STR, zoom=INT, total=INT,
             features=arr(FEATURE))
AREA_REF = nullable(obj(("code", "name"), code=STR, name=STR))
INTAKE = obj(("id", "status", "area"), id=INT, status=STR, area=OBJ,
             possible_duplicate_of=N_INT)
AUTH = "auth"


def document(server_url: str, paths: dict) -> dict:
    """The whole description of ``paths``, with ``server_url`` as its server."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Kendali API", "version": "1",
                 "description": "Live map server of the Ministry of Social Affairs' command "
                                "center: JSON API (/api/v1) and OGC API - Features (/ogc). "
                                "Authenticate with `Authorization: Bearer <token>` from "
                                "POST /api/v1/auth/token (or a browser session)."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
            "responses": {"Error": {"description": "A JSON error naming the bad fields",
                                    "content": {JSON: {"schema": ref("Error")}}}},
        },
    }
