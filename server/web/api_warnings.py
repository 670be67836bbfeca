"""Warnings from other agencies (CAP 1.2): ``POST /api/v1/alerts/cap`` (an agency pushes one
message), ``GET /api/v1/warnings`` (the active ones, GeoJSON) and ``GET /api/v1/warnings/<id>``.

A regional account sees the warnings that touch its area, with only its own areas listed.
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request

from server.auth import request as auth
from server.auth.scope import AGENCY
from server.errors import NotFound
from server.platform import clock
from server.platform.db import get_session
from server.queries import warnings as q
from server.services import warnings
from server.services.warnings import present
from server.web.openapi import FC
from server.web.openapi import FEATURE
from server.web.openapi import INT
from server.web.openapi import STR
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param

bp = Blueprint("api_warnings", __name__, url_prefix="/api/v1")
readers = auth.require("operator", "admin", "wall", "regional", "field")
CAP = "application/cap+xml"


@bp.post("/alerts/cap")
@auth.require(AGENCY)
def push_cap():
    """One CAP 1.2 message from an agency's key, as its own sender: 201 when stored, 200 for
    a repeat of the same sender and identifier; a refusal names the field and the reason."""
    limit = current_app.config["CAP_MAX_BYTES"]
    # One byte past the limit is enough to refuse it (with its reason, counted).
    payload = request.stream.read(limit + 1)
    principal = auth.current_principal()
    outcome = warnings.receive(get_session(), payload, "push", principal.label,
                               agency=principal.agency)
    w = outcome.warning
    body = {"id": w.id, "identifier": w.identifier, "sender": w.sender, "state": w.state,
            "hazard": w.hazard, "severity": w.severity, "action": w.action,
            "created": outcome.created, "replaces": outcome.ended}
    return jsonify(body), 201 if outcome.created else 200


@bp.get("/warnings")
@readers
def list_warnings():
    """Active warnings in scope as GeoJSON features (most severe first)."""
    session, scope = get_session(), auth.current_scope()
    rows = q.active(session, scope, clock.now())
    areas = q.districts_for(session, [w.id for w, _ in rows], scope)
    return jsonify({"type": "FeatureCollection",
                    "features": [present.feature(w, outline, areas[w.id])
                                 for w, outline in rows]})


@bp.get("/warnings/<int:warning_id>")
@readers
def get_warning(warning_id: int):
    """One warning (also ended ones) with its text, its areas in scope, the incidents it
    opened or joined and its standby notices by state."""
    session, scope = get_session(), auth.current_scope()
    found = q.one(session, scope, warning_id)
    if found is None:
        raise NotFound("no such warning")
    w, outline = found
    body = present.feature(w, outline, q.districts_of(session, w.id, scope), full=True)
    body["properties"]["incident_ids"] = q.incidents_of(session, w.id)
    body["properties"]["standby"] = q.standby_counts(session, w.id, scope)
    return jsonify(body)


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
PUSHED = obj(("id", "identifier", "sender", "state", "created"), id=INT, identifier=STR,
             sender=STR, state=STR, hazard=STR, severity=STR, action=STR,
             created={"type": "boolean"}, replaces={"type": "array", "items": INT})
OPENAPI = {
    "/api/v1/alerts/cap": {"post": op(
        "Push one CAP 1.2 message (an agency's key, as its own sender)", "warnings",
        {**ok(PUSHED, 201, description="stored"),
         **ok(PUSHED, description="a repeat of a stored message")},
        request={"required": True, "content": {CAP: {"schema": STR},
                                               "application/xml": {"schema": STR}}})},
    "/api/v1/warnings": {"get": op("Active warnings in scope (GeoJSON)", "warnings", ok(FC))},
    "/api/v1/warnings/{warning_id}": {"get": op(
        "One warning with its areas in scope", "warnings", ok(FEATURE),
        [path_param("warning_id")])},
}
