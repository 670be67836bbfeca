"""A report from the ground (*laporan lapangan*) as the tablet sends it: validation, no I/O.

A rapid needs assessment made from an assignment: free text, counts of people and houses,
needs from a configured list, optionally where the worker stood. Every problem is reported at
once under its dotted path (``counts.dead``), so a queued report is fixed in one round. The
photo travels beside this JSON and is checked elsewhere (it needs an image decoder).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from geo.crs import valid_lat_lon

#: The counts of a report, in the order the tablet and the office show them.
COUNTS: tuple[str, ...] = ("affected", "injured", "dead", "displaced", "houses_damaged")
MAX_TEXT = 4000
#: Larger than any one area's population: a typing error, not a count.
MAX_COUNT = 10_000_000
#: A tablet clock a little ahead of the server's is not "in the future".
CLOCK_SKEW = timedelta(minutes=2)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{8,64}")
_KNOWN = frozenset({"assignment_id", "client_id", "text", "counts", "needs", "position", "at",
                    "share_photo_location"})


class ReportError(ValueError):
    """A report that cannot be accepted: ``fields`` maps dotted paths to problems."""

    def __init__(self, fields: dict[str, str]) -> None:
        """Keep every bad field."""
        super().__init__("invalid report")
        self.fields = fields


@dataclass(frozen=True)
class ReportDraft:
    """A valid report, before it is tied to its assignment's incident and area."""

    assignment_id: int
    client_id: str
    text: str
    counts: dict[str, int | None]
    needs: tuple[str, ...]
    lat: float | None
    lon: float | None
    at: datetime | None
    share_photo_location: bool


def parse_report(data: Any, needs_allowed: Sequence[str], now: datetime) -> ReportDraft:
    """Validate the ``report`` part of ``POST /api/v1/me/reports``.

    Args:
        data: the decoded JSON.
        needs_allowed: the configured need codes.
        now: the server's time (UTC), against which ``at`` must not lie in the future.

    Raises:
        ReportError: naming every bad field.
    """
    if not isinstance(data, dict):
        raise ReportError({"report": "must be a JSON object"})
    fields: dict[str, str] = {}
    for name in sorted(set(data) - _KNOWN):
        fields[name] = "unknown field"
    assignment = _assignment_id(data.get("assignment_id"), fields)
    client_id = _client_id(data.get("client_id"), fields)
    text = _text(data.get("text"), fields)
    counts = _counts(data.get("counts"), fields)
    needs = _needs(data.get("needs"), needs_allowed, fields)
    lat, lon = _position(data.get("position"), fields)
    at = _time(data.get("at"), now, fields)
    share = data.get("share_photo_location", False)
    if not isinstance(share, bool):
        fields["share_photo_location"] = "must be true or false"
    if fields:
        raise ReportError(fields)
    return ReportDraft(assignment, client_id, text, counts, needs, lat, lon, at, share)


def _assignment_id(value: Any, fields: dict[str, str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fields["assignment_id"] = "required: the id of one of your assignments"
        return 0
    return value


def _client_id(value: Any, fields: dict[str, str]) -> str:
    if not isinstance(value, str) or not _CLIENT_ID.fullmatch(value):
        fields["client_id"] = "required: 8 to 64 letters, digits or -_.: (a UUID)"
        return ""
    return value


def _text(value: Any, fields: dict[str, str]) -> str:
    if not isinstance(value, str):
        fields["text"] = "required text (may be empty)"
        return ""
    if len(value) > MAX_TEXT:
        fields["text"] = f"longer than {MAX_TEXT} characters"
    elif "\x00" in value or not _encodable(value):
        fields["text"] = "contains a NUL character or invalid Unicode"
    return value.strip()


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate: valid JSON, no UTF-8
        return False
    return True


def _counts(value: Any, fields: dict[str, str]) -> dict[str, int | None]:
    """Missing counts are unknown (None), which is not the same as zero."""
    out: dict[str, int | None] = dict.fromkeys(COUNTS)
    if value is None:
        return out
    if not isinstance(value, dict):
        fields["counts"] = "must be an object: " + ", ".join(COUNTS)
        return out
    for name, count in value.items():
        path = f"counts.{name}"
        if name not in COUNTS:
            fields[path] = "unknown count (one of " + ", ".join(COUNTS) + ")"
        elif count is None:
            continue
        elif isinstance(count, bool) or not isinstance(count, int):
            fields[path] = "must be a whole number"
        elif count < 0:
            fields[path] = "must be 0 or more"
        elif count > MAX_COUNT:
            fields[path] = f"more than {MAX_COUNT:,}"
        else:
            out[name] = count
    return out


def _needs(value: Any, allowed: Sequence[str], fields: dict[str, str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        fields["needs"] = "must be a list of: " + ", ".join(allowed)
        return ()
    unknown = [v for v in value if not isinstance(v, str) or v not in allowed]
    if unknown:
        fields["needs"] = "each one of: " + ", ".join(allowed)
        return ()
    return tuple(dict.fromkeys(value))  # in the order given, once each


def _position(value: Any, fields: dict[str, str]) -> tuple[float | None, float | None]:
    if value is None:
        return None, None
    if not isinstance(value, dict):
        fields["position"] = 'must be {"lat", "lon"}'
        return None, None
    coords = []
    for name in ("lat", "lon"):
        v = value.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            fields[f"position.{name}"] = "required number"
        coords.append(v)
    if any(f.startswith("position.") for f in fields):
        return None, None
    lat, lon = float(coords[0]), float(coords[1])
    if not valid_lat_lon(lat, lon):
        fields["position"] = "out of range (lat -90 to 90, lon -180 to 180)"
        return None, None
    return lat, lon


def _time(value: Any, now: datetime, fields: dict[str, str]) -> datetime | None:
    """When the worker made the report (it may have waited offline); default: received."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        fields["at"] = "ISO 8601 time with a zone"
        return None
    if at.tzinfo is None:
        fields["at"] = "needs a time zone"
    elif at > now + CLOCK_SKEW:
        fields["at"] = "in the future"
    elif at < EARLIEST:
        fields["at"] = "before 2000"
    else:
        return at.astimezone(UTC)
    return None
