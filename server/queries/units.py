"""Work units: list, find, create, the standard registry, and the people behind actors."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from geo.areas import ancestors
from server.models import AreaRow
from server.models import UnitRow
from server.models import UserRow

_REGION = aliased(AreaRow)


def _listing():
    return (select(UnitRow, _REGION.name.label("region_name"))
            .outerjoin(_REGION, _REGION.code == UnitRow.region_code))


def list_units(session: Session, text_query: str | None = None, kind: str | None = None,
               region: str | None = None, limit: int = 2000) -> list[tuple[UnitRow, str | None]]:
    """``(unit, region name)`` by name; ``region`` keeps the units of that area, of the areas
    above it (a regency's province) and the national ones: who could take its complaints."""
    stmt = _listing()
    if text_query:
        escaped = text_query.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        stmt = stmt.where(UnitRow.name.ilike(f"%{escaped}%", escape="!"))
    if kind:
        stmt = stmt.where(UnitRow.kind == kind)
    if region:
        above = list(ancestors(region).values())
        stmt = stmt.where(or_(UnitRow.region_code.is_(None), UnitRow.region_code.in_(above),
                              UnitRow.region_code.like(region + ".%")))
    stmt = stmt.order_by(UnitRow.region_code.nulls_first(), func.lower(UnitRow.name)).limit(limit)
    return [(row, name) for row, name in session.execute(stmt).all()]


def get_unit(session: Session, unit_id: int) -> tuple[UnitRow, str | None] | None:
    found = session.execute(_listing().where(UnitRow.id == unit_id)).first()
    return (found[0], found[1]) if found else None


def unit_exists(session: Session, unit_id: int) -> bool:
    return session.scalar(select(func.count()).where(UnitRow.id == unit_id)) == 1


def by_name(session: Session, name: str) -> UnitRow | None:
    return session.scalars(
        select(UnitRow).where(func.lower(UnitRow.name) == name.strip().lower())).first()


def area_name(session: Session, code: str) -> str | None:
    return session.scalar(select(AreaRow.name).where(AreaRow.code == code))


def member_counts(session: Session) -> dict[int, int]:
    stmt = (select(UserRow.unit_id, func.count()).where(UserRow.unit_id.is_not(None),
                                                        UserRow.disabled_at.is_(None))
            .group_by(UserRow.unit_id))
    return {uid: int(n) for uid, n in session.execute(stmt).all()}


#: The ministry's directorates general and inspectorate (national: no region).
DIRECTORATES = (
    "Direktorat Jenderal Perlindungan dan Jaminan Sosial",
    "Direktorat Jenderal Rehabilitasi Sosial",
    "Direktorat Jenderal Pemberdayaan Sosial",
    "Direktorat Jenderal Penanganan Fakir Miskin",
    "Inspektorat Jenderal",
)

_SEED_OFFICES = """
INSERT INTO units (name, kind, region_code)
SELECT CASE a.depth WHEN 1 THEN 'Dinas Sosial Provinsi ' || a.name
                    ELSE 'Dinas Sosial ' || a.name END,
       CASE a.depth WHEN 1 THEN 'provincial_office' ELSE 'regency_office' END,
       a.code
  FROM areas a
 WHERE a.depth IN (1, 2)
   AND NOT EXISTS (SELECT 1 FROM units u WHERE u.region_code = a.code
                   AND u.kind IN ('provincial_office', 'regency_office'))
 ORDER BY a.code
ON CONFLICT (lower(name)) DO NOTHING
"""


def seed(session: Session) -> int:
    """Add the standard units that are missing: the directorates general and one social
    office (Dinas Sosial) per province and regency loaded. Returns how many were added."""
    added = 0
    for name in DIRECTORATES:
        added += session.execute(
            text("INSERT INTO units (name, kind) VALUES (:n, 'directorate') "
                 "ON CONFLICT (lower(name)) DO NOTHING"), {"n": name}).rowcount
    added += session.execute(text(_SEED_OFFICES)).rowcount
    return added


def people(session: Session, usernames: list[str]) -> dict[str, tuple[str | None, str | None]]:
    """``username -> (display name, unit name)`` of the given accounts (timelines)."""
    if not usernames:
        return {}
    stmt = (select(UserRow.username, UserRow.display_name, UnitRow.name)
            .outerjoin(UnitRow, UnitRow.id == UserRow.unit_id)
            .where(UserRow.username.in_(usernames)))
    return {u: (d, n) for u, d, n in session.execute(stmt).all()}
