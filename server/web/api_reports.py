"""Reports from the ground: the tablet sends them (``POST /api/v1/me/reports``), the command
room and the offices in scope read them per incident, photos are served to those who may see
the report (and to the field account that sent it)."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from flask import send_file

from server.auth import request as auth
from server.errors import ApiError
from server.errors import NotFound
from server.platform.db import get_session
from server.queries import incidents as incident_queries
from server.queries import reports as q
from server.services import photos
from server.services import reports
from server.web.api_me import responder_of
from server.web.body import REPORT_OVERHEAD
from server.web.body import MalformedJSON
from server.web.body import loads as parse_json
from server.web.openapi import INT
from server.web.openapi import N_STR
from server.web.openapi import OBJ
from server.web.openapi import STR
from server.web.openapi import arr
from server.web.openapi import body
from server.web.openapi import obj
from server.web.openapi import ok
from server.web.openapi import op
from server.web.openapi import path_param
from server.web.openapi import query

bp = Blueprint("api_reports", __name__, url_prefix="/api/v1")
readers = auth.require("operator", "admin", "wall", "regional")
OVERHEAD = REPORT_OVERHEAD


def _report_part() -> dict:
    """The ``report`` part: a form field or a file part holding JSON."""
    if request.mimetype != "multipart/form-data":
        raise ApiError("send multipart/form-data", {"report": "required part (JSON)"},
                       status=415)
    raw = request.form.get("report")
    if raw is None and "report" in request.files:
        raw = request.files["report"].read(OVERHEAD).decode("utf-8", "replace")
    if raw is None:
        raise ApiError("invalid report", {"report": "required part (JSON)"})
    try:
        data = parse_json(raw)  # bounded nesting: never a RecursionError
    except MalformedJSON:
        raise ApiError("invalid report", {"report": "malformed JSON"}) from None
    if not isinstance(data, dict):
        raise ApiError("invalid report", {"report": "must be a JSON object"})
    return data


@bp.post("/me/reports")
@auth.require("field")
def create_report():
    """A report from one of my assignments; 201, or 200 with the same id for a client id
    already stored (a queued report sent again)."""
    most = current_app.config["REPORT_PHOTO_MAX_BYTES"]
    if request.content_length and request.content_length > most + OVERHEAD:
        raise photos.PhotoTooLarge("report too large", {"photo": f"larger than {most} bytes"})
    request.max_content_length = most + OVERHEAD  # this view's own limit, not the app's
    draft = reports.parse(_report_part())
    upload = request.files.get("photo")
    photo = upload.read(most + 1) if upload is not None else None
    responder = responder_of(auth.current_principal())
    session = get_session()
    row, created = reports.create(session, auth.current_principal(), responder, draft, photo)
    return jsonify(reports.report_dict(*q.details(session, row.id))), 201 if created else 200


@bp.get("/incidents/<int:incident_id>/reports")
@readers
def incident_reports(incident_id: int):
    """The latest reports of an incident (areas in scope) and totals per area."""
    session, scope = get_session(), auth.current_scope()
    if incident_queries.scoped_incident(session, scope, incident_id) is None:
        raise NotFound("no such incident")
    try:
        limit = int(request.args.get("limit", 50))
    except ValueError:
        limit = -1
    if not 1 <= limit <= 500:
        raise ApiError("invalid parameters", {"limit": "an integer from 1 to 500"})
    rows = q.incident_reports(session, scope, incident_id, limit)
    return jsonify({
        "incident_id": incident_id,
        "reports": [reports.report_dict(r, who, name, lat, lon)
                    for r, who, name, lat, lon in rows],
        "areas": q.area_totals(session, scope, incident_id),
    })


def _photo_file(report_id: int, which: str):
    row = q.scoped_report(get_session(), auth.current_scope(), report_id)
    rel = getattr(row, which) if row is not None else None
    path = photos.resolve(reports.report_dir(), rel) if rel else None
    if path is None:  # not in scope, no photo, or the file is gone: all the same to a client
        raise NotFound("no such photo")
    media = row.photo_type if which == "photo_path" else "image/jpeg"
    return send_file(path, mimetype=media, max_age=0, conditional=True)


@bp.get("/reports/<int:report_id>/photo")
@auth.require("operator", "admin", "wall", "regional", "field")
def report_photo(report_id: int):
    return _photo_file(report_id, "photo_path")


@bp.get("/reports/<int:report_id>/thumbnail")
@auth.require("operator", "admin", "wall", "regional", "field")
def report_thumbnail(report_id: int):
    return _photo_file(report_id, "thumbnail_path")


# -- OpenAPI (collected by server/web/api_openapi.py) -------------------------------------
COUNTS = obj(affected=INT, injured=INT, dead=INT, displaced=INT, houses_damaged=INT)
REPORT_JSON = obj(("assignment_id", "client_id", "text"), assignment_id=INT, client_id=STR,
                  text=STR, counts=COUNTS, needs=arr(STR), position=obj(lat={"type": "number"},
                                                                        lon={"type": "number"}),
                  at=STR, share_photo_location={"type": "boolean"})
REPORT = obj(("id", "incident_id", "assignment_id", "area", "text", "counts", "needs"), id=INT,
             client_id=STR, incident_id=INT, assignment_id=INT, area=STR, area_name=N_STR,
             responder=OBJ, text=STR, counts=OBJ, needs=arr(STR), position={**OBJ,
                                                                          "nullable": True},
             reported_at=STR, received_at=STR, photo={**OBJ, "nullable": True})
_IMAGE = {"description": "The photo", "content": {m: {"schema": {"type": "string",
                                                                    "format": "binary"}}
                                                   for m in ("image/jpeg", "image/png",
                                                             "image/webp")}}
OPENAPI = {
    "/api/v1/me/reports": {"post": op(
        "Send a report from the ground (field tablets)", "field",
        {**ok(REPORT, 201), **ok(REPORT)},
        request=body(obj(("report",), report=REPORT_JSON, photo={"type": "string",
                                                                 "format": "binary"}),
                     "multipart/form-data"))},
    "/api/v1/incidents/{incident_id}/reports": {"get": op(
        "Reports from the ground of an incident, and totals per area", "dispatch",
        ok(obj(("incident_id", "reports", "areas"), incident_id=INT, reports=arr(REPORT),
               areas=arr(OBJ))),
        [path_param("incident_id"), query("limit", {"type": "integer", "minimum": 1,
                                                    "maximum": 500})])},
    "/api/v1/reports/{report_id}/photo": {"get": op(
        "A report's photo (location stripped unless shared)", "dispatch", {"200": _IMAGE},
        [path_param("report_id")])},
    "/api/v1/reports/{report_id}/thumbnail": {"get": op(
        "A report's thumbnail (JPEG)", "dispatch",
        {"200": {"description": "The thumbnail", "content": {"image/jpeg": {
            "schema": {"type": "string", "format": "binary"}}}}},
        [path_param("report_id")])},
}
