"""Warnings (CAP): storage, the districts under their polygons, scoped reads, expiry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.crs import WGS84
from server.models import AreaRow
from server.models import DispatchRow
from server.models import IncidentWarningRow
from server.models import WarningDistrictRow
from server.models import WarningRejectionRow
from server.models import WarningRow

#: Only these are shown and acted on; Exercise, System, Test and Draft are kept, not shown.
SHOWN_STATUS = "Actual"


def by_message(session: Session, sender: str, identifier: str) -> WarningRow | None:
    """The stored message with this sender and identifier (CAP's identity of a message)."""
    return session.scalars(select(WarningRow).where(
        WarningRow.sender == sender, WarningRow.identifier == identifier)).first()


def known_identifiers(session: Session, identifiers: Sequence[str]) -> set[str]:
    """Which of these identifiers are stored (an index's ``guid`` is the CAP identifier)."""
    if not identifiers:
        return set()
    return set(session.scalars(select(WarningRow.identifier)
                               .where(WarningRow.identifier.in_(list(identifiers)))))


def referenced(session: Session, sender: str, identifiers: Sequence[str]) -> list[WarningRow]:
    """The stored messages of ``sender`` among ``identifiers``, locked (an update and the
    expiry job must not end the same warning twice)."""
    if not identifiers:
        return []
    return list(session.scalars(
        select(WarningRow).where(WarningRow.sender == sender,
                                 WarningRow.identifier.in_(list(identifiers)))
        .order_by(WarningRow.id).execution_options(populate_existing=True).with_for_update()))


def outline(wkt: str):
    """The SQL value of a warning's outline: the union of its shapes (WKT, WGS 84) as a
    valid MultiPolygon (assigned to ``WarningRow.geom``, it is read back after the flush)."""
    return func.ST_Multi(func.ST_CollectionExtract(
        func.ST_MakeValid(func.ST_GeomFromText(wkt, WGS84)), 3))


def ring_hits(session: Session, rings: Sequence[str]) -> list[tuple[int, str, float, float]]:
    """For each ring (WKT polygons, in order), every district it touches: (ring number from 0,
    code, share of the ring inside the district, share of the district inside the ring).

    Candidates come from the subdivided parts (GiST), shares from the full outlines; areas
    are planar in degrees, which is fine for ratios of shapes a few km apart.
    """
    if not rings:
        return []
    rows = session.execute(text(
        f"""
        WITH r AS (
            SELECT n - 1 AS n, ST_MakeValid(ST_GeomFromText(w, {WGS84})) AS g
              FROM unnest(CAST(:rings AS text[])) WITH ORDINALITY AS t(w, n)),
        cand AS (
            SELECT DISTINCT r.n, p.code FROM r JOIN area_parts p
                ON p.depth = 3 AND ST_Intersects(p.geom, r.g))
        SELECT cand.n, a.code,
               ST_Area(ST_Intersection(a.geom, r.g)) / nullif(ST_Area(r.g), 0),
               ST_Area(ST_Intersection(a.geom, r.g)) / nullif(ST_Area(a.geom), 0)
          FROM cand JOIN r ON r.n = cand.n JOIN areas a ON a.code = cand.code
         ORDER BY cand.n, a.code
        """), {"rings": list(rings)}).all()
    return [(n, code, float(rs or 0), float(as_ or 0)) for n, code, rs, as_ in rows]


def names_of(session: Session, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    return dict(session.execute(select(AreaRow.code, AreaRow.name)
                                .where(AreaRow.code.in_(list(codes)))).all())


def coastal_regencies(session: Session) -> list[tuple[str, str]]:
    """(code, name) of the regencies on the sea (tsunami zones name them)."""
    return [tuple(r) for r in session.execute(
        select(AreaRow.code, AreaRow.name).where(AreaRow.depth == 2, AreaRow.coastal.is_(True))
        .order_by(AreaRow.code)).all()]


def replace_districts(session: Session, warning_id: int, rows: Sequence[dict]) -> None:
    session.query(WarningDistrictRow).filter(WarningDistrictRow.warning_id == warning_id).delete()
    session.add_all(WarningDistrictRow(warning_id=warning_id, **row) for row in rows)
    session.flush()


def districts_of(session: Session, warning_id: int, scope=None) -> list[WarningDistrictRow]:
    stmt = select(WarningDistrictRow).where(WarningDistrictRow.warning_id == warning_id)
    if scope is not None:
        stmt = stmt.where(scope.code_clause(WarningDistrictRow.code))
    return list(session.scalars(stmt.order_by(WarningDistrictRow.code)))


def districts_for(session: Session, warning_ids: Sequence[int], scope
                  ) -> dict[int, list[WarningDistrictRow]]:
    """The areas of several warnings at once, in scope."""
    out: dict[int, list[WarningDistrictRow]] = {wid: [] for wid in warning_ids}
    if not warning_ids:
        return out
    stmt = (select(WarningDistrictRow)
            .where(WarningDistrictRow.warning_id.in_(list(warning_ids)),
                   scope.code_clause(WarningDistrictRow.code))
            .order_by(WarningDistrictRow.warning_id, WarningDistrictRow.code))
    for row in session.scalars(stmt):
        out[row.warning_id].append(row)
    return out


def standby_counts(session: Session, warning_id: int, scope) -> dict[str, int]:
    """The warning's standby notices by state, in scope."""
    rows = session.execute(
        select(DispatchRow.state, func.count()).where(
            DispatchRow.kind == "standby", DispatchRow.warning_id == warning_id,
            scope.code_clause(DispatchRow.area_code)).group_by(DispatchRow.state)).all()
    return {state: int(n) for state, n in rows}


def _in_scope(scope):
    """A warning touches the scope when one of its areas lies in it."""
    return exists().where(WarningDistrictRow.warning_id == WarningRow.id,
                          scope.code_clause(WarningDistrictRow.code))


def _shown(now: datetime):
    return (WarningRow.state == "active") & (WarningRow.ends_at > now) & (
        WarningRow.status == SHOWN_STATUS)


def active(session: Session, scope, now: datetime, limit: int = 500) -> list[tuple]:
    """(warning, outline GeoJSON) of the active warnings in scope, most severe first."""
    stmt = (select(WarningRow, func.ST_AsGeoJSON(WarningRow.geom, 5))
            .where(_shown(now)))
    if not scope.national:
        stmt = stmt.where(_in_scope(scope))
    order = func.array_position(text("ARRAY['extreme','severe','moderate','minor']::text[]"),
                                WarningRow.severity)
    return list(session.execute(stmt.order_by(order, WarningRow.sent.desc()).limit(limit)).all())


def one(session: Session, scope, warning_id: int) -> tuple | None:
    """(warning, outline GeoJSON) of any stored warning in scope (ended ones too)."""
    stmt = (select(WarningRow, func.ST_AsGeoJSON(WarningRow.geom, 5))
            .where(WarningRow.id == warning_id))
    if not scope.national:
        stmt = stmt.where(_in_scope(scope))
    return session.execute(stmt).first()


def due_to_end(session: Session, now: datetime, limit: int = 100) -> list[WarningRow]:
    """Active warnings past their end, locked (another leader skips them)."""
    return list(session.scalars(
        select(WarningRow).where(WarningRow.state == "active", WarningRow.ends_at <= now)
        .order_by(WarningRow.ends_at).limit(limit).execution_options(populate_existing=True).with_for_update(skip_locked=True)))


def link_incident(session: Session, incident_id: int, warning_id: int) -> None:
    if session.get(IncidentWarningRow, (incident_id, warning_id)) is None:
        session.add(IncidentWarningRow(incident_id=incident_id, warning_id=warning_id))
        session.flush()


def incidents_of(session: Session, warning_id: int) -> list[int]:
    return list(session.scalars(select(IncidentWarningRow.incident_id)
                                .where(IncidentWarningRow.warning_id == warning_id)))


def live_warnings_of_incident(session: Session, incident_id: int) -> int:
    """How many of the incident's warnings are still active."""
    return session.scalar(
        select(func.count()).select_from(IncidentWarningRow)
        .join(WarningRow, WarningRow.id == IncidentWarningRow.warning_id)
        .where(IncidentWarningRow.incident_id == incident_id,
               WarningRow.state == "active")) or 0


def reject(session: Session, **values) -> None:
    session.add(WarningRejectionRow(**values))


def health(session: Session, now: datetime, *, rejections: int = 0,
           origins: bool = False) -> dict:
    """Counts for ``/healthz``: active warnings, messages stored and refused; with
    ``rejections`` the last ones with their field and reason (``origins``: and where they
    came from, a URL or an agency key's name, for admins)."""
    active_n, total = session.execute(text(
        "SELECT count(*) FILTER (WHERE state = 'active' AND ends_at > :now "
        "AND status = 'Actual'), count(*) FROM warnings"), {"now": now}).one()
    rejected = session.scalar(text("SELECT count(*) FROM warning_rejections")) or 0
    body = {"active": active_n, "stored": total, "rejected": rejected}
    if rejections:
        last = session.execute(
            select(WarningRejectionRow).order_by(WarningRejectionRow.at.desc(),
                                                 WarningRejectionRow.id.desc())
            .limit(rejections)).scalars()
        body["last_rejections"] = [
            {"at": r.at.isoformat(), "source": r.source, "field": r.field, "reason": r.reason}
            | ({"origin": r.origin} if origins else {}) for r in last]
    return body
