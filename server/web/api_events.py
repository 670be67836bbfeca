"""``/api/v1/events``: the event log as the caller's scope allows (list, item, counts, export)."""

from __future__ import annotations

import json

from flask import Blueprint
from flask import Response
from flask import jsonify
from flask import request
from flask import stream_with_context

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_db
from server.platform.db import get_session
from server.queries import events as q
from server.realtime.emit import message
from server.web.openapi import INT
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query
from server.web.openapi import ref

bp = Blueprint("api_events", __name__, url_prefix="/api/v1/events")
readers = auth.require("operator", "admin", "wall", "regional", "field")


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError("invalid parameters", {name: "an integer"}) from None
    if not low <= value <= high:
        raise ApiError("invalid parameters", {name: f"between {low} and {high}"})
    return value


@bp.get("")
@readers
def list_events():
    since = _int_arg("since", 0, 0, 2**62)
    limit = _int_arg("limit", 100, 1, 1000)
    rows = q.list_scoped(
        get_session(), auth.current_scope(), since, limit, request.args.get("type")
    )
    return jsonify({"events": [message(r) for r in rows]})


@bp.get("/<int:seq>")
@readers
def get_event(seq: int):
    row = q.get_scoped(get_session(), auth.current_scope(), seq)
    if row is None:
        raise NotFound("no such event")  # also when out of scope: existence is not revealed
    return jsonify(message(row))


@bp.get("/count")
@readers
def count_events():
    counts = q.count_scoped(get_session(), auth.current_scope(), request.args.get("type"))
    return jsonify({"count": sum(counts.values()), "by_type": counts})


@bp.get("/export.ndjson")
@readers
def export_events():
    """Every event in scope as NDJSON, streamed from a server-side cursor."""
    scope = auth.current_scope()
    since = _int_arg("since", 0, 0, 2**62)
    db = get_db()

    def generate():
        with db.session() as session:
            for row in q.stream_scoped(session, scope, since):
                yield json.dumps(message(row), ensure_ascii=False) + "\n"

    return Response(
        stream_with_context(generate()),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": "attachment; filename=events.ndjson"},
    )


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
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
