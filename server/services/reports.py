"""Reports from the ground (*laporan lapangan*): a worker's rapid needs assessment, sent from
one of their assignments, stored once per client id, and logged as an event for the command
room and the area's office.

Nothing is half-written: the JSON and the photo are checked before anything is stored; the
photo's files are written before the row that names them and removed again if the row does not
commit. A repeated client id (the tablet re-sending a queued report whose answer it never
saw) answers the report already stored.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.field_report import COUNTS
from geo.field_report import ReportDraft
from geo.field_report import ReportError
from geo.field_report import parse_report
from server.errors import ApiError
from server.models import AreaRow
from server.models import DispatchRow
from server.models import FieldReportRow
from server.models import IncidentRow
from server.models import ResponderRow
from server.platform import clock
from server.queries import events as event_queries
from server.queries import reports as q
from server.realtime import events
from server.services import audit
from server.services import photos
from server.services.responders import point


def report_dir() -> Path:
    """Where photos are kept: ``KENDALI_REPORT_DIR``, else ``<data dir>/reports``."""
    config = current_app.config
    return Path(config.get("REPORT_DIR") or Path(config["DATA_DIR"]) / "reports")


def parse(data) -> ReportDraft:
    """The ``report`` part, validated against the configured needs (400 naming fields)."""
    try:
        return parse_report(data, current_app.config["REPORT_NEEDS"], clock.now())
    except ReportError as exc:
        raise ApiError("invalid report", exc.fields) from None


def create(session: Session, principal, responder: ResponderRow, draft: ReportDraft,
           photo: bytes | None) -> tuple[FieldReportRow, bool]:
    """Store a report (and its photo); (row, created). A known client id answers the stored
    report, whatever this copy says."""
    existing = q.by_client_id(session, responder.id, draft.client_id)
    if existing is not None:
        return existing, False
    dispatch = session.get(DispatchRow, draft.assignment_id)
    if dispatch is None or dispatch.responder_id != responder.id or dispatch.kind != "dispatch":
        raise ApiError("invalid report", {"assignment_id": "not one of your assignments"})
    checked = None
    if photo is not None:
        checked = photos.prepare(photo, draft.share_photo_location,
                                 current_app.config["REPORT_PHOTO_MAX_BYTES"])
    folder, now = report_dir(), clock.now()
    paths = photos.store(checked, folder, now) if checked else (None, None)
    try:
        row = _insert(session, principal, responder, dispatch, draft, checked, paths, now)
        session.commit()
    except IntegrityError:  # the same client id committed meanwhile (a parallel re-send)
        session.rollback()
        photos.remove(folder, *paths)
        again = q.by_client_id(session, responder.id, draft.client_id)
        if again is None:
            raise
        return again, False
    except BaseException:
        session.rollback()
        photos.remove(folder, *paths)
        raise
    return row, True


def _insert(session: Session, principal, responder: ResponderRow, dispatch: DispatchRow,
            draft: ReportDraft, photo: photos.Photo | None, paths, now) -> FieldReportRow:
    row = FieldReportRow(
        client_id=draft.client_id, responder_id=responder.id, user_id=principal.user_id,
        dispatch_id=dispatch.id, incident_id=dispatch.incident_id, area_code=dispatch.area_code,
        text=draft.text, needs=list(draft.needs), reported_at=draft.at or now, received_at=now,
        position=point(draft.lat, draft.lon) if draft.lat is not None else None,
        photo_path=paths[0], thumbnail_path=paths[1], photo_location_kept=False,
        **{name: draft.counts[name] for name in COUNTS})
    if photo is not None:
        row.photo_type, row.photo_bytes = photo.media_type, len(photo.data)
        row.photo_width, row.photo_height = photo.width, photo.height
        row.photo_location_kept = photo.location_kept
    session.add(row)
    session.flush()
    incident = session.get(IncidentRow, dispatch.incident_id)
    incident.last_activity_at = now  # a report is activity: the quiet period starts again
    area = session.get(AreaRow, dispatch.area_code)
    event_queries.append(session, events.REPORT_CREATED, [dispatch.area_code],
                         report_dict(row, responder, area.name if area else None,
                                     draft.lat, draft.lon),
                         responder_ids=[responder.id])
    audit.record(session, principal, "report.create", "field_report", row.id, None,
                 {"dispatch_id": dispatch.id, "photo": photo is not None})
    return row


def report_dict(row: FieldReportRow, responder: ResponderRow | None, area_name: str | None,
                lat: float | None, lon: float | None) -> dict:
    """A report as the API and the event log show it (no file paths)."""
    photo = None
    if row.photo_path:
        base = f"/api/v1/reports/{row.id}"
        photo = {"url": f"{base}/photo", "thumbnail_url": f"{base}/thumbnail",
                 "type": row.photo_type, "bytes": row.photo_bytes, "width": row.photo_width,
                 "height": row.photo_height, "location_kept": row.photo_location_kept}
    return {
        "id": row.id, "client_id": row.client_id, "incident_id": row.incident_id,
        "assignment_id": row.dispatch_id, "area": row.area_code, "area_name": area_name,
        "responder": {"id": responder.id, "name": responder.name, "type": responder.type}
        if responder else {"id": row.responder_id},
        "text": row.text, "counts": {name: getattr(row, name) for name in COUNTS},
        "needs": list(row.needs or []),
        "position": {"lat": lat, "lon": lon} if lat is not None else None,
        "reported_at": row.reported_at.isoformat(), "received_at": row.received_at.isoformat(),
        "photo": photo,
    }
