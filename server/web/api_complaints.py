"""``/api/v1/complaints``: intake from channel keys; the map, detail and follow-up for staff.

Channel systems submit with their key (the channel comes from the key); operators, admins
and regional accounts read and act within their scope; the wall reads the list and the
summary; field accounts have no business here (403).
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from geo import geojson
from server.auth import request as auth
from server.auth.scope import Principal
from server.auth.scope import Unauthorized
from server.errors import ApiError
from server.errors import NotFound
from server.extensions import intake_key
from server.extensions import limiter
from server.platform.db import get_session
from server.queries import units as unit_queries
from server.queries.complaints import reads
from server.services.complaints import duplicates
from server.services.complaints import followup
from server.services.complaints import intake
from server.services.complaints import manual
from server.services.complaints import present
from server.services.complaints.summary import summary as build_summary
from server.web import complaint_params as params
from server.web.api_channels import require_channel
from server.web.body import MalformedJSON
from server.web.body import json_object
from server.web.body import loads as parse_json
from server.web.links import this_url
from server.web.openapi import BOOL
from server.web.openapi import COMPLAINT_FILTERS
from server.web.openapi import FEATURE
from server.web.openapi import INT
from server.web.openapi import INTAKE
from server.web.openapi import N_INT
from server.web.openapi import N_STR
from server.web.openapi import NUM
from server.web.openapi import OBJ
from server.web.openapi import PAGING
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query

bp = Blueprint("api_complaints", __name__, url_prefix="/api/v1/complaints")
readers = auth.require("operator", "admin", "wall", "regional")
staff = auth.require("operator", "admin", "regional")
national_staff = auth.require("operator", "admin")

MAX_BATCH = 5000
#: One budget per key for single and batch submissions (a batch is one request: its size
#: is capped at 5,000 instead).
intake_limit = limiter.shared_limit(
    lambda: current_app.config["INTAKE_RATE_LIMIT"], scope="intake", key_func=intake_key
)


def _channel_principal() -> Principal:
    principal = auth.current_principal()
    if principal.kind != "channel":
        raise Unauthorized("a channel key is required")
    return require_channel(principal.channel)


@bp.post("")
@intake_limit
def submit():
    """One complaint: 201 new, 200 already here (same content), 409 other content."""
    principal = _channel_principal()
    item = intake.submit(get_session(), principal, [json_object()])[0]
    return jsonify(item.body), item.code


@bp.post("/batch")
@intake_limit
def submit_batch():
    """Up to 5,000 complaints (JSON array or NDJSON); one result per item, in order."""
    principal = _channel_principal()
    items = _batch_items()
    results = [it.result() for it in intake.submit(get_session(), principal, items)]
    counts = {"created": 0, "existing": 0, "failed": 0}
    for r in results:
        counts["created" if r["code"] == 201 else "existing" if r["code"] == 200 else "failed"] += 1
    return jsonify({"results": results, **counts})


def _batch_items() -> list:
    # Size and nesting were checked before the view ran (server.web.body.check_request).
    raw = request.get_data(cache=True)
    if request.mimetype == "application/x-ndjson":
        items = [_line(line) for line in raw.splitlines() if line.strip()]
    else:
        items = request.get_json(cache=True) if request.is_json and raw else parse_json(raw)
        if not isinstance(items, list):
            raise ApiError("malformed batch", {"body": "a JSON array of complaints, or NDJSON"})
    if not items:
        raise ApiError("empty batch", {"body": "no complaints"})
    if len(items) > MAX_BATCH:
        raise ApiError("batch too large", {"body": f"at most {MAX_BATCH} complaints per batch"})
    return items


def _line(line: bytes):
    try:
        return parse_json(line)
    except MalformedJSON:
        return intake.MALFORMED


# -- reading --------------------------------------------------------------------------------
def _page(filters: reads.Filters, queue: bool = False, sort: str = "newest"):
    limit, offset = params.paging()
    session, scope = get_session(), auth.current_scope()
    rows = reads.list_scoped(session, scope, filters, limit, offset, detailed=queue, sort=sort)
    shape = present.queue_feature if queue else present.feature
    following = None
    if len(rows) > limit:
        following = this_url(offset=offset + limit, limit=limit)
    body = geojson.collection([shape(r) for r in rows[:limit]], next=following)
    # What the whole filter matches (counted up to COUNT_CAP; "total_exact": false beyond).
    total = reads.count_scoped(session, scope, filters)
    body["total"] = min(total, reads.COUNT_CAP)
    body["total_exact"] = total <= reads.COUNT_CAP
    return jsonify(body)


@bp.get("")
@readers
def list_complaints():
    """GeoJSON: channel, category, status, overdue, start, end, area, bbox, q, unit, sort,
    limit, offset; ``total`` counts what the filter matches."""
    filters = params.list_filters()
    if filters.unit is not None and not unit_queries.unit_exists(get_session(), filters.unit):
        raise ApiError("invalid parameters", {"unit": f"no unit {filters.unit}"})
    return _page(filters, sort=params.sort_arg())


@bp.get("/unplaced")
@national_staff
def list_unplaced():
    """The unplaced queue (no area yet), newest first, with the address match."""
    return _page(reads.Filters(unplaced=True), queue=True)


@bp.get("/summary")
@readers
def summary():
    """Counts per province or regency by status, channel, category, and overdue."""
    level = request.args.get("level", "province")
    if level not in ("province", "regency"):
        raise ApiError("invalid parameters", {"level": "province or regency"})
    body = build_summary(
        get_session(), auth.current_scope(), level, current_app.config["COMPLAINT_CATEGORIES"]
    )
    return jsonify(body)


def _detail(complaint_id: int):
    session, scope = get_session(), auth.current_scope()
    row = reads.get_scoped(session, scope, complaint_id)
    if row is None:
        raise NotFound("no such complaint")  # also out of scope: existence is not revealed
    group = reads.group_members(session, scope, row["primary_id"] or row["id"])
    principal = auth.current_principal()
    timeline = reads.timeline(session, complaint_id)
    users = sorted({t["actor"][5:] for t in timeline if t["actor"].startswith("user:")})
    people = unit_queries.people(session, users)
    return jsonify(present.detail(row, timeline, principal.role, group, people))


@bp.get("/<int:complaint_id>")
@staff
def get_complaint(complaint_id: int):
    """One complaint with its timeline (reporter only for non-whistleblower channels)."""
    return _detail(complaint_id)


# -- acting ---------------------------------------------------------------------------------
@bp.patch("/<int:complaint_id>")
@staff
def patch_complaint(complaint_id: int):
    """``{"status", "note", "reason", "assigned_to"}``: 409 for a transition not allowed."""
    changes = params.patch_body(json_object())
    followup.update(
        get_session(), auth.current_principal(), auth.current_scope(), complaint_id, changes
    )
    return _detail(complaint_id)


@bp.post("/<int:complaint_id>/place")
@national_staff
def place_complaint(complaint_id: int):
    """``{"district": code}`` or ``{"lat", "lon"}``: place by hand (audited)."""
    district, point = params.place_body(json_object())
    manual.place(
        get_session(), auth.current_principal(), auth.current_scope(), complaint_id, district, point
    )
    return _detail(complaint_id)


@bp.post("/<int:complaint_id>/duplicate")
@staff
def decide_duplicate(complaint_id: int):
    """``{"of": id, "decision": "confirm"|"dismiss"}``."""
    of, decision = params.duplicate_body(json_object())
    duplicates.decide(
        get_session(), auth.current_principal(), auth.current_scope(), complaint_id, of, decision
    )
    return _detail(complaint_id)


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/complaints": {
        "post": op("Submit one complaint (channel key)", "complaints",
                   {**ok(INTAKE, 201), **ok(INTAKE)}, request=body(OBJ)),
        "get": op("Complaints in scope as GeoJSON, newest first", "complaints",
                  ok(obj(("type", "features"), type=STR, features=arr(FEATURE), next=N_STR,
                         total=INT, total_exact=BOOL)),
                  COMPLAINT_FILTERS + PAGING + [
                      query("unit", INT, "forwarded to this work unit"),
                      query("sort", {"type": "string", "enum": list(reads.SORTS)})]),
    },
    "/api/v1/complaints/batch": {"post": op(
        "Up to 5,000 complaints (JSON array or NDJSON)", "complaints",
        ok(obj(("results",), results=arr(OBJ), created=INT, existing=INT, failed=INT)),
        request=body(arr(OBJ)))},
    "/api/v1/complaints/unplaced": {"get": op(
        "The unplaced queue", "complaints",
        ok(obj(("type", "features"), type=STR, features=arr(FEATURE), next=N_STR, total=INT,
               total_exact=BOOL)), PAGING)},
    "/api/v1/complaints/summary": {"get": op(
        "Counts per province or regency", "complaints", ok(OBJ),
        [query("level", {"type": "string", "enum": ["province", "regency"]})])},
    "/api/v1/complaints/{complaint_id}": {
        "get": op("One complaint with its timeline", "complaints", ok(FEATURE),
                  [path_param("complaint_id")]),
        "patch": op("Change status, note, reason or assignee", "complaints", ok(FEATURE),
                    [path_param("complaint_id")], body(obj(
                        status=STR, note=STR, reason=STR, assigned_to=N_INT))),
    },
    "/api/v1/complaints/{complaint_id}/place": {"post": op(
        "Place a complaint by hand", "complaints", ok(FEATURE), [path_param("complaint_id")],
        body(obj(district=STR, lat=NUM, lon=NUM)))},
    "/api/v1/complaints/{complaint_id}/duplicate": {"post": op(
        "Confirm or dismiss a possible duplicate", "complaints", ok(FEATURE),
        [path_param("complaint_id")], body(obj(("of", "decision"), of=INT, decision={
            "type": "string", "enum": ["confirm", "dismiss"]})))},
}
