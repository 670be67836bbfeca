"""Reports from the ground: by client id, scoped reads, and per-area totals.

Who sees a report is the one scope rule (:class:`server.auth.scope.Scope`): the command room
everything, an office the reports of areas inside its region (``code_clause``), a field
account only its own.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.field_report import COUNTS
from server.models import AreaRow
from server.models import FieldReportRow
from server.models import ResponderRow

R = FieldReportRow


def visible(scope) -> ColumnElement[bool]:
    """SQL: the report lies in ``scope`` (its area), or is the field account's own."""
    clause = scope.code_clause(R.area_code)
    if scope.responder_id is not None:
        clause = or_(clause, R.responder_id == scope.responder_id)
    return clause


def by_client_id(session: Session, responder_id: int, client_id: str) -> FieldReportRow | None:
    return session.scalars(select(R).where(R.responder_id == responder_id,
                                           R.client_id == client_id)).first()


def scoped_report(session: Session, scope, report_id: int) -> FieldReportRow | None:
    return session.scalars(select(R).where(R.id == report_id, visible(scope))).first()


def _with_details():
    return (select(R, ResponderRow, AreaRow.name, func.ST_Y(R.position), func.ST_X(R.position))
            .join(ResponderRow, ResponderRow.id == R.responder_id)
            .outerjoin(AreaRow, AreaRow.code == R.area_code))


def details(session: Session, report_id: int) -> tuple | None:
    """(report, responder, area name, lat, lon) of one report (unscoped: the caller's own)."""
    return session.execute(_with_details().where(R.id == report_id)).first()


def incident_reports(session: Session, scope, incident_id: int, limit: int) -> list[tuple]:
    """(report, responder, area name, lat, lon) of an incident in scope, newest first."""
    return list(session.execute(
        _with_details().where(R.incident_id == incident_id, visible(scope))
        .order_by(R.reported_at.desc(), R.id.desc()).limit(limit)).all())


def _latest_per_responder(scope, incident_id: int):
    """Each responder's latest report per area: a later report replaces an earlier one
    (a worker updates their own assessment), reports of different workers add up."""
    rank = func.row_number().over(partition_by=(R.area_code, R.responder_id),
                                  order_by=(R.reported_at.desc(), R.id.desc())).label("rank")
    ranked = select(R, rank).where(R.incident_id == incident_id, visible(scope)).subquery()
    return select(ranked).where(ranked.c.rank == 1).subquery()


def area_totals(session: Session, scope, incident_id: int) -> list[dict]:
    """Per area in scope: reports, reporting responders, summed counts and needs."""
    latest = _latest_per_responder(scope, incident_id)
    sums = [func.sum(latest.c[name]).label(name) for name in COUNTS]
    rows = session.execute(
        select(latest.c.area_code, AreaRow.name, func.count().label("responders"), *sums)
        .join(AreaRow, AreaRow.code == latest.c.area_code)
        .group_by(latest.c.area_code, AreaRow.name).order_by(latest.c.area_code)).all()
    reports = dict(session.execute(
        select(R.area_code, func.count()).where(R.incident_id == incident_id, visible(scope))
        .group_by(R.area_code)).all())
    need = func.unnest(latest.c.needs).label("need")
    needs: dict[str, dict[str, int]] = {}
    unnested = select(latest.c.area_code, need).subquery()
    for code, name, count in session.execute(
            select(unnested.c.area_code, unnested.c.need, func.count())
            .group_by(unnested.c.area_code, unnested.c.need)
            .order_by(unnested.c.area_code, func.count().desc(), unnested.c.need)).all():
        needs.setdefault(code, {})[name] = count
    return [{"code": row.area_code, "name": row.name, "reports": reports.get(row.area_code, 0),
             "responders": row.responders,
             "counts": {name: (None if row[3 + i] is None else int(row[3 + i]))
                        for i, name in enumerate(COUNTS)},
             "needs": needs.get(row.area_code, {})} for row in rows]
