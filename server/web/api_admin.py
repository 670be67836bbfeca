"""Admin API: accounts, channel keys, wall codes and the audit trail (admins only)."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import audit as audit_q
from server.queries import auth as q
from server.services import accounts
from server.web.body import json_object
from server.web.body import string_field
from server.web.links import base_url
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import N_INT
from server.web.openapi import N_STR
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import TIME
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref
from server.web.query_args import time_arg

bp = Blueprint("api_admin", __name__, url_prefix="/api/v1")
admin_only = auth.require("admin")


@bp.get("/users")
@admin_only
def list_users():
    return jsonify({"users": [accounts.user_dict(u) for u in q.list_users(get_session())]})


@bp.post("/users")
@admin_only
def create_user():
    data = json_object()
    fields: dict[str, str] = {}
    username = string_field(data, "username", fields, max_len=64)
    role = string_field(data, "role", fields, max_len=16)
    region = string_field(data, "region", fields, required=False, max_len=16)
    password = string_field(data, "password", fields, required=False, max_len=1024)
    responder_id = data.get("responder_id")
    if responder_id is not None and (not isinstance(responder_id, int) or responder_id < 1):
        fields["responder_id"] = "a positive integer"
    unit_id = data.get("unit_id")
    if unit_id is not None and (isinstance(unit_id, bool) or not isinstance(unit_id, int)):
        fields["unit_id"] = "a unit id (GET /api/v1/units)"
    if fields:
        raise ApiError("invalid account", fields)
    user, generated = accounts.create_user(
        get_session(), auth.current_principal(), username, role, region, password, responder_id,
        unit_id=unit_id,
    )
    body = accounts.user_dict(user)
    if generated:
        body["password"] = generated  # shown once
    return jsonify(body), 201


@bp.patch("/users/<int:user_id>")
@admin_only
def update_user(user_id: int):
    data = json_object()
    session = get_session()
    user = q.user_by_id(session, user_id)
    if user is None:
        raise NotFound("no such user")
    if "disabled" not in data or not isinstance(data["disabled"], bool):
        raise ApiError("nothing to change", {"disabled": "true or false"})
    accounts.set_disabled(session, auth.current_principal(), user, data["disabled"])
    return jsonify(accounts.user_dict(user))


@bp.get("/keys")
@admin_only
def list_keys():
    return jsonify({"keys": [accounts.key_dict(k) for k in q.list_keys(get_session())]})


@bp.post("/keys")
@admin_only
def create_key():
    data = json_object()
    fields: dict[str, str] = {}
    channel = string_field(data, "channel", fields, max_len=32)
    name = string_field(data, "name", fields, required=False, max_len=200)
    if fields:
        raise ApiError("invalid key", fields)
    row, key = accounts.create_key(get_session(), auth.current_principal(), channel, name)
    return jsonify({**accounts.key_dict(row), "key": key}), 201


@bp.delete("/keys/<int:key_id>")
@admin_only
def revoke_key(key_id: int):
    session = get_session()
    row = q.key_by_ref(session, str(key_id))
    if row is None:
        raise NotFound("no such key")
    accounts.revoke_key(session, auth.current_principal(), row)
    return "", 204


@bp.post("/wall-codes")
@admin_only
def create_wall_code():
    data = json_object()
    fields: dict[str, str] = {}
    name = string_field(data, "name", fields, max_len=60)
    if fields:
        raise ApiError("invalid wall", fields)
    code, user = accounts.create_wall_code(get_session(), auth.current_principal(), name)
    return jsonify(
        {
            "code": code,
            "wall": user.username,
            "url": f"{base_url()}/wall/login?code={code}",
        }
    ), 201


@bp.get("/audit")
@admin_only
def audit_trail():
    """The audit trail, newest first; filter by object, principal and time."""
    fields: dict[str, str] = {}
    since, until = time_arg("since", fields), time_arg("until", fields)
    try:
        limit = min(max(int(request.args.get("limit", 100)), 1), 1000)
        before_id = int(request.args["before_id"]) if "before_id" in request.args else None
    except ValueError:
        fields["limit"] = "an integer"
        limit, before_id = 100, None
    if fields:
        raise ApiError("invalid parameters", fields)
    rows = audit_q.search(
        get_session(),
        object_type=request.args.get("object_type"),
        object_id=request.args.get("object_id"),
        actor=request.args.get("actor"),
        since=since,
        until=until,
        limit=limit,
        before_id=before_id,
    )
    return jsonify(
        {
            "entries": [
                {
                    "id": r.id,
                    "at": r.at.isoformat(),
                    "actor": r.actor,
                    "actor_role": r.actor_role,
                    "action": r.action,
                    "object_type": r.object_type,
                    "object_id": r.object_id,
                    "ip": str(r.ip) if r.ip else None,
                    "before": r.before,
                    "after": r.after,
                }
                for r in rows
            ]
        }
    )


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/users": {
        "get": op("Accounts (admins)", "admin", ok(obj(("users",), users=arr(ref("User"))))),
        "post": op("Create an account (admins)", "admin", ok(ref("User"), 201), request=body(
            obj(("username", "role"), username=STR, role=STR, region=N_STR, password=N_STR,
                responder_id=N_INT, unit_id=N_INT))),
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
