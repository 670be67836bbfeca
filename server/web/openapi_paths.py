"""Every path of the OpenAPI description (see :mod:`server.web.openapi`)."""

from __future__ import annotations

from server.queries.layers import LAYERS
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import JSON
from server.web.openapi import N_INT
from server.web.openapi import N_NUM
from server.web.openapi import N_STR
from server.web.openapi import NUM
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import nullable
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref

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

_auth = {
    "/api/v1/auth/token": {
        "post": op("Exchange a username and password for a bearer token", AUTH,
                   ok(obj(("token", "expires_at", "role"), token=STR, expires_at=STR, role=STR,
                          region=N_STR), 201),
                   request=body(obj(("username", "password"), username=STR, password=STR)),
                   public=True),
        "delete": op("Revoke the bearer token in use", AUTH, ok(None, 204, description="gone")),
    },
    "/api/v1/auth/me": {"get": op("The principal, its scope and rooms", AUTH, ok(obj(
        ("kind", "role", "scope", "rooms"), kind=STR, role=N_STR, username=N_STR,
        region=N_STR, responder_id=N_INT, channel=N_STR, scope=OBJ, rooms=arr(STR))))},
}

_admin = {
    "/api/v1/users": {
        "get": op("Accounts (admins)", "admin", ok(obj(("users",), users=arr(ref("User"))))),
        "post": op("Create an account (admins)", "admin", ok(ref("User"), 201), request=body(
            obj(("username", "role"), username=STR, role=STR, region=N_STR, password=N_STR,
                responder_id=N_INT))),
    },
    "/api/v1/users/{user_id}": {"patch": op(
        "Disable or enable an account", "admin", ok(ref("User")), [path_param("user_id")],
        body(obj(("disabled",), disabled=BOOL)))},
    "/api/v1/keys": {
        "get": op("Channel keys", "admin", ok(obj(("keys",), keys=arr(ref("Key"))))),
        "post": op("Create a channel key (shown once)", "admin", ok(ref("Key"), 201),
                   request=body(obj(("channel",), channel=STR, name=N_STR))),
    },
    "/api/v1/keys/{key_id}": {"delete": op("Revoke a channel key", "admin",
                                           ok(None, 204, description="revoked"),
                                           [path_param("key_id")])},
    "/api/v1/wall-codes": {"post": op("A one-time wall code", "admin", ok(obj(
        ("code", "wall", "url"), code=STR, wall=STR, url=STR), 201),
        request=body(obj(("name",), name=STR)))},
    "/api/v1/audit": {"get": op("The audit trail, newest first", "admin", ok(obj(
        ("entries",), entries=arr(OBJ))), [
        query("object_type", STR), query("object_id", STR), query("actor", STR),
        query("since", TIME), query("until", TIME), query("limit", INT),
        query("before_id", INT)])},
}

_areas = {
    "/api/v1/areas/lookup": {"get": op(
        "Province, regency and district of a point", "areas",
        ok(obj(("province", "regency", "district"), province=AREA_REF, regency=AREA_REF,
               district=AREA_REF, offshore_km=N_NUM)),
        [query("lat", {"type": "number", "minimum": -90, "maximum": 90}, required=True),
         query("lon", {"type": "number", "minimum": -180, "maximum": 180}, required=True)],
        public=True)},
    "/api/v1/channels/{channel}/heartbeat": {"post": op(
        "A channel system says it is alive (channel key)", "complaints",
        ok(obj(("channel", "key", "at"), channel=STR, key=STR, at=STR)),
        [path_param("channel", STR)])},
}

