"""Work units: the registry complaints are forwarded to (admins add units, anyone lists them).

A unit is a directorate general (national), a provincial or regency social office (with its
region), or another unit. Accounts belong to a unit; a complaint forwarded to a unit
(``assigned_to``) is seen by the unit's members wherever it lies (:func:`server.auth.scope`).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from geo.areas import AreaCodeError
from geo.areas import normalize_code
from server.errors import ApiError
from server.errors import NotFound
from server.models import UnitRow
from server.queries import units as q
from server.services import audit

KINDS = ("directorate", "provincial_office", "regency_office", "other")


class Conflict(ApiError):
    status = 409


def unit_dict(row: UnitRow, region_name: str | None = None, members: int | None = None) -> dict:
    """The public view of a unit."""
    body = {
        "id": row.id,
        "name": row.name,
        "kind": row.kind,
        "region": {"code": row.region_code, "name": region_name} if row.region_code else None,
    }
    if members is not None:
        body["members"] = members
    return body


def _region(session: Session, raw: str | None, fields: dict) -> str | None:
    if raw is None or not str(raw).strip():
        return None
    try:
        code = normalize_code(str(raw))
    except AreaCodeError:
        code = None
    if code is None or code.count(".") > 1 or q.area_name(session, code) is None:
        fields["region"] = "a province (72) or regency (72.71) code of a loaded area"
        return None
    return code


def create(session: Session, actor, name: str | None, kind: str | None = None,
           region: str | None = None) -> UnitRow:
    """Add a unit (audited); 400 naming the bad field, 409 when the name is taken."""
    fields: dict[str, str] = {}
    clean = " ".join((name or "").split())
    if not 1 <= len(clean) <= 200:
        fields["name"] = "1 to 200 characters"
    kind = kind or "other"
    if kind not in KINDS:
        fields["kind"] = f"one of {', '.join(KINDS)}"
    code = _region(session, region, fields)
    if fields:
        raise ApiError("invalid unit", fields)
    row = UnitRow(name=clean, kind=kind, region_code=code)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("a unit of this name exists", {"name": "taken"}) from None
    audit.record(session, actor, "unit.create", "unit", row.id, None, unit_dict(row))
    session.commit()
    return row


def require(session: Session, unit_id: object, field: str = "unit") -> int:
    """The id of an existing unit, or a 400 naming ``field``."""
    if isinstance(unit_id, bool) or not isinstance(unit_id, int) or not 0 < unit_id < 2**62:
        raise ApiError(f"invalid {field}", {field: "a unit id (an integer; GET /api/v1/units)"})
    if not q.unit_exists(session, unit_id):
        raise ApiError(f"invalid {field}", {field: f"no unit {unit_id} (GET /api/v1/units)"})
    return unit_id


def get(session: Session, unit_id: int) -> dict:
    found = q.get_unit(session, unit_id)
    if found is None:
        raise NotFound("no such unit")
    return unit_dict(*found)


def seed(session: Session, actor) -> int:
    """The standard registry (directorates general, a social office per province and
    regency loaded); idempotent. Returns how many units were added."""
    added = q.seed(session)
    if added:
        audit.record(session, actor, "unit.seed", "unit", None, None, {"added": added})
    session.commit()
    return added
