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
from server.queries import incidents as incident_queries
from server.services import dispatch as dispatch_svc
from server.services import incidents as incident_svc
from server.services import manual_dispatch
from server.services import standdown
from server.web.api_candidates import may_see_phone
from server.web.body import json_object
from server.web.body import string_field
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import JSON
from server.web.openapi import N_STR
from server.web.openapi import NUM
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import ref

bp = Blueprint("api_incidents", __name__, url_prefix="/api/v1")
readers = auth.require("operator", "admin", "wall", "regional")
actors = auth.require("operator", "regional")
closers = auth.require("operator", "admin", "regional")


@bp.get("/incidents")
@readers
def list_incidents():
    rows = incident_queries.scoped_incidents(get_session(), auth.current_scope())
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
    row = incident_queries.scoped_incident(get_session(), auth.current_scope(), incident_id)
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
    principal = auth.current_principal()
    for d, r in q.incident_dispatches(session, incident.id, scope):
        body = dispatch_svc.dispatch_payload(d, r)
        if may_see_phone(principal, r.district_code):  # never the wall's, never in events
            body["responder"]["phone"] = r.phone
        by_area.setdefault(d.area_code, []).append(body)
    areas = []
    for a in incident_queries.incident_areas(session, incident.id, scope):
        rows = by_area.get(a.code, [])
        acked = sum(1 for d in rows if d["state"] in rules.ACKNOWLEDGED)
        areas.append({"code": a.code, "name": a.name, "level": a.level, "needed": a.needed,
                      "acknowledged": acked, "staffed": acked >= a.needed,
                      "unstaffed_at": _iso(a.unstaffed_at), "short_reason": a.unstaffed_reason,
                      "closed_at": _iso(a.closed_at), "close_note": a.close_note,
                      "below_at": _iso(a.below_at), "dispatches": rows})
    sequence = [{"quake_id": quake.id, "role": role, "magnitude": quake.magnitude,
                 "origin_time": _iso(quake.origin_time)}
                for quake, role in incident_queries.sequence_of(session, incident.id)]
    return jsonify({"incident": incident_svc.incident_dict(incident), "sequence": sequence,
                    "areas": areas})


def _iso(moment):
    return moment.isoformat() if moment else None


def _note() -> str | None:
    """The optional ``{"note"}`` of a close or reopen (at most 1,000 characters)."""
    data = request.get_json(silent=True) if request.content_length else None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ApiError("request body must be a JSON object", {"body": "not an object"})
    fields: dict[str, str] = {}
    note = string_field(data, "note", fields, required=False, max_len=1000)
    if fields:
        raise ApiError("invalid note", fields)
    return note


@bp.post("/incidents/<int:incident_id>/close")
@closers
def close_incident(incident_id: int):
    """Close the incident: pending notifications cancelled, everyone released."""
    incident = _incident(incident_id)
    row = standdown.close(get_session(), auth.current_principal(), incident.id, _note())
    return jsonify(incident_svc.incident_dict(row))


@bp.post("/incidents/<int:incident_id>/reopen")
@closers
def reopen_incident(incident_id: int):
    incident = _incident(incident_id)
    row = standdown.reopen(get_session(), auth.current_principal(), incident.id, _note())
    return jsonify(incident_svc.incident_dict(row))


@bp.post("/incidents/<int:incident_id>/areas/<code>/close")
@closers
def close_area(incident_id: int, code: str):
    """Stand one area down (its people are released); the rest of the incident goes on."""
    incident = _incident(incident_id)
    area = standdown.close_area(get_session(), auth.current_principal(), incident.id, code,
                                _note())
    return jsonify({"incident_id": incident.id, "code": area.code, "name": area.name,
                    "closed_at": _iso(area.closed_at), "close_note": area.close_note})


def _dispatch_in_scope(dispatch_id: int) -> DispatchRow:
    session = get_session()
    d = session.get(DispatchRow, dispatch_id)
    # A standby notice is no dispatch: nobody travels, nothing to cancel or reassign.
    if d is None or d.kind != "dispatch" or not auth.current_scope().covers_code(d.area_code):
        raise NotFound("no such dispatch")
    return d


def _beyond_limit(data: dict) -> bool:
    value = data.get("beyond_limit", False)
    if not isinstance(value, bool):
        raise ApiError("invalid dispatch", {"beyond_limit": "true or false"})
    return value


