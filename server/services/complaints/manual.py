"""Placing a complaint by hand: the unplaced queue's way out (operators and admins).

An operator gives a district code or a point. For a whistleblower's complaint a point is
sealed with the rest of the protected location: the row, the timeline, the audit trail and
the event only ever learn the district.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from geo.privacy import village_key
from server.auth.scope import Principal
from server.errors import ApiError
from server.platform import clock
from server.platform import crypto
from server.queries import areas as area_queries
from server.queries.complaints import followup as q
from server.queries.complaints import privacy as privacy_q
from server.services import audit
from server.services.complaints import present
from server.services.complaints.followup import locked
from server.services.complaints.followup import publish
from server.services.complaints.followup import snapshot


def _areas(session: Session, district: str | None, point, protected: bool) -> list[tuple]:
    """``[(code, name)]`` province, regency, district for a district code or a point."""
    if point is not None:
        if protected:
            privacy_q.quiet_statement_log(session)
        margin = current_app.config["LOOKUP_COAST_MARGIN_KM"]
        found = area_queries.lookup(session, point[1], point[0], margin)
        if found is None or found.regency is None:
            reason = "outside Indonesia"
            raise ApiError("cannot place the complaint there", {"lat": reason, "lon": reason})
        return [(r.code, r.name) for r in (found.province, found.regency, found.district) if r]
    chain = q.district_with_parents(session, district or "")
    if chain is None:
        raise ApiError("cannot place the complaint there", {"district": "no such district"})
    return chain


def _protected_location(row, point) -> dict | None:
    """Open the sealed values to put a new exact point in (never returned to anyone)."""
    context = crypto.context_of(row.channel, row.external_id)
    values = crypto.unseal(row.sealed, context) if row.sealed else {}
    if point is not None:
        values.setdefault("location", {}).update(lon=point[0], lat=point[1])
        row.sealed = crypto.seal(values, context)
    return values.get("location")


def place(
    session: Session,
    principal: Principal,
    scope,
    complaint_id: int,
    district: str | None,
    point: tuple[float, float] | None,
) -> None:
    """Set the complaint's area (and public point) by hand; audited, on the timeline."""
    row = locked(session, scope, complaint_id)
    protected = row.channel == present.WHISTLEBLOWER
    chain = _areas(session, district, point, protected)
    now, before = clock.now(), snapshot(row)
    codes = [c for c, _ in chain] + [None] * (3 - len(chain))
    row.province_code, row.regency_code, row.district_code = codes
    location = _protected_location(row, point) if protected else row.location
    village = (location or {}).get("village")
    area = row.district_code or row.regency_code
    row.village_key = village_key(crypto.identity_key(), area, village) if village else None
    row.placement, row.match_confidence = "manual", 1.0
    row.match = {"method": "manual", "confidence": 1.0, "previous": row.match}
    row.updated_at = now
    session.flush()
    q.set_geometry(session, row.id, area, None if protected else point)
    how = "point" if point is not None else "district"
    q.add_entry(session, row.id, now, principal.label, "placed", details={"area": area, "by": how})
    audit.record(
        session,
        principal,
        "complaint.place",
        "complaint",
        row.id,
        before,
        {**snapshot(row), "by": how},
    )
    publish(session, [row.id])
    session.commit()
