"""``/api/v1/units``: the work units complaints are forwarded to. Every signed-in role may
list them (an office picks where to forward); only admins add one."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import request

from geo.areas import AreaCodeError
from geo.areas import normalize_code
from server.auth import request as auth
from server.auth.scope import ROLES
from server.errors import ApiError
from server.platform.db import get_session
from server.queries import units as q
from server.services import units as svc
from server.web.body import json_object
from server.web.body import string_field
from server.web.openapi import INT
from server.web.openapi import N_STR
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import nullable
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query

bp = Blueprint("api_units", __name__, url_prefix="/api/v1/units")
signed_in = auth.require(*ROLES)


def _filters() -> dict:
    fields: dict[str, str] = {}
    text = (request.args.get("q") or "").strip()
    if len(text) > 200:
        fields["q"] = "at most 200 characters"
    kind = request.args.get("kind") or None
    if kind and kind not in svc.KINDS:
        fields["kind"] = f"one of {', '.join(svc.KINDS)}"
    region = request.args.get("region") or None
    if region:
        try:
            region = normalize_code(region)
        except AreaCodeError:
            fields["region"] = "an area code (72, 72.71 or 72.71.01)"
    if fields:
        raise ApiError("invalid parameters", fields)
    return {"text_query": text or None, "kind": kind, "region": region}


@bp.get("")
@signed_in
def list_units():
    """Units by region then name; ``q`` (name contains), ``kind``, ``region`` (the units
    that could take that area's complaints: its own, those above it, the national ones)."""
    session = get_session()
    members = q.member_counts(session)
    rows = q.list_units(session, **_filters())
    return jsonify({"units": [svc.unit_dict(u, name, members.get(u.id, 0))
                              for u, name in rows]})


@bp.post("")
@auth.require("admin")
def create_unit():
    """``{"name", "kind"?, "region"?}`` (admins)."""
    data = json_object()
    fields: dict[str, str] = {}
    name = string_field(data, "name", fields, max_len=200)
    kind = string_field(data, "kind", fields, required=False, max_len=24)
    region = string_field(data, "region", fields, required=False, max_len=16)
    if fields:
        raise ApiError("invalid unit", fields)
    session = get_session()
    row = svc.create(session, auth.current_principal(), name, kind, region)
    return jsonify(svc.get(session, row.id)), 201


@bp.get("/<int:unit_id>")
@signed_in
def get_unit(unit_id: int):
    return jsonify(svc.get(get_session(), unit_id))


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_KIND = {"type": "string", "enum": list(svc.KINDS)}
UNIT = obj(("id", "name", "kind", "region"), id=INT, name=STR, kind=_KIND,
           region=nullable(obj(("code",), code=STR, name=N_STR)), members=INT)

OPENAPI = {
    "/api/v1/units": {
        "get": op("Work units complaints can be forwarded to", "units",
                  ok(obj(("units",), units=arr(UNIT))),
                  [query("q", {"type": "string", "maxLength": 200}, "name contains"),
                   query("kind", _KIND),
                   query("region", STR, "units that could take this area's complaints")]),
        "post": op("Add a work unit (admins)", "units", ok(UNIT, 201),
                   request=body(obj(("name",), name=STR, kind=_KIND, region=STR))),
    },
    "/api/v1/units/{unit_id}": {"get": op("One work unit", "units", ok(UNIT),
                                          [path_param("unit_id")])},
}
