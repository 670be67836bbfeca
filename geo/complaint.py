"""A complaint as a channel submits it: validation and normalisation, no I/O.

Every problem is reported at once under its dotted path (``location.lat``), so an
integrator fixes a record in one round. Messages never repeat the submitted value: a
whistleblower's NIK must not come back in an error body or a log line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

from geo.privacy import normalize_nik
from geo.privacy import normalize_phone

ADDRESS_FIELDS: tuple[str, ...] = ("province", "regency", "district", "village", "address")
REPORTER_FIELDS: tuple[str, ...] = ("name", "phone", "nik")
#: Free-text fields a channel may mark as identifying (stored encrypted, never shown).
MARKABLE: tuple[str, ...] = ("description", "location.village", "location.address")

MAX_LEN: dict[str, int] = {
    "external_id": 128,
    "description": 8000,
    "location.province": 100,
    "location.regency": 100,
    "location.district": 100,
    "location.village": 100,
    "location.address": 500,
    "reporter.name": 200,
    "reporter.phone": 32,
    "reporter.nik": 32,
}
#: Dates before this are typing errors, not complaints.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class SubmissionError(ValueError):
    """A submission that cannot be accepted: ``fields`` maps dotted paths to problems."""

    def __init__(self, fields: dict[str, str], status: int = 400) -> None:
        """Keep every bad field; ``status`` is 403 for a submission to another channel."""
        super().__init__("invalid complaint")
        self.fields = fields
        self.status = status


@dataclass(frozen=True)
class Submission:
    """A valid complaint, normalised; text fields exactly as given."""

    external_id: str
    received_at: datetime
    category: str
    description: str
    lat: float | None
    lon: float | None
    address: dict[str, str]
    reporter: dict[str, str]
    identifying: tuple[str, ...] = ()

    @property
    def has_point(self) -> bool:
        """True when the channel sent coordinates."""
        return self.lat is not None and self.lon is not None

    @property
    def nik(self) -> str | None:
        """The reporter's NIK (validated: 16 digits)."""
        value = self.reporter.get("nik")
        return normalize_nik(value) if value else None

    @property
    def phone(self) -> str | None:
        """The reporter's phone in international digits, when it reads as a number."""
        value = self.reporter.get("phone")
        return normalize_phone(value) if value else None

    def canonical(self) -> dict[str, Any]:
        """The content that makes two deliveries "the same" (for idempotency)."""
        return {
            "received_at": self.received_at.isoformat(),
            "category": self.category,
            "description": self.description,
            "lat": self.lat,
            "lon": self.lon,
            "address": self.address,
            "reporter": self.reporter,
            "identifying": sorted(self.identifying),
        }


def _text(value: Any, path: str, fields: dict[str, str], required: bool) -> str | None:
    if value is None:
        if required:
            fields[path] = "required"
        return None
    if not isinstance(value, str):
        fields[path] = "must be a string"
        return None
    if required and not value.strip():
        fields[path] = "must not be empty"
        return None
    if len(value) > MAX_LEN[path]:
        fields[path] = f"longer than {MAX_LEN[path]} characters"
        return None
    return value


def parse_time(value: Any, now: datetime, skew: timedelta, fields: dict[str, str]) -> datetime:
    """``received_at``: ISO 8601 with a zone offset, not in the future beyond ``skew``."""
    path = "received_at"
    if value is None:
        fields[path] = "required"
    elif not isinstance(value, str):
        fields[path] = "must be a string (ISO 8601)"
    else:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            fields[path] = "not an ISO 8601 date and time"
            return now
        if parsed.tzinfo is None:
            fields[path] = "needs a zone offset, e.g. 2026-11-28T09:30:00+07:00"
        elif parsed > now + skew:
            fields[path] = "in the future"
        elif parsed < EARLIEST:
            fields[path] = "before 2000"
        else:
            return parsed.astimezone(UTC)
    return now


