"""``/api/v1/me``: the field tablet's API (a ``field`` account linked to a responder)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from datetime import timedelta

from flask import Blueprint
from flask import jsonify

from geo.crs import haversine_km
from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.models import DispatchRow
from server.models import ResponderRow
from server.platform import clock
from server.platform.db import get_session
from server.queries import areas as area_queries
from server.queries import dispatch as q
from server.queries import responders as responder_queries
from server.queries import standby as standby_queries
from server.services import dispatch as dispatch_svc
from server.services import incidents as incident_svc
from server.services import responders as responder_svc
from server.web.body import json_object
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import JSON
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
from server.web.openapi import ref

bp = Blueprint("api_me", __name__, url_prefix="/api/v1/me")
field_only = auth.require("field")
TABLET_STATUSES = ("en_route", "on_site", "done")


class Conflict(ApiError):
    status = 409


def responder_of(principal) -> ResponderRow:
    """The responder a field account is linked to (404 when it is not)."""
    row = get_session().get(ResponderRow, principal.responder_id or 0)
    if row is None:
        raise NotFound("this account is not linked to a responder")
    return row


def _responder() -> ResponderRow:
    return responder_of(auth.current_principal())


def _bearing(lat1, lon1, lat2, lon2) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return round((math.degrees(math.atan2(x, y)) + 360) % 360, 1)


@bp.get("")
@field_only
def me():
    """Who I am on this tablet: my responder record (availability, home areas), my base and
    my last position."""
    responder = _responder()
    session = get_session()
    base = responder_queries.responder_base(session, responder.id)
    here = responder_queries.last_position(session, responder.id)
    body_ = responder_svc.responder_dict(responder, *(base or (None, None)))
    body_["position"] = {"lat": here[0], "lon": here[1],
                         "at": responder.position_at.isoformat() if responder.position_at
                         else None} if here else None
    return jsonify(body_)


@bp.patch("")
@field_only
def set_availability():
    """``{"availability": "on_duty" | "off_duty"}``; 409 while busy with an assignment."""
    data = json_object()
    responder_svc.set_own_availability(get_session(), auth.current_principal(), _responder(),
                                       data.get("availability"))
    return me()


@bp.get("/region")
@field_only
def region():
    """My regency's outline and its districts': the tablet's offline base map."""
    responder = _responder()
    code = responder.regency_code
    rows = area_queries.regency_outlines(get_session(), code) if code else []
    features = [{"type": "Feature", "id": c, "geometry": json.loads(g),
                 "properties": {"code": c, "name": n, "level": lv}} for c, n, lv, g in rows]
    return jsonify({"regency": features[0]["properties"] if features else None,
                    "type": "FeatureCollection", "features": features})


@bp.get("/assignments")
@field_only
def assignments():
    """My dispatches, newest first: where to go (``target``: the dispatch's anchor), what to
    draw (``outline``: the incident's polygon or the area's outline), and the distance and
    direction to the target from my last position (or my base)."""
    responder = _responder()
    session = get_session()
    here = (responder_queries.last_position(session, responder.id)
            or responder_queries.responder_base(session, responder.id))
    out = []
    for d, incident, lat, lon, name, outline, kind in q.responder_assignments(session,
                                                                              responder.id):
        item = dispatch_svc.dispatch_payload(d, area_name=name)
        item["incident"] = incident_svc.incident_dict(incident)
        item["target"] = {"lat": lat, "lon": lon}
        item["outline"] = json.loads(outline) if outline else None
        item["outline_kind"] = kind
        if here and lat is not None:
            item["distance_km"] = round(haversine_km(here[0], here[1], lat, lon), 2)
            item["bearing_deg"] = _bearing(here[0], here[1], lat, lon)
        out.append(item)
    return jsonify({"responder_id": responder.id, "assignments": out,
                    "standby": [_standby_item(d, w, name)
                                for d, w, name in standby_queries.of_responder(session,
                                                                               responder.id)]})


