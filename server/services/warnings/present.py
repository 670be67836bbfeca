"""Warnings as the API and the event log show them."""

from __future__ import annotations

import json

from server.models import WarningRow


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def summary(row: WarningRow) -> dict:
    """The event payload and the core of the GeoJSON properties (no areas: those depend on
    who is asking, and are read through the API)."""
    return {
        "id": row.id, "identifier": row.identifier, "sender": row.sender,
        "sender_name": row.sender_name, "sent": _iso(row.sent), "msg_type": row.msg_type,
        "hazard": row.hazard, "event": row.event, "severity": row.severity,
        "level": row.level, "urgency": row.urgency, "certainty": row.certainty,
        "headline": row.headline, "area_desc": row.area_desc,
        "effective": _iso(row.effective), "onset": _iso(row.onset),
        "expires": _iso(row.expires), "ends_at": _iso(row.ends_at), "state": row.state,
        "action": row.action, "replaced_by": row.replaced_by,
    }


def ended_summary(row: WarningRow) -> dict:
    """The payload of a warning leaving the map: enough to name it in a ticker."""
    return {"id": row.id, "identifier": row.identifier, "sender": row.sender,
            "hazard": row.hazard, "severity": row.severity, "event": row.event,
            "area_desc": row.area_desc, "state": row.state}


def district(d) -> dict:
    return {"code": d.code, "name": d.name, "kind": d.kind, "by": d.by, "level": d.level}


def feature(row: WarningRow, outline: str | None, districts: list, full: bool = False) -> dict:
    """A warning as a GeoJSON feature: its polygons (None when it has none) and its areas
    (in the caller's scope)."""
    props = summary(row)
    props["districts"] = [district(d) for d in districts]
    if full:
        props.update(description=row.description, instruction=row.instruction, web=row.web,
                     language=row.language, status=row.status, source=row.source,
                     references=row.references, quirks=row.quirks,
                     unresolved=row.unresolved, received_at=_iso(row.received_at),
                     ended_at=_iso(row.ended_at))
    return {"type": "Feature", "id": row.id,
            "geometry": json.loads(outline) if outline else None, "properties": props}