@bp.post("/incidents/<int:incident_id>/dispatch")
@actors
def add_dispatch(incident_id: int):
    """Notify a chosen responder for an area: ``{"area", "responder_id", "beyond_limit"?}``
    (see :mod:`server.services.manual_dispatch` for the rules)."""
    incident = _incident(incident_id)
    data = json_object()
    session = get_session()
    area = incident_queries.incident_area(session, incident.id, str(data.get("area", "")))
    if area is None or not auth.current_scope().covers_code(area.code):
        raise ApiError("invalid dispatch", {"area": "not an area of this incident"})
    d = manual_dispatch.send(session, auth.current_principal(), incident, area.code,
                             data.get("responder_id"), _beyond_limit(data))
    return jsonify(dispatch_svc.dispatch_payload(d, session.get(ResponderRow,
                                                                d.responder_id))), 201


@bp.post("/dispatches/<int:dispatch_id>/cancel")
@actors
def cancel_dispatch(dispatch_id: int):
    d = _dispatch_in_scope(dispatch_id)
    data = request.get_json(silent=True) or {}
    reason = data.get("reason") if isinstance(data, dict) else None
    d = dispatch_svc.transition(get_session(), auth.current_principal(), d.id, "cancelled",
                                reason[:500] if isinstance(reason, str) else None)
    return jsonify(dispatch_svc.dispatch_payload(d))


@bp.post("/dispatches/<int:dispatch_id>/reassign")
@actors
def reassign_dispatch(dispatch_id: int):
    """Send ``responder_id`` instead: notified first, then this dispatch is cancelled."""
    d = _dispatch_in_scope(dispatch_id)
    data = json_object()
    session = get_session()
    new = manual_dispatch.reassign(session, auth.current_principal(), d.id,
                                   data.get("responder_id"), _beyond_limit(data))
    return jsonify(dispatch_svc.dispatch_payload(new, session.get(ResponderRow,
                                                                  new.responder_id))), 201


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_AREA_DISPATCH = obj(("code", "dispatches"), code=STR, name=STR, level=STR, needed=INT,
                     acknowledged=INT, staffed=BOOL, unstaffed_at=N_STR, short_reason=N_STR,
                     closed_at=N_STR, close_note=N_STR, below_at=N_STR,
                     dispatches=arr(ref("Dispatch")))
_NOTE = {"required": False, "content": {JSON: {"schema": obj(note=STR)}}}
_SEQUENCE = arr(obj(("quake_id", "role"), quake_id=INT, role=STR, magnitude=NUM,
                    origin_time=STR))

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
            ("incident", "areas"), incident=ref("Incident"), sequence=_SEQUENCE,
            areas=arr(_AREA_DISPATCH))),
            [path_param("incident_id")]),
        "post": op("Send one more responder to an area", "dispatch", ok(ref("Dispatch"), 201),
                   [path_param("incident_id")], body(obj(
                       ("area", "responder_id"), area=STR, responder_id=INT,
                       beyond_limit=BOOL))),
    },
    "/api/v1/incidents/{incident_id}/close": {"post": op(
        "Close the incident: notifications cancelled, responders released", "dispatch",
        ok(ref("Incident")), [path_param("incident_id")], _NOTE)},
    "/api/v1/incidents/{incident_id}/reopen": {"post": op(
        "Reopen a closed incident", "dispatch", ok(ref("Incident")),
        [path_param("incident_id")], _NOTE)},
    "/api/v1/incidents/{incident_id}/areas/{code}/close": {"post": op(
        "Stand one area down", "dispatch", ok(obj(("code",), incident_id=INT, code=STR,
                                                  name=STR, closed_at=N_STR,
                                                  close_note=N_STR)),
        [path_param("incident_id"), path_param("code", STR)], _NOTE)},
    "/api/v1/dispatches/{dispatch_id}/cancel": {"post": op(
        "Cancel a dispatch", "dispatch", ok(ref("Dispatch")), [path_param("dispatch_id")],
        {"required": False, "content": {JSON: {"schema": obj(reason=STR)}}})},
    "/api/v1/dispatches/{dispatch_id}/reassign": {"post": op(
        "Send another responder instead", "dispatch", ok(ref("Dispatch"), 201),
        [path_param("dispatch_id")], body(obj(("responder_id",), responder_id=INT,
                                              beyond_limit=BOOL)))},
}