def _standby_item(d: DispatchRow, w, area_name: str | None) -> dict:
    """A standby notice for the tablet: the warning it is for, and no target (nobody
    travels); acknowledged with the same ``ack`` as an assignment."""
    item = dispatch_svc.dispatch_payload(d, area_name=area_name)
    item["warning"] = {"id": w.id, "event": w.event, "headline": w.headline,
                       "hazard": w.hazard, "severity": w.severity, "level": w.level,
                       "instruction": w.instruction, "sender_name": w.sender_name,
                       "effective": w.effective.isoformat(), "ends_at": w.ends_at.isoformat(),
                       "state": w.state}
    return item


def _mine(dispatch_id: int) -> DispatchRow:
    d = get_session().get(DispatchRow, dispatch_id)
    if d is None or d.responder_id != auth.current_principal().responder_id:
        raise NotFound("no such assignment")  # others' assignments do not exist for me
    return d


def _move(dispatch_id: int, state: str, reason: str | None = None):
    d = _mine(dispatch_id)
    try:
        d = dispatch_svc.transition(get_session(), auth.current_principal(), d.id, state, reason)
    except dispatch_svc.DispatchStateError as exc:
        raise Conflict(f"assignment is {exc.current}: it can no longer be {state}",
                       {"state": exc.current}) from None
    return jsonify(dispatch_svc.dispatch_payload(d))


@bp.post("/assignments/<int:dispatch_id>/ack")
@field_only
def ack(dispatch_id: int):
    """Acknowledge (idempotent: a repeated ack answers the same)."""
    return _move(dispatch_id, "acknowledged")


@bp.post("/assignments/<int:dispatch_id>/decline")
@field_only
def decline(dispatch_id: int):
    data = json_object() if _has_body() else {}
    reason = data.get("reason") if isinstance(data.get("reason"), str) else None
    return _move(dispatch_id, "declined", reason)


@bp.post("/assignments/<int:dispatch_id>/status")
@field_only
def status(dispatch_id: int):
    data = json_object()
    state = data.get("status")
    if state not in TABLET_STATUSES:
        raise ApiError("invalid status", {"status": f"one of {', '.join(TABLET_STATUSES)}"})
    return _move(dispatch_id, state)


def _has_body() -> bool:
    from flask import request

    return bool(request.get_data(cache=True))


@bp.post("/position")
@field_only
def position():
    """``{"lat", "lon", "accuracy_m", "at"?}``: validated, at most one stored every few seconds."""
    data = json_object()
    fields: dict[str, str] = {}
    values = {}
    for name, low, high in (("lat", -90, 90), ("lon", -180, 180), ("accuracy_m", 0, 10000)):
        v = data.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float):
            fields[name] = "required number" if v is None else "must be a number"
        elif not math.isfinite(v) or not low <= v <= high or (name == "accuracy_m" and v <= 0):
            fields[name] = f"out of range ({low} to {high})"
        else:
            values[name] = float(v)
    at = clock.now()
    if "at" in data:
        try:
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
            if at.tzinfo is None:
                fields["at"] = "needs a time zone"
            elif at > clock.now() + timedelta(seconds=60):
                fields["at"] = "in the future"
        except ValueError:
            fields["at"] = "ISO 8601 time"
    if fields:
        raise ApiError("invalid position", fields)
    stored = responder_svc.update_position(get_session(), _responder(), values["lat"],
                                           values["lon"], values["accuracy_m"], at)
    return jsonify({"stored": stored}), 201 if stored else 200


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/me": {
        "get": op("My responder record (field tablets)", "field", ok(ref("Responder"))),
        "patch": op("Go on or off duty", "field", ok(ref("Responder")),
                    request=body(obj(("availability",), availability={
                        "type": "string", "enum": ["on_duty", "off_duty"]})))},
    "/api/v1/me/region": {"get": op(
        "My regency and its districts (outlines for the offline map)", "field",
        ok(obj(("type", "features"), type=STR, regency=nullable(OBJ),
               features=arr(ref("Feature")))))},
    "/api/v1/me/assignments": {"get": op(
        "My dispatches and standby notices (field tablets)", "field", ok(obj(
            ("responder_id", "assignments", "standby"), responder_id=INT,
            assignments=arr(OBJ), standby=arr(OBJ))))},
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