_complaints = {
    "/api/v1/complaints": {
        "post": op("Submit one complaint (channel key)", "complaints",
                   {**ok(INTAKE, 201), **ok(INTAKE)}, request=body(OBJ)),
        "get": op("Complaints in scope as GeoJSON, newest first", "complaints",
                  ok(obj(("type", "features"), type=STR, features=arr(FEATURE), next=N_STR)),
                  COMPLAINT_FILTERS + PAGING),
    },
    "/api/v1/complaints/batch": {"post": op(
        "Up to 5,000 complaints (JSON array or NDJSON)", "complaints",
        ok(obj(("results",), results=arr(OBJ), created=INT, existing=INT, failed=INT)),
        request=body(arr(OBJ)))},
    "/api/v1/complaints/unplaced": {"get": op(
        "The unplaced queue", "complaints",
        ok(obj(("type", "features"), type=STR, features=arr(FEATURE), next=N_STR)), PAGING)},
    "/api/v1/complaints/summary": {"get": op(
        "Counts per province or regency", "complaints", ok(OBJ),
        [query("level", {"type": "string", "enum": ["province", "regency"]})])},
    "/api/v1/complaints/{complaint_id}": {
        "get": op("One complaint with its timeline", "complaints", ok(FEATURE),
                  [path_param("complaint_id")]),
        "patch": op("Change status, note, reason or assignee", "complaints", ok(FEATURE),
                    [path_param("complaint_id")], body(obj(
                        status=STR, note=STR, reason=STR, assigned_to=N_STR))),
    },
    "/api/v1/complaints/{complaint_id}/place": {"post": op(
        "Place a complaint by hand", "complaints", ok(FEATURE), [path_param("complaint_id")],
        body(obj(district=STR, lat=NUM, lon=NUM)))},
    "/api/v1/complaints/{complaint_id}/duplicate": {"post": op(
        "Confirm or dismiss a possible duplicate", "complaints", ok(FEATURE),
        [path_param("complaint_id")], body(obj(("of", "decision"), of=INT, decision={
            "type": "string", "enum": ["confirm", "dismiss"]})))},
}

