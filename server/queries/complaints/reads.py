"""Scoped reads: the map list (filters, paging), one complaint, its timeline and group.

Every read takes the caller's :class:`server.auth.Scope` and applies it in SQL through
:func:`scope_clause`: the scope's area, plus what is forwarded to its work unit wherever it
lies. An unplaced complaint has no area, so only national scopes (or its unit) see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import exists
from sqlalchemy import false
from sqlalchemy import func
from sqlalchemy import not_
from sqlalchemy import null
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import true
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from geo.crs import WGS84
from server.models import AreaRow
from server.models import ComplaintRow
from server.models import ComplaintTimelineRow
from server.models import UnitRow

C = ComplaintRow
_P, _R, _D = aliased(AreaRow), aliased(AreaRow), aliased(AreaRow)
_U = aliased(UnitRow)
_CODE_COLUMNS = (C.province_code, C.regency_code, C.district_code)
_UNIT = object()  # "the complaints' own assignment column"


def scope_clause(scope, columns=_CODE_COLUMNS, unit_column=_UNIT) -> ColumnElement[bool]:
    """SQL: the complaint lies in ``scope`` (its area code at the scope's own level), or is
    forwarded to the scope's work unit. Counters by area pass ``unit_column=None``: they
    count the region only."""
    if scope.national:
        return true()
    region = scope.code_clause(columns[scope.region.count(".")]) if scope.region else false()
    unit_column = C.assigned_to if unit_column is _UNIT else unit_column
    if unit_column is None or scope.unit_id is None:
        return region
    return or_(region, scope.unit_clause(unit_column))


def _other_visible(scope, column) -> ColumnElement[bool]:
    """SQL: the complaint whose id is ``column`` lies in ``scope``."""
    other = aliased(ComplaintRow)
    codes = (other.province_code, other.regency_code, other.district_code)
    return exists().where(other.id == column, scope_clause(scope, codes))


def linked(scope, column) -> ColumnElement:
    """SQL: ``column`` (another complaint's id: a suggested duplicate, a group's primary)
    when that complaint lies in ``scope``, else NULL. A reader never learns of a complaint it
    cannot open, not even its id (a whistleblower's duplicate in another region)."""
    if scope.national:
        return column
    return case((_other_visible(scope, column), column), else_=null())


def link_detail(scope, column) -> ColumnElement:
    """SQL: a detail of the duplicate suggestion (reason, score, decision), hidden with it."""
    if scope.national:
        return column
    hidden = and_(C.possible_duplicate_of.is_not(None),
                  not_(_other_visible(scope, C.possible_duplicate_of)))
    return case((hidden, null()), else_=column)


def _shared(column) -> ColumnElement:
    """SQL: ``column`` when every room an event of this complaint reaches can see the other
    complaint (same regency, or this one unplaced: national rooms only), else NULL."""
    other = aliased(ComplaintRow)
    same = exists().where(other.id == column,
                          or_(C.regency_code.is_(None), other.regency_code == C.regency_code))
    return case((same, column), else_=null())


def area_clause(code: str) -> ColumnElement[bool]:
    """SQL: the complaint lies in area ``code`` (a province, regency or district)."""
    return _CODE_COLUMNS[code.count(".")] == code


_LIST_COLUMNS = (
    C.id,
    C.channel,
    C.external_id,
    C.category,
    C.status,
    C.received_at,
    C.created_at,
    C.updated_at,
    C.description,
    C.redacted,
    C.province_code,
    C.regency_code,
    C.district_code,
    C.placement,
    C.assigned_to,
    _U.name.label("assigned_unit_name"),
    C.overdue,
    C.verify_due,
    C.follow_up_due,
    C.possible_duplicate_of,
    C.duplicate_reason,
    C.primary_id,
    _P.name.label("province_name"),
    _R.name.label("regency_name"),
    _D.name.label("district_name"),
    func.ST_X(C.geom).label("lon"),
    func.ST_Y(C.geom).label("lat"),
)

_DETAIL_COLUMNS = _LIST_COLUMNS + (
    C.reason,
    C.location,
    C.match,
    C.match_confidence,
    C.reporter,
    C.duplicate_score,
    C.duplicate_decision,
    C.verified_at,
    C.forwarded_at,
    C.followed_up_at,
    C.closed_at,
)
_LINKS = ("possible_duplicate_of", "primary_id")
_LINK_DETAILS = ("duplicate_reason", "duplicate_score", "duplicate_decision")


def _scoped(columns, scope, links=linked, details=link_detail) -> tuple:
    """``columns`` with the links to other complaints as ``scope`` may see them."""
    out = []
    for column in columns:
        name = getattr(column, "key", None)
        if name in _LINKS:
            column = links(scope, column).label(name)
        elif name in _LINK_DETAILS:
            column = details(scope, column).label(name)
        out.append(column)
    return tuple(out)


def _with_names(columns):
    return (
        select(*columns)
        .select_from(C)
        .outerjoin(_P, _P.code == C.province_code)
        .outerjoin(_R, _R.code == C.regency_code)
        .outerjoin(_D, _D.code == C.district_code)
        .outerjoin(_U, _U.id == C.assigned_to)
    )


@dataclass(frozen=True)
class Filters:
    """List filters (all optional), already validated."""

    channel: str | None = None
    category: str | None = None
    statuses: tuple[str, ...] = ()
    overdue: bool | None = None
    start: datetime | None = None
    end: datetime | None = None
    area: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    unplaced: bool = False
    #: Words the description contains (case-insensitive; the trigram index serves it).
    text: str | None = None
    #: Forwarded to this work unit.
    unit: int | None = None


def _filtered(stmt, f: Filters):
    conditions = []
    if f.channel:
        conditions.append(C.channel == f.channel)
    if f.category:
        conditions.append(C.category == f.category)
    if f.statuses:
        conditions.append(C.status.in_(f.statuses))
    if f.overdue is not None:
        conditions.append(C.overdue.is_(f.overdue))
    if f.start:
        conditions.append(C.received_at >= f.start)
    if f.end:
        conditions.append(C.received_at < f.end)
    if f.area:
        conditions.append(area_clause(f.area))
    if f.bbox:
        envelope = func.ST_MakeEnvelope(*f.bbox, WGS84)
        conditions.append(C.geom.op("&&")(envelope))
    if f.text:
        escaped = f.text.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        conditions.append(C.description.ilike(f"%{escaped}%", escape="!"))
    if f.unplaced:
        conditions.append(C.regency_code.is_(None))
    if f.unit is not None:
        conditions.append(C.assigned_to == f.unit)
    return stmt.where(*conditions)


#: List orders: newest (default), oldest, the nearest pending deadline, latest change.
SORTS = {
    "newest": (C.received_at.desc(), C.id.desc()),
    "oldest": (C.received_at.asc(), C.id.asc()),
    "due": (func.coalesce(C.verify_due, C.follow_up_due).asc().nulls_last(), C.id.asc()),
    "updated": (C.updated_at.desc(), C.id.desc()),
}
#: The count beside a list stops here: counting a million rows per keystroke is not worth it.
COUNT_CAP = 10_000


def list_scoped(
    session: Session, scope, f: Filters, limit: int, offset: int, detailed: bool = False,
    sort: str = "newest",
) -> list[dict]:
    """Complaints in scope matching ``f`` (newest first unless ``sort`` says otherwise);
    ``limit + 1`` rows tell of a next page.

    ``detailed`` adds the detail columns (the unplaced queue shows the written address).
    """
    columns = _scoped(_DETAIL_COLUMNS if detailed else _LIST_COLUMNS, scope)
    stmt = _filtered(_with_names(columns).where(scope_clause(scope)), f)
    stmt = stmt.order_by(*SORTS[sort]).limit(limit + 1).offset(offset)
    return [dict(r) for r in session.execute(stmt).mappings()]


def count_scoped(session: Session, scope, f: Filters, cap: int = COUNT_CAP) -> int:
    """How many complaints in scope match ``f``, counted up to ``cap + 1`` (beyond: "more")."""
    inner = _filtered(select(C.id).where(scope_clause(scope)), f).limit(cap + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)))


