"""Who is asking and what they may see: principals, roles, scope and the rooms it opens.

Pure: no Flask request state, no database. One function decides scope: :func:`scope` turns a
principal into a :class:`Scope`, whose clause builders every query that lists or fetches
applies in SQL, and whose rooms the socket layer uses. Out-of-scope single items are 404,
never 403, so existence is not revealed. Room names only ever come from the builders here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import true

from server.errors import ApiError

ROLES = ("operator", "regional", "field", "wall", "admin")
NATIONAL_ROLES = ("operator", "wall", "admin")
CHANNELS = ("jaga_bansos", "sp4n_lapor", "ditjen", "whistleblower")
#: The channel of an agency's key: it may push CAP (``POST /api/v1/alerts/cap``), nothing else.
AGENCY = "agency"


class Unauthorized(ApiError):
    status = 401


class Forbidden(ApiError):
    status = 403


@dataclass(frozen=True)
class Principal:
    """Who is asking. ``kind`` is ``user``, ``channel``, ``agency`` (a partner pushing CAP
    as ``agency``, its sender) or ``anonymous``."""

    kind: str
    role: str | None = None
    user_id: int | None = None
    username: str | None = None
    region: str | None = None
    responder_id: int | None = None
    #: The work unit of the account: it also sees what is forwarded to that unit.
    unit_id: int | None = None
    channel: str | None = None
    key_id: int | None = None
    agency: str | None = None
    token_id: int | None = None
    via: str | None = None  # "bearer" or "session"
    expires_at: datetime | None = None  # the credential's end (tokens, sessions)

    @property
    def authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def label(self) -> str:
        """How the audit trail names this principal (never a secret)."""
        if self.kind == "user":
            return f"user:{self.username}"
        if self.kind == "channel":
            return f"key:{self.key_id}:{self.channel}"
        if self.kind == "agency":
            return f"key:{self.key_id}:agency:{self.agency}"
        return "anonymous"


ANONYMOUS = Principal(kind="anonymous")


# -- scope ----------------------------------------------------------------------------------
def _room(kind: str, key: str | int) -> str:
    return f"{kind}:{key}"


def national_room() -> str:
    return "national"


def area_room(code: str) -> str:
    """The room of a province (``province:72``) or regency (``regency:72.71``)."""
    return _room("province" if "." not in code else "regency", code)


def responder_room(responder_id: int) -> str:
    return _room("responder", responder_id)


def unit_room(unit_id: int) -> str:
    """The room of a work unit's members (``unit:5``): complaints forwarded to the unit."""
    return _room("unit", unit_id)


@dataclass(frozen=True)
class Scope:
    """What a principal may see: everything, one area (and below), or one responder's work;
    and, for an account of a work unit, what is forwarded to that unit wherever it lies."""

    national: bool = False
    region: str | None = None
    responder_id: int | None = None
    unit_id: int | None = None

    def covers_code(self, code: str | None) -> bool:
        if self.national:
            return True
        if not self.region or not code:
            return False
        return code == self.region or code.startswith(self.region + ".")

    def code_clause(self, column) -> ColumnElement[bool]:
        """SQL: an area-code column lies in this scope (``72`` covers ``72.71.01``)."""
        if self.national:
            return true()
        if not self.region:
            return false()
        return or_(column == self.region, column.like(self.region + ".%"))

    def regions_clause(self, regions_column, responders_column=None,
                       units_column=None) -> ColumnElement[bool]:
        """SQL for rows carrying a region-code array (ancestors included, as the event log),
        and optionally the responders and work units they concern."""
        if self.national:
            return true()
        found = []
        if self.region:
            found.append(regions_column.contains([self.region]))
        elif self.responder_id is not None and responders_column is not None:
            found.append(responders_column.contains([self.responder_id]))
        if self.unit_id is not None and units_column is not None:
            found.append(units_column.contains([self.unit_id]))
        return or_(*found) if found else false()

    def unit_clause(self, unit_column) -> ColumnElement[bool]:
        """SQL: a row assigned to this scope's work unit (``false`` without one)."""
        return unit_column == self.unit_id if self.unit_id is not None else false()

    def may_join(self, room: str) -> bool:
        kind, _, key = room.partition(":")
        if room == national_room():
            return self.national
        if kind in ("province", "regency"):
            return self.covers_code(key)
        if kind == "responder":
            return self.national or (
                self.responder_id is not None and key == str(self.responder_id)
            )
        if kind == "unit":
            return self.unit_id is not None and key == str(self.unit_id)
        return False

    def default_rooms(self) -> list[str]:
        if self.national:
            return [national_room()]
        rooms = []
        if self.region:
            rooms.append(area_room(self.region))
        elif self.responder_id is not None:
            rooms.append(responder_room(self.responder_id))
        if self.unit_id is not None:
            rooms.append(unit_room(self.unit_id))
        return rooms


def scope(principal: Principal) -> Scope:
    """The one function that decides what ``principal`` may see.

    A regional account of a work unit sees its region and, wherever they lie, the complaints
    forwarded to its unit (complaint reads, exports, OGC and the event log apply the unit
    part; area aggregates such as the map and the summary count the region only)."""
    if principal.kind != "user":
        return Scope()
    if principal.role in NATIONAL_ROLES:
        return Scope(national=True)
    if principal.role == "regional":
        return Scope(region=principal.region, unit_id=principal.unit_id)
    if principal.role == "field":
        return Scope(responder_id=principal.responder_id)
    return Scope()


