"""The summary per province or regency: counts by status, channel, category and overdue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo.workflow import STATUSES
from server.auth.scope import CHANNELS
from server.queries.complaints import intake as intake_q
from server.queries.complaints import summary as q


def _empty(categories: list[str]) -> dict:
    return {
        "total": 0,
        "overdue": 0,
        "by_status": dict.fromkeys(STATUSES, 0),
        "by_channel": dict.fromkeys(CHANNELS, 0),
        "by_category": dict.fromkeys(categories, 0),
    }


def _add(entry: dict, breakdown: str, value: str, n: int) -> None:
    if breakdown == "status":
        entry["total"] += n
    if breakdown == "overdue":
        entry["overdue"] += n if value == "true" else 0
        return
    bucket = entry[f"by_{breakdown}"]
    bucket[value] = bucket.get(value, 0) + n


def summary(session: Session, scope, level: str, categories: list[str]) -> dict:
    """``{"level", "areas": [...], "unplaced"?, "total"}`` within ``scope``.

    ``unplaced`` (complaints without an area) appears only for national scopes: nobody else
    can see them.
    """
    per_area: dict[str, dict] = {}
    for area, breakdown, value, n in q.summary_rows(session, scope, level):
        if n:
            _add(per_area.setdefault(area, _empty(categories)), breakdown, value, n)
    unplaced = per_area.pop("", None)
    names = intake_q.area_refs(session, list(per_area))
    total = _empty(categories)
    areas = []
    for code in sorted(per_area):
        entry = per_area[code]
        areas.append({"code": code, "name": names.get(code), **entry})
    for entry in [*per_area.values(), *([unplaced] if unplaced else [])]:
        _merge(total, entry)
    body = {"level": level, "areas": areas}
    if scope.national:
        body["unplaced"] = unplaced or _empty(categories)
    body["total"] = total
    return body


def _merge(into: dict, entry: dict) -> None:
    into["total"] += entry["total"]
    into["overdue"] += entry["overdue"]
    for key in ("by_status", "by_channel", "by_category"):
        for value, n in entry[key].items():
            into[key][value] = into[key].get(value, 0) + n