def get_scoped(session: Session, scope, complaint_id: int) -> dict | None:
    """One complaint with its detail columns, or None when missing or out of scope."""
    stmt = _with_names(_scoped(_DETAIL_COLUMNS, scope)).where(scope_clause(scope),
                                                              C.id == complaint_id)
    row = session.execute(stmt).mappings().first()
    return dict(row) if row else None


def timeline(session: Session, complaint_id: int) -> list[dict]:
    """A complaint's timeline, oldest first."""
    t = ComplaintTimelineRow
    stmt = (
        select(t.at, t.actor, t.action, t.from_status, t.to_status, t.note, t.details)
        .where(t.complaint_id == complaint_id)
        .order_by(t.id)
    )
    return [dict(r) for r in session.execute(stmt).mappings()]


def group_members(session: Session, scope, primary_id: int) -> list[int]:
    """Ids of the confirmed duplicates that follow ``primary_id``, those in ``scope``."""
    stmt = select(C.id).where(C.primary_id == primary_id, scope_clause(scope)).order_by(C.id)
    return list(session.scalars(stmt))


def public_rows(session: Session, ids: list[int]) -> list[dict]:
    """List columns of the given complaints, unscoped (to build events after a change); their
    links to other complaints only where every reader of the event may see the other one."""
    if not ids:
        return []
    columns = _scoped(_LIST_COLUMNS, None, links=lambda _, c: _shared(c),
                      details=lambda _, c: c)
    stmt = _with_names(columns).where(C.id.in_(ids)).order_by(C.id)
    return [dict(r) for r in session.execute(stmt).mappings()]