def _coordinate(value: Any, path: str, low: float, high: float, fields: dict[str, str]):
    if value is None:
        fields[path] = "required with the other coordinate"
    elif isinstance(value, bool) or not isinstance(value, int | float):
        fields[path] = "must be a number"
    elif not math.isfinite(value):
        fields[path] = "must be a finite number"
    elif not low <= value <= high:
        fields[path] = f"out of range ({low:g} to {high:g})"
    else:
        return float(value)
    return None


def _location(value: Any, fields: dict[str, str]) -> tuple[float | None, float | None, dict]:
    if value is None:
        fields["location"] = "required: a point {lat, lon} or an address"
        return None, None, {}
    if not isinstance(value, dict):
        fields["location"] = "must be an object"
        return None, None, {}
    lat = lon = None
    if value.get("lat") is not None or value.get("lon") is not None:
        lat = _coordinate(value.get("lat"), "location.lat", -90.0, 90.0, fields)
        lon = _coordinate(value.get("lon"), "location.lon", -180.0, 180.0, fields)
    address = {}
    for name in ADDRESS_FIELDS:
        text = _text(value.get(name), f"location.{name}", fields, required=False)
        if text is not None and text.strip():
            address[name] = text
    if (
        lat is None
        and lon is None
        and not address
        and not any(k.startswith("location.") for k in fields)
    ):
        fields["location"] = "a point {lat, lon} or an address"
    return lat, lon, address


def _reporter(value: Any, fields: dict[str, str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        fields["reporter"] = "must be an object"
        return {}
    out = {}
    for name in REPORTER_FIELDS:
        text = _text(value.get(name), f"reporter.{name}", fields, required=False)
        if text is not None and text.strip():
            out[name] = text
    if "nik" in out and normalize_nik(out["nik"]) is None:
        fields["reporter.nik"] = "must be 16 digits"
    if "phone" in out and normalize_phone(out["phone"]) is None:
        fields["reporter.phone"] = "not a phone number"
    return out


def _identifying(value: Any, fields: dict[str, str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fields["identifying"] = "must be a list of field names"
        return ()
    unknown = [v for v in value if v not in MARKABLE]
    if unknown:
        fields["identifying"] = f"only {', '.join(MARKABLE)} may be marked"
        return ()
    return tuple(dict.fromkeys(value))


def _category(value: Any, categories: Sequence[str], fields: dict[str, str]) -> str:
    if value is None:
        fields["category"] = "required"
        return ""
    if not isinstance(value, str):
        fields["category"] = "must be a string"
        return ""
    by_fold = {c.casefold(): c for c in categories}
    found = by_fold.get(value.strip().casefold())
    if found is None:
        fields["category"] = f"unknown; one of {', '.join(categories)}"
        return ""
    return found


def parse_submission(
    data: Any,
    *,
    channel: str,
    categories: Sequence[str],
    now: datetime,
    skew: timedelta = timedelta(minutes=5),
) -> Submission:
    """Validate one submitted complaint for ``channel``; raise :class:`SubmissionError`.

    A ``channel`` member naming another channel than the key's is refused with 403 before
    anything else is looked at: a key submits to its own channel only.
    """
    if not isinstance(data, dict):
        raise SubmissionError({"body": "must be a JSON object"})
    if "channel" in data and data["channel"] != channel:
        raise SubmissionError({"channel": "not yours: this key submits to " + channel}, 403)
    fields: dict[str, str] = {}
    external_id = _text(data.get("external_id"), "external_id", fields, required=True)
    received_at = parse_time(data.get("received_at"), now, skew, fields)
    category = _category(data.get("category"), categories, fields)
    description = _text(data.get("description"), "description", fields, required=True)
    lat, lon, address = _location(data.get("location"), fields)
    reporter = _reporter(data.get("reporter"), fields)
    identifying = _identifying(data.get("identifying"), fields)
    if fields:
        raise SubmissionError(fields)
    return Submission(
        external_id=external_id or "",
        received_at=received_at,
        category=category,
        description=description or "",
        lat=lat,
        lon=lon,
        address=address,
        reporter=reporter,
        identifying=identifying,
    )
