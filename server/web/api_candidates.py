"""``/api/v1/incidents/<id>/areas/<code>/candidates``: whom an office or the command room
could send to an area (the nearest responders it may choose from), for manual dispatch.

Phone numbers: operators and admins see every responder's; a regional office sees those of
the responders of its own region (the only ones it may choose); the wall, whose screen the
whole room and its visitors read, never sees any (nor do events).
"""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify

from server.auth import request as auth
from server.auth.scope import Principal
from server.auth.scope import scope as scope_of
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import candidates as q
from server.queries import incidents as incident_queries
from server.web.openapi import BOOL
from server.web.openapi import INT
from server.web.openapi import N_INT
from server.web.openapi import N_STR
from server.web.openapi import NUM
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param

bp = Blueprint("api_candidates", __name__, url_prefix="/api/v1")
PHONE_READERS = ("operator", "admin", "regional")


def may_see_phone(principal: Principal, district_code: str | None) -> bool:
    """The one rule for responders' phone numbers on the pages (see the module)."""
    if principal.role not in PHONE_READERS:
        return False
    return scope_of(principal).covers_code(district_code)


@bp.get("/incidents/<int:incident_id>/areas/<code>/candidates")
@auth.require(*PHONE_READERS)
def candidates(incident_id: int, code: str):
    """The nearest responders the caller may send to the area, nearest first."""
    session, scope = get_session(), auth.current_scope()
    incident = incident_queries.scoped_incident(session, scope, incident_id)
    area = incident_queries.incident_area(session, incident_id, code) if incident else None
    if area is None or not scope.covers_code(area.code):
        raise NotFound("no such incident area")
    limit_km = current_app.config["DISPATCH_MAX_KM"]
    principal = auth.current_principal()
    out = []
    for r in q.nearest_to_area(session, scope, incident_id, area.code):
        out.append({
            "id": r["id"], "type": r["type"], "name": r["name"],
            "phone": r["phone"] if may_see_phone(principal, r["district_code"]) else None,
            "availability": r["availability"], "distance_km": round(r["km"], 1),
            "within_limit": r["km"] <= limit_km,
            "open_dispatch": ({"incident_id": r["open_incident"], "state": r["open_state"]}
                              if r["open_state"] else None),
        })
    return jsonify({"area": area.code, "name": area.name, "limit_km": limit_km,
                    "candidates": out})


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
_CANDIDATE = obj(("id", "type", "name", "distance_km"), id=INT, type=STR, name=STR,
                 phone=N_STR, availability=STR, distance_km=NUM, within_limit=BOOL,
                 open_dispatch={**obj(incident_id=N_INT, state=STR), "nullable": True})

OPENAPI = {
    "/api/v1/incidents/{incident_id}/areas/{code}/candidates": {"get": op(
        "The nearest responders the caller may send to an incident area", "dispatch",
        ok(obj(("area", "candidates"), area=STR, name=N_STR, limit_km=NUM,
               candidates=arr(_CANDIDATE))),
        [path_param("incident_id"), path_param("code", STR)])},
}
