"""Reading complaint query strings and bodies: every bad parameter named in one 400."""

from __future__ import annotations

import math

from flask import current_app
from flask import request

from geo.areas import AreaCodeError
from geo.areas import normalize_code
from geo.workflow import STATUSES
from server.auth.scope import CHANNELS
from server.errors import ApiError
from server.queries.complaints.reads import SORTS
from server.queries.complaints.reads import Filters
from server.web.body import string_field
from server.web.query_args import area_arg
from server.web.query_args import bbox_arg
from server.web.query_args import int_arg
from server.web.query_args import time_arg

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


def _choice(name: str, allowed, fields: dict) -> str | None:
    raw = request.args.get(name)
    if not raw:
        return None
    by_fold = {a.casefold(): a for a in allowed}
    found = by_fold.get(raw.strip().casefold())
    if found is None:
        fields[name] = f"one of {', '.join(allowed)}"
    return found


def _statuses(fields: dict) -> tuple[str, ...]:
    raw = request.args.get("status")
    if not raw:
        return ()
    values = tuple(v.strip() for v in raw.split(",") if v.strip())
    if not values or any(v not in STATUSES for v in values):
        fields["status"] = f"one or more (comma-separated) of {', '.join(STATUSES)}"
    return values


def _overdue(fields: dict) -> bool | None:
    raw = request.args.get("overdue")
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    fields["overdue"] = "true or false"
    return None


def _text(fields: dict) -> str | None:
    raw = (request.args.get("q") or "").strip()
    if raw and not 3 <= len(raw) <= 200:
        fields["q"] = "3 to 200 characters"  # shorter has no trigram to search by
        return None
    return raw or None


def _unit(fields: dict) -> int | None:
    raw = request.args.get("unit")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 2**62:
        fields["unit"] = "a unit id (GET /api/v1/units)"
        return None
    return int(raw)


def sort_arg() -> str:
    """``sort``: newest (default), oldest, due (nearest deadline first) or updated."""
    raw = request.args.get("sort") or "newest"
    if raw not in SORTS:
        raise ApiError("invalid parameters", {"sort": f"one of {', '.join(SORTS)}"})
    return raw


def list_filters() -> Filters:
    """The list's filters from the query string; 400 naming every bad one."""
    fields: dict[str, str] = {}
    filters = Filters(
        channel=_choice("channel", CHANNELS, fields),
        category=_choice("category", current_app.config["COMPLAINT_CATEGORIES"], fields),
        statuses=_statuses(fields),
        overdue=_overdue(fields),
        start=time_arg("start", fields),
        end=time_arg("end", fields),
        area=area_arg(fields),
        bbox=bbox_arg(fields),
        text=_text(fields),
        unit=_unit(fields),
    )
    paging(fields)
    if fields:
        raise ApiError("invalid parameters", fields)
    return filters


def paging(fields: dict | None = None) -> tuple[int, int]:
    """``limit`` (1-1000, default 100) and ``offset``; raises unless ``fields`` collects."""
    collect = {} if fields is None else fields
    limit = int_arg("limit", DEFAULT_LIMIT, 1, MAX_LIMIT, collect)
    offset = int_arg("offset", 0, 0, 10_000_000, collect)
    if fields is None and collect:
        raise ApiError("invalid parameters", collect)
    return limit, offset


# -- bodies ---------------------------------------------------------------------------------
def patch_body(data: dict) -> dict:
    """``status``, ``note``, ``reason``, ``assigned_to`` (a unit id; null clears it); at
    least one. Whether the unit exists is the service's to say (400 naming it)."""
    fields: dict[str, str] = {}
    out: dict = {}
    status = string_field(data, "status", fields, required=False, max_len=32)
    if status is not None and status not in STATUSES:
        fields["status"] = f"one of {', '.join(STATUSES)}"
    for name, max_len in (("note", 4000), ("reason", 2000)):
        value = string_field(data, name, fields, required=False, max_len=max_len)
        if value is not None and value.strip():
            out[name] = value
    if "assigned_to" in data:
        value = data["assigned_to"]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 0 < value < 2**62):
            fields["assigned_to"] = "a unit id (an integer; GET /api/v1/units) or null"
        out["assigned_to"] = value  # null: unassigned
    if status is not None:
        out["status"] = status
    if not fields and not ({"status", "note", "assigned_to"} & set(out)):
        fields["body"] = "nothing to change: give status, note or assigned_to"
    if fields:
        raise ApiError("invalid complaint change", fields)
    return out


def _number(data: dict, name: str, low: float, high: float, fields: dict) -> float | None:
    value = data.get(name)
    if value is None:
        fields[name] = "required"
    elif isinstance(value, bool) or not isinstance(value, int | float):
        fields[name] = "must be a number"
    elif not math.isfinite(value) or not low <= value <= high:
        fields[name] = f"between {low:g} and {high:g}"
    else:
        return float(value)
    return None


def place_body(data: dict) -> tuple[str | None, tuple[float, float] | None]:
    """``{"district": code}`` or ``{"lat", "lon"}`` (one of the two)."""
    fields: dict[str, str] = {}
    if "district" in data and ("lat" in data or "lon" in data):
        raise ApiError("invalid placement", {"district": "give a district or lat/lon, not both"})
    if "district" in data:
        raw = data["district"]
        try:
            code = normalize_code(raw) if isinstance(raw, str) else None
        except AreaCodeError:
            code = None
        if code is None or code.count(".") != 2:
            raise ApiError("invalid placement", {"district": "a district code (72.71.01)"})
        return code, None
    if "lat" not in data and "lon" not in data:
        raise ApiError("invalid placement", {"district": "a district code, or lat and lon"})
    lat = _number(data, "lat", -90, 90, fields)
    lon = _number(data, "lon", -180, 180, fields)
    if fields:
        raise ApiError("invalid placement", fields)
    return None, (lon, lat)


def duplicate_body(data: dict) -> tuple[int, str]:
    """``{"of": id, "decision": "confirm"|"dismiss"}``."""
    fields: dict[str, str] = {}
    of = data.get("of")
    if isinstance(of, bool) or not isinstance(of, int) or of < 1:
        fields["of"] = "a complaint id"
    decision = data.get("decision")
    if decision not in ("confirm", "dismiss"):
        fields["decision"] = "confirm or dismiss"
    if fields:
        raise ApiError("invalid duplicate decision", fields)
    return of, decision