_events = {
    "/api/v1/events": {"get": op("Events in scope after `since`", "events", ok(obj(
        ("events",), events=arr(ref("Event")))), [
        query("since", {"type": "integer", "minimum": 0}),
        query("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
        query("type", STR)])},
    "/api/v1/events/{seq}": {"get": op("One event", "events", ok(ref("Event")),
                                       [path_param("seq")])},
    "/api/v1/events/count": {"get": op("Event counts in scope", "events", ok(obj(
        ("count", "by_type"), count=INT, by_type={"type": "object",
                                                  "additionalProperties": INT})),
        [query("type", STR)])},
    "/api/v1/events/export.ndjson": {"get": op(
        "Every event in scope as NDJSON", "events", ok(STR, media="application/x-ndjson"),
        [query("since", {"type": "integer", "minimum": 0})])},
}

_AREA_DISPATCH = obj(("code", "dispatches"), code=STR, name=STR, level=STR, needed=INT,
                     acknowledged=INT, staffed=BOOL, unstaffed_at=N_STR,
                     dispatches=arr(ref("Dispatch")))
_dispatch = {
    "/api/v1/incidents": {
        "get": op("Incidents in scope", "dispatch", ok(obj(
            ("incidents",), incidents=arr(ref("Incident"))))),
        "post": op("Open an incident over a polygon; dispatch starts", "dispatch",
                   ok(ref("Incident"), 201), request=body(obj(
                       ("hazard", "severity", "title", "area"), hazard=STR, severity=STR,
                       title=STR, area=OBJ))),
    },
    "/api/v1/incidents/{incident_id}": {"get": op(
        "One incident", "dispatch", ok(ref("Incident")), [path_param("incident_id")])},
    "/api/v1/incidents/{incident_id}/dispatch": {
        "get": op("Per area: responders and states", "dispatch", ok(obj(
            ("incident", "areas"), incident=ref("Incident"), areas=arr(_AREA_DISPATCH))),
            [path_param("incident_id")]),
        "post": op("Send one more responder to an area", "dispatch", ok(ref("Dispatch"), 201),
                   [path_param("incident_id")], body(obj(
                       ("area", "responder_id"), area=STR, responder_id=INT))),
    },
    "/api/v1/dispatches/{dispatch_id}/cancel": {"post": op(
        "Cancel a dispatch", "dispatch", ok(ref("Dispatch")), [path_param("dispatch_id")],
        {"required": False, "content": {JSON: {"schema": obj(reason=STR)}}})},
    "/api/v1/dispatches/{dispatch_id}/reassign": {"post": op(
        "Send another responder instead", "dispatch", ok(ref("Dispatch"), 201),
        [path_param("dispatch_id")], body(obj(("responder_id",), responder_id=INT)))},
    "/api/v1/responders": {
        "get": op("Responders in scope", "dispatch", ok(obj(
            ("responders",), responders=arr(ref("Responder")))), [
            query("limit", {"type": "integer", "minimum": 1}),
            query("offset", {"type": "integer", "minimum": 0})]),
        "post": op("Create a responder", "dispatch", ok(ref("Responder"), 201),
                   request=body(OBJ)),
    },
    "/api/v1/responders/{responder_id}": {
        "patch": op("Update a responder", "dispatch", ok(ref("Responder")),
                    [path_param("responder_id")], body(OBJ)),
        "delete": op("Deactivate a responder", "dispatch", ok(ref("Responder")),
                     [path_param("responder_id")]),
    },
}

_me = {
    "/api/v1/me/assignments": {"get": op("My dispatches (field tablets)", "field", ok(obj(
        ("responder_id", "assignments"), responder_id=INT, assignments=arr(OBJ))))},
    "/api/v1/me/assignments/{dispatch_id}/ack": {"post": op(
        "Acknowledge", "field", ok(ref("Dispatch")), [path_param("dispatch_id")])},
    "/api/v1/me/assignments/{dispatch_id}/decline": {"post": op(
        "Decline", "field", ok(ref("Dispatch")), [path_param("dispatch_id")],
        {"required": False, "content": {JSON: {"schema": obj(reason=STR)}}})},
    "/api/v1/me/assignments/{dispatch_id}/status": {"post": op(
        "en_route, on_site or done", "field", ok(ref("Dispatch")),
        [path_param("dispatch_id")], body(obj(("status",), status={
            "type": "string", "enum": ["en_route", "on_site", "done"]})))},
    "/api/v1/me/position": {"post": op(
        "Report the tablet's position", "field",
        {**ok(obj(("stored",), stored=BOOL), 201), **ok(obj(("stored",), stored=BOOL))},
        request=body(obj(("lat", "lon", "accuracy_m"), lat=NUM, lon=NUM, accuracy_m=NUM,
                         at=STR)))},
}

_map = {
    "/api/v1/map/areas": {"get": op("Simplified outlines of one level", "map", ok(FC), [
        query("level", {"type": "string", "enum": ["province", "regency", "district"]}),
        *MAP_VIEW])},
    "/api/v1/map/complaints": {"get": op("Complaints aggregated for the view", "map",
                                         ok(MAP_FC), MAP_VIEW + [
                                             query("status", STR), query("channel", STR),
                                             query("category", STR)])},
    "/api/v1/map/responders": {"get": op("Responders aggregated for the view", "map",
                                         ok(MAP_FC), MAP_VIEW)},
}

_quakes = {
    "/api/v1/quakes": {"get": op("Quakes in scope, newest first (GeoJSON)", "quakes", ok(FC), [
        query("start", TIME), query("end", TIME), query("min_magnitude", NUM),
        query("bbox", BBOX), query("limit", INT)])},
    "/api/v1/quakes/{quake_id}": {"get": op(
        "One quake with contours, areas, exposure and revisions", "quakes", ok(FEATURE),
        [path_param("quake_id")])},
    "/api/v1/quakes/{quake_id}/cap": {"get": op(
        "The quake as a CAP 1.2 message", "alerts", ok(STR, media="application/cap+xml"),
        [path_param("quake_id")])},
    "/api/v1/incidents/{incident_id}/cap": {"get": op(
        "The incident as a CAP 1.2 message", "alerts", ok(STR, media="application/cap+xml"),
        [path_param("incident_id")])},
    "/api/v1/alerts.atom": {"get": op(
        "Atom feed of current alerts", "alerts", ok(STR, media="application/atom+xml"),
        [query("days", {"type": "integer", "minimum": 1, "maximum": 30})])},
    "/api/v1/openapi.json": {"get": op("This description", "meta", ok(OBJ), public=True)},
}


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


_exports = {
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

_F = query("f", {"type": "string", "enum": ["json", "html"]})


def _ogc_ok(schema: dict, media: str = JSON) -> dict:
    """JSON (or GeoJSON) by default; HTML with ``f=html`` or ``Accept: text/html``."""
    return {"200": {"description": "OK", "content": {media: {"schema": schema},
                                                     "text/html": {"schema": STR}}}}


_OGC_ID = path_param("collection_id", {"type": "string", "enum": list(LAYERS)})
_ogc = {
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

PATHS = {**_auth, **_admin, **_areas, **_complaints, **_events, **_dispatch, **_me, **_map,
         **_quakes, **_exports, **_ogc}
