"""``/api/v1/incidents``, ``/api/v1/dispatches`` and ``/api/v1/responders``: the command
room's side of dispatch. Scoped per account; regional offices act inside their area."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from geo import dispatch as rules
from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.models import DispatchRow
from server.models import ResponderRow
from server.platform.db import get_session
from server.queries import dispatch as q
from server.services import dispatch as dispatch_svc
from server.services import incidents as incident_svc
from server.services import responders as responder_svc
from server.web.body import json_object
from server.web.body import string_field
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import JSON
from server.web.openapi import N_STR
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref

bp = Blueprint("api_incidents", __name__, url_prefix="/api/v1")
readers = auth.require("operator", "admin", "wall", "regional")
actors = auth.require("operator", "regional")


class Conflict(ApiError):
    status = 409


@bp.get("/incidents")
@readers
def list_incidents():
    rows = q.scoped_incidents(get_session(), auth.current_scope())
    return jsonify({"incidents": [incident_svc.incident_dict(r) for r in rows]})


@bp.post("/incidents")
@auth.require("operator")
def create_incident():
    """An incident for any hazard over a GeoJSON polygon; dispatch starts at once."""
    data = json_object()
    fields: dict[str, str] = {}
    hazard = string_field(data, "hazard", fields, max_len=32)
    severity = string_field(data, "severity", fields, max_len=16)
    title = string_field(data, "title", fields, max_len=300)
    area = data.get("area")
    if hazard and hazard not in rules.HAZARDS:
        fields["hazard"] = f"one of {', '.join(rules.HAZARDS)}"
    if severity and severity not in rules.SEVERITIES:
        fields["severity"] = f"one of {', '.join(rules.SEVERITIES)}"
    if title is not None and not title.strip():
        fields["title"] = "must not be empty"
    if not isinstance(area, dict) or area.get("type") not in ("Polygon", "MultiPolygon") \
            or not isinstance(area.get("coordinates"), list):
        fields["area"] = "a GeoJSON Polygon or MultiPolygon geometry"
    if fields:
        raise ApiError("invalid incident", fields)
    session = get_session()
    try:
        incident = incident_svc.create_manual(session, auth.current_principal(), hazard,
                                              severity, title.strip(), area)
    except ApiError:
        raise
    except Exception as exc:  # GeoJSON PostGIS cannot read
        session.rollback()
        if "geojson" in str(exc).lower() or "geometry" in str(exc).lower():
            raise ApiError("invalid incident", {"area": "unreadable GeoJSON geometry"}) from None
        raise
    return jsonify(incident_svc.incident_dict(incident)), 201


def _incident(incident_id: int):
    row = q.scoped_incident(get_session(), auth.current_scope(), incident_id)
    if row is None:
        raise NotFound("no such incident")
    return row


@bp.get("/incidents/<int:incident_id>")
@readers
def get_incident(incident_id: int):
    return jsonify(incident_svc.incident_dict(_incident(incident_id)))


@bp.get("/incidents/<int:incident_id>/dispatch")
@readers
def incident_dispatch(incident_id: int):
    """Per affected area (in scope): its responders and their states."""
    incident = _incident(incident_id)
    session = get_session()
    scope = auth.current_scope()
    by_area: dict[str, list] = {}
    for d, r in q.incident_dispatches(session, incident.id, scope):
        by_area.setdefault(d.area_code, []).append(dispatch_svc.dispatch_payload(d, r))
    areas = []
    for a in q.incident_areas(session, incident.id, scope):
        rows = by_area.get(a.code, [])
        acked = sum(1 for d in rows if d["state"] in rules.ACKNOWLEDGED)
        areas.append({"code": a.code, "name": a.name, "level": a.level, "needed": a.needed,
                      "acknowledged": acked, "staffed": acked >= a.needed,
                      "unstaffed_at": a.unstaffed_at.isoformat() if a.unstaffed_at else None,
                      "dispatches": rows})
    return jsonify({"incident": incident_svc.incident_dict(incident), "areas": areas})


def _dispatch_in_scope(dispatch_id: int) -> DispatchRow:
    session = get_session()
    d = session.get(DispatchRow, dispatch_id)
    if d is None or not auth.current_scope().covers_code(d.area_code):
        raise NotFound("no such dispatch")
    return d


@bp.post("/incidents/<int:incident_id>/dispatch")
@actors
def add_dispatch(incident_id: int):
    """Send one more responder to an area: ``{"area": code, "responder_id": id}``."""
    incident = _incident(incident_id)
    data = json_object()
    session = get_session()
    area = q.incident_area(session, incident.id, str(data.get("area", "")))
    responder = session.get(ResponderRow, data.get("responder_id")) \
        if isinstance(data.get("responder_id"), int) else None
    fields = {}
    if area is None or not auth.current_scope().covers_code(area.code):
        fields["area"] = "not an area of this incident"
    if responder is None or not responder.active:
        fields["responder_id"] = "no such active responder"
    if fields:
        raise ApiError("invalid dispatch", fields)
    d = dispatch_svc.add(session, auth.current_principal(), incident, area.code, responder)
    return jsonify(dispatch_svc.dispatch_payload(d, responder)), 201


@bp.post("/dispatches/<int:dispatch_id>/cancel")
@actors
def cancel_dispatch(dispatch_id: int):
    d = _dispatch_in_scope(dispatch_id)
    data = request.get_json(silent=True) or {}
    reason = data.get("reason") if isinstance(data, dict) else None
    try:
        d = dispatch_svc.transition(get_session(), auth.current_principal(), d.id, "cancelled",
                                    reason if isinstance(reason, str) else None)
    except dispatch_svc.DispatchStateError as exc:
        raise Conflict(str(exc), {"state": exc.current}) from None
    return jsonify(dispatch_svc.dispatch_payload(d))


@bp.post("/dispatches/<int:dispatch_id>/reassign")
@actors
def reassign_dispatch(dispatch_id: int):
    """Cancel this dispatch and send ``responder_id`` to the same area instead."""
    d = _dispatch_in_scope(dispatch_id)
    data = json_object()
    session = get_session()
    responder = session.get(ResponderRow, data.get("responder_id")) \
        if isinstance(data.get("responder_id"), int) else None
    if responder is None or not responder.active:
        raise ApiError("invalid dispatch", {"responder_id": "no such active responder"})
    new = dispatch_svc.reassign(session, auth.current_principal(), d.id, responder)
    return jsonify(dispatch_svc.dispatch_payload(new, responder)), 201


# -- responders -------------------------------------------------------------------------------
@bp.get("/responders")
@auth.require("operator", "admin", "regional")
def list_responders():
    try:
        limit = min(max(int(request.args.get("limit", 500)), 1), 5000)
        offset = min(max(int(request.args.get("offset", 0)), 0), 10_000_000)  # bigint-safe
    except ValueError:
        raise ApiError("invalid parameters", {"limit": "an integer"}) from None
    rows = q.list_responders(get_session(), auth.current_scope(), limit, offset)
    return jsonify({"responders": [responder_svc.responder_dict(r, lat, lon)
                                   for r, lat, lon in rows]})


@bp.post("/responders")
@auth.require("operator", "admin")
def create_responder():
    row = responder_svc.create(get_session(), auth.current_principal(), json_object())
    base = q.responder_base(get_session(), row.id)
    return jsonify(responder_svc.responder_dict(row, *base)), 201


def _responder(responder_id: int) -> ResponderRow:
    row = get_session().get(ResponderRow, responder_id)
    if row is None or not auth.current_scope().covers_code(row.district_code):
        raise NotFound("no such responder")
    return row


@bp.patch("/responders/<int:responder_id>")
@auth.require("operator", "admin")
def update_responder(responder_id: int):
    row = responder_svc.update(get_session(), auth.current_principal(), _responder(responder_id),
                               json_object())
    return jsonify(responder_svc.responder_dict(row, *q.responder_base(get_session(), row.id)))


@bp.delete("/responders/<int:responder_id>")
@auth.require("operator", "admin")
def deactivate_responder(responder_id: int):
    row = responder_svc.deactivate(get_session(), auth.current_principal(),
                                   _responder(responder_id))
    return jsonify(responder_svc.responder_dict(row, *q.responder_base(get_session(), row.id)))


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_AREA_DISPATCH = obj(("code", "dispatches"), code=STR, name=STR, level=STR, needed=INT,
                     acknowledged=INT, staffed=BOOL, unstaffed_at=N_STR,
                     dispatches=arr(ref("Dispatch")))

OPENAPI = {
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
