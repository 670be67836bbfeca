"""``/api/v1/responders``: the roster of field companions (Tagana, TKSK, ...), scoped by
their home area."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.models import ResponderRow
from server.platform.db import get_session
from server.queries import responders as responder_queries
from server.services import responders as responder_svc
from server.web.body import json_object
from server.web.openapi import OBJ
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref

bp = Blueprint("api_responders", __name__, url_prefix="/api/v1")


@bp.get("/responders")
@auth.require("operator", "admin", "regional")
def list_responders():
    try:
        limit = min(max(int(request.args.get("limit", 500)), 1), 5000)
        offset = min(max(int(request.args.get("offset", 0)), 0), 10_000_000)  # bigint-safe
    except ValueError:
        raise ApiError("invalid parameters", {"limit": "an integer"}) from None
    rows = responder_queries.list_responders(get_session(), auth.current_scope(), limit, offset)
    return jsonify({"responders": [responder_svc.responder_dict(r, lat, lon)
                                   for r, lat, lon in rows]})


@bp.post("/responders")
@auth.require("operator", "admin")
def create_responder():
    row = responder_svc.create(get_session(), auth.current_principal(), json_object())
    base = responder_queries.responder_base(get_session(), row.id)
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
    base = responder_queries.responder_base(get_session(), row.id)
    return jsonify(responder_svc.responder_dict(row, *base))


@bp.delete("/responders/<int:responder_id>")
@auth.require("operator", "admin")
def deactivate_responder(responder_id: int):
    row = responder_svc.deactivate(get_session(), auth.current_principal(),
                                   _responder(responder_id))
    base = responder_queries.responder_base(get_session(), row.id)
    return jsonify(responder_svc.responder_dict(row, *base))


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
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
