"""CAP 1.2 messages (``/api/v1/quakes/<id>/cap``, ``/api/v1/incidents/<id>/cap``) and the
Atom feed of current alerts (``/api/v1/alerts.atom``): bearer token or session, scoped."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import request

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.services import alerts
from server.services import layers
from server.web.links import base_url
from server.web.links import this_url
from server.web.openapi import STR
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query

bp = Blueprint("api_alerts", __name__, url_prefix="/api/v1")
readers = auth.require(*layers.READERS)
CAP = "application/cap+xml"


def _xml(body: bytes, mimetype: str) -> Response:
    res = Response(body, mimetype=mimetype)
    res.headers["Cache-Control"] = "no-store"
    return res


@bp.get("/quakes/<int:quake_id>/cap")
@readers
def quake_cap(quake_id: int):
    """The quake's current revision as CAP 1.2 (id-ID and en-US info blocks)."""
    body = alerts.quake_alert(get_session(), auth.current_scope(), quake_id, base_url(),
                              current_app.config)
    if body is None:
        raise NotFound("no such quake")
    return _xml(body, CAP)


@bp.get("/incidents/<int:incident_id>/cap")
@readers
def incident_cap(incident_id: int):
    """The incident as CAP 1.2: Alert while active, Update once closed."""
    body = alerts.incident_alert(get_session(), auth.current_scope(), incident_id, base_url())
    if body is None:
        raise NotFound("no such incident")
    return _xml(body, CAP)


@bp.get("/alerts.atom")
@readers
def alerts_feed():
    """Quakes of the last ``days`` (1-30, default 3) and active incidents, each linking to
    its CAP message."""
    raw = request.args.get("days", "3")
    if not raw.isdigit() or not 1 <= int(raw) <= 30:
        raise ApiError("invalid parameters", {"days": "an integer between 1 and 30"})
    body = alerts.feed(get_session(), auth.current_scope(), base_url(), this_url(), int(raw),
                       datetime.now(UTC))
    return _xml(body, "application/atom+xml")


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
OPENAPI = {
    "/api/v1/quakes/{quake_id}/cap": {"get": op(
        "The quake as a CAP 1.2 message", "alerts", ok(STR, media="application/cap+xml"),
        [path_param("quake_id")])},
    "/api/v1/incidents/{incident_id}/cap": {"get": op(
        "The incident as a CAP 1.2 message", "alerts", ok(STR, media="application/cap+xml"),
        [path_param("incident_id")])},
    "/api/v1/alerts.atom": {"get": op(
        "Atom feed of current alerts", "alerts", ok(STR, media="application/atom+xml"),
        [query("days", {"type": "integer", "minimum": 1, "maximum": 30})])},
}
