"""Standby notices (``dispatches`` of kind ``standby``) and the incidents warnings open."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from server.models import AreaRow
from server.models import DispatchRow
from server.models import IncidentAreaRow
from server.models import IncidentRow
from server.models import ResponderRow
from server.models import WarningRow

#: Standby notices still waiting or acknowledged (not ended).
LIVE = ("notified", "acknowledged")


def responders_in(session: Session, codes: Sequence[str]) -> list[tuple[int, str]]:
    """(responder id, the affected code it belongs to) of the active responders whose home
    district is one of ``codes``, or lies in a regency among them; off-duty ones are left
    alone (standby asks those at work to be ready)."""
    if not codes:
        return []
    districts = [c for c in codes if c.count(".") == 2]
    regencies = [c for c in codes if c.count(".") == 1]
    rows = session.execute(
        select(ResponderRow.id, ResponderRow.district_code, ResponderRow.regency_code)
        .where(ResponderRow.active.is_(True), ResponderRow.availability != "off_duty",
               or_(ResponderRow.district_code.in_(districts),
                   ResponderRow.regency_code.in_(regencies)))
        .order_by(ResponderRow.id)).all()
    return [(rid, district if district in districts else regency)
            for rid, district, regency in rows]


def of_warnings(session: Session, warning_ids: Sequence[int]) -> list[DispatchRow]:
    """The live standby notices of these warnings, locked."""
    if not warning_ids:
        return []
    return list(session.scalars(
        select(DispatchRow).where(DispatchRow.kind == "standby",
                                  DispatchRow.warning_id.in_(list(warning_ids)),
                                  DispatchRow.state.in_(LIVE))
        .order_by(DispatchRow.id).execution_options(populate_existing=True).with_for_update()))


def of_responder(session: Session, responder_id: int, limit: int = 20) -> list[tuple]:
    """A responder's standby notices, newest first: (notice, warning, area name)."""
    return list(session.execute(
        select(DispatchRow, WarningRow, AreaRow.name)
        .join(WarningRow, WarningRow.id == DispatchRow.warning_id)
        .outerjoin(AreaRow, AreaRow.code == DispatchRow.area_code)
        .where(DispatchRow.kind == "standby", DispatchRow.responder_id == responder_id)
        .order_by(DispatchRow.id.desc()).limit(limit)).all())


def open_incident_for(session: Session, hazard: str, regencies: Sequence[str]
                      ) -> IncidentRow | None:
    """The newest active incident of ``hazard`` with an open area in one of ``regencies``
    (or a district of one): a warning over the same place joins it."""
    if not regencies:
        return None
    prefix = func.split_part(IncidentAreaRow.code, ".", 1) + "." + func.split_part(
        IncidentAreaRow.code, ".", 2)
    mine = select(IncidentAreaRow.incident_id).where(
        IncidentAreaRow.closed_at.is_(None), prefix.in_(list(regencies)))
    return session.scalars(
        select(IncidentRow).where(IncidentRow.status == "active", IncidentRow.hazard == hazard,
                                  IncidentRow.id.in_(mine))
        .order_by(IncidentRow.id.desc()).limit(1).execution_options(populate_existing=True).with_for_update()).first()


def anchors(session: Session, warning_id: int, codes: Sequence[str]) -> dict[str, str]:
    """Per area, a point of it under the warning's polygons (EWKT), else its own point."""
    if not codes:
        return {}
    rows = session.execute(text(
        """
        SELECT a.code,
               ST_AsEWKT(coalesce(
                   CASE WHEN w.geom IS NOT NULL AND ST_Intersects(a.geom, w.geom)
                        THEN ST_PointOnSurface(ST_Intersection(a.geom, w.geom)) END,
                   a.point))
          FROM areas a, warnings w
         WHERE w.id = :w AND a.code = ANY(CAST(:codes AS text[]))
        """), {"w": warning_id, "codes": list(codes)}).all()
    return dict(rows)


def incidents_to_close(session: Session, opened_by: str) -> list[int]:
    """Active incidents a warning opened (``created_by`` ``opened_by``) whose warnings have
    all ended and where nobody is out (acknowledged, on the way or on site)."""
    return list(session.scalars(text(
        """
        SELECT i.id FROM incidents i
         WHERE i.status = 'active' AND i.created_by = :by
           AND EXISTS (SELECT 1 FROM incident_warnings iw WHERE iw.incident_id = i.id)
           AND NOT EXISTS (SELECT 1 FROM incident_warnings iw JOIN warnings w
                             ON w.id = iw.warning_id
                            WHERE iw.incident_id = i.id AND w.state = 'active')
           AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.incident_id = i.id
                           AND d.state IN ('acknowledged', 'en_route', 'on_site'))
         ORDER BY i.id
        """), {"by": opened_by}))


def orphaned(session: Session) -> list[DispatchRow]:
    """Live standby notices whose warning has ended (a takeover that never came), locked."""
    return list(session.scalars(
        select(DispatchRow).join(WarningRow, WarningRow.id == DispatchRow.warning_id)
        .where(DispatchRow.kind == "standby", DispatchRow.state.in_(LIVE),
               WarningRow.state != "active")
        .order_by(DispatchRow.id).execution_options(populate_existing=True)
        .with_for_update(of=DispatchRow, skip_locked=True)))
