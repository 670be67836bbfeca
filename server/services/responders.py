"""The responder registry: create, update, deactivate, import, and tablet positions."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from flask import current_app
from sqlalchemy.orm import Session

from geo.crs import WGS84
from geo.crs import valid_lat_lon
from server.errors import ApiError
from server.models import PositionRow
from server.models import ResponderRow
from server.platform import clock
from server.queries import areas as area_queries
from server.queries import dispatch as dispatch_queries
from server.queries import events as event_queries
from server.queries import responders as responder_queries
from server.realtime import events
from server.services import audit

AVAILABILITY = ("on_duty", "off_duty", "busy")


def point(lat: float, lon: float) -> str:
    return f"SRID={WGS84};POINT({lon} {lat})"


def responder_dict(r: ResponderRow, lat=None, lon=None) -> dict:
    return {
        "id": r.id, "type": r.type, "name": r.name, "phone": r.phone,
        "external_ref": r.external_ref, "availability": r.availability, "active": r.active,
        "home": {"province": r.province_code, "regency": r.regency_code,
                 "district": r.district_code},
        "base": {"lat": lat, "lon": lon} if lat is not None else None,
        "position_at": r.position_at.isoformat() if r.position_at else None,
        "position_accuracy_m": r.position_accuracy_m,
    }


def _number(data: dict, name: str, fields: dict) -> float | None:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        fields[name] = "required number" if value is None else "must be a number"
        return None
    if not math.isfinite(value):
        fields[name] = "must be finite"
        return None
    return float(value)


def validate(data: dict, partial: bool = False) -> dict:
    """Check a responder body; raise ApiError naming every bad field."""
    fields: dict[str, str] = {}
    out: dict = {}
    types = current_app.config["RESPONDER_TYPES"]
    for name, check in (("type", lambda v: v in types), ("name", lambda v: 0 < len(v) <= 200),
                        ("phone", lambda v: len(v) <= 32), ("external_ref", lambda v: len(v) <= 64),
                        ("availability", lambda v: v in AVAILABILITY)):
        if name in data:
            value = data[name]
            if not isinstance(value, str) or not check(value.strip()):
                fields[name] = {"type": f"one of {', '.join(types)}",
                                "availability": f"one of {', '.join(AVAILABILITY)}"}.get(
                    name, "invalid text")
            else:
                out[name] = value.strip()
        elif not partial and name in ("type", "name"):
            fields[name] = "required"
    if "base" in data or not partial:
        base = data.get("base")
        if not isinstance(base, dict):
            fields["base"] = 'required: {"lat", "lon"}'
        else:
            sub: dict[str, str] = {}
            lat, lon = _number(base, "lat", sub), _number(base, "lon", sub)
            fields.update({f"base.{k}": v for k, v in sub.items()})
            if not sub and not valid_lat_lon(lat, lon):
                fields["base"] = "out of range"
            elif not sub:
                out["base"] = (lat, lon)
    if fields:
        raise ApiError("invalid responder", fields)
    return out


def _place(session: Session, row: ResponderRow, lat: float, lon: float) -> None:
    placement = area_queries.lookup(session, lat, lon)
    if placement is None:
        raise ApiError("invalid responder", {"base": "outside Indonesia"})
    row.province_code = placement.province.code if placement.province else None
    row.regency_code = placement.regency.code if placement.regency else None
    row.district_code = placement.district.code if placement.district else None


def create(session: Session, actor, data: dict, commit: bool = True) -> ResponderRow:
    values = validate(data)
    lat, lon = values.pop("base")
    availability = values.pop("availability", "on_duty")
    row = ResponderRow(**values, base=point(lat, lon), loc=point(lat, lon),
                       availability=availability, active=True)
    _place(session, row, lat, lon)
    session.add(row)
    session.flush()
    audit.record(session, actor, "responder.create", "responder", row.id, None,
                 {k: v for k, v in values.items() if k != "phone"})
    if commit:
        session.commit()
    return row


def update(session: Session, actor, row: ResponderRow, data: dict) -> ResponderRow:
    values = validate(data, partial=True)
    before = {k: getattr(row, k) for k in values if k != "base"}
    if "base" in values:
        lat, lon = values.pop("base")
        row.base = point(lat, lon)
        if not row.position_at:
            row.loc = point(lat, lon)
        _place(session, row, lat, lon)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = clock.now()
    audit.record(session, actor, "responder.update", "responder", row.id, before, values)
    session.commit()
    return row


#: What a worker may set on their own tablet; ``busy`` belongs to dispatch.
SELF_AVAILABILITY = ("on_duty", "off_duty")


def set_own_availability(session: Session, actor, row: ResponderRow, value) -> ResponderRow:
    """The tablet's on/off-duty switch. Dispatch only picks ``on_duty`` responders; a busy
    responder stays busy until their assignment ends (409), so nobody drops out mid-task."""
    if value not in SELF_AVAILABILITY:
        raise ApiError("invalid availability",
                       {"availability": "one of " + ", ".join(SELF_AVAILABILITY)})
    if row.availability == value:
        return row
    if row.availability == "busy":
        raise ApiError("busy with an assignment: finish or hand it back first",
                       {"availability": "busy"}, status=409)
    before = row.availability
    row.availability, row.updated_at = value, clock.now()
    audit.record(session, actor, "responder.availability", "responder", row.id,
                 {"availability": before}, {"availability": value})
    session.commit()
    return row


def deactivate(session: Session, actor, row: ResponderRow) -> ResponderRow:
    if row.active:
        row.active, row.updated_at = False, clock.now()
        audit.record(session, actor, "responder.deactivate", "responder", row.id,
                     {"active": True}, {"active": False})
        session.commit()
    return row


@dataclass
class ImportReport:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def import_csv(session: Session, actor, path: str, progress=lambda rows: rows) -> ImportReport:
    """Columns type, name, phone, lat, lon[, external_ref, availability]. Each row is its own
    savepoint: a bad row is reported and never stops (or half-writes) the import."""
    report = ImportReport()
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    for lineno, raw in progress(list(enumerate(rows, start=2))):
        data = {k: v for k, v in raw.items() if k in ("type", "name", "phone", "external_ref",
                                                      "availability") and v not in (None, "")}
        try:
            data["base"] = {"lat": float(raw.get("lat", "")), "lon": float(raw.get("lon", ""))}
        except ValueError:
            data["base"] = None
        try:
            with session.begin_nested():
                create(session, actor, data, commit=False)
            report.created += 1
        except ApiError as exc:
            report.errors.append((lineno, "; ".join(f"{k}: {v}" for k, v in exc.fields.items())))
    session.commit()
    return report


def update_position(session: Session, responder: ResponderRow, lat: float, lon: float,
                    accuracy_m: float, at: datetime) -> bool:
    """Store a tablet position (at most one per POSITION_MIN_INTERVAL_S); return if stored."""
    config = current_app.config
    if responder.position_at and at - responder.position_at < timedelta(
            seconds=config["POSITION_MIN_INTERVAL_S"]):
        return False
    responder.position = point(lat, lon)
    responder.position_at, responder.position_accuracy_m = at, accuracy_m
    fresh = clock.now() - at < timedelta(seconds=config["POSITION_FRESH_S"])
    responder.loc = point(lat, lon) if fresh else responder.base
    open_incident = dispatch_queries.open_incident_of(session, responder.id)
    session.add(PositionRow(responder_id=responder.id, at=at, geom=point(lat, lon),
                            accuracy_m=accuracy_m, incident_id=open_incident))
    regions = [c for c in (responder.district_code,) if c]
    event_queries.append(session, events.RESPONDER_MOVED, regions,
                         {"responder_id": responder.id, "lat": round(lat, 5),
                          "lon": round(lon, 5), "accuracy_m": accuracy_m,
                          "at": at.isoformat(), "incident_id": open_incident},
                         responder_ids=[responder.id])
    session.commit()
    return True


def refresh_positions(session: Session) -> None:
    """Scheduler job: a position that is no longer fresh stops counting for dispatch."""
    fresh = timedelta(seconds=current_app.config["POSITION_FRESH_S"])
    responder_queries.refresh_stale_positions(session, clock.now() - fresh)
    session.commit()
