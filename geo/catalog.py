"""BMKG's historical catalog: one CSV row to a checked record (pure).

The server's import (:mod:`server.services.catalog`) reads the file and writes the records;
what makes a row valid lives here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from geo.bmkg import MAX_DEPTH_KM
from geo.crs import valid_lat_lon

REQUIRED_COLUMNS = ("origin_time_utc", "latitude", "longitude", "depth_km", "magnitude")
FOCAL_COLUMNS = ("strike1", "dip1", "rake1", "strike2", "dip2", "rake2")
# Nodal-plane angles in degrees (Aki & Richards convention, as BMKG publishes them).
_FOCAL_RANGES = {"strike": (0.0, 360.0), "dip": (0.0, 90.0), "rake": (-180.0, 180.0)}
# Hypocentres a few km above sea level occur under mountains and volcanoes.
MIN_DEPTH_KM = -10.0
# Local magnitudes of microquakes can be negative; nothing has exceeded 9.5.
MAGNITUDE_RANGE = (-2.0, 10.0)



class RowError(ValueError):
    """One catalog row is malformed; the message is the reason."""


@dataclass(frozen=True)
class CatalogRecord:
    """One valid catalog row, ready to be written."""

    origin_time: datetime
    lat: float
    lon: float
    depth_km: float
    magnitude: float
    region: str | None
    focal: dict[str, float] | None


def _number(row: dict, column: str) -> float:
    raw = row.get(column)
    if raw is None or not raw.strip():
        raise RowError(f"{column} is empty")
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{column} {raw!r} is not a number") from None
    if not math.isfinite(value):
        raise RowError(f"{column} {raw!r} is not a finite number")
    return value


def _origin_time(raw: str | None) -> datetime:
    text = (raw or "").strip()
    if not text:
        raise RowError("origin_time_utc is empty")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(f"origin_time_utc {text!r} is not an ISO 8601 time") from None
    # The column is UTC by name, so a time without a zone is taken as UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _focal(row: dict) -> dict[str, float] | None:
    present = [c for c in FOCAL_COLUMNS if (row.get(c) or "").strip()]
    if not present:
        return None
    if len(present) != len(FOCAL_COLUMNS):
        missing = [c for c in FOCAL_COLUMNS if c not in present]
        raise RowError(f"incomplete focal mechanism: {', '.join(missing)} empty")
    focal = {}
    for column in FOCAL_COLUMNS:
        value = _number(row, column)
        low, high = _FOCAL_RANGES[column.rstrip("12")]
        if not low <= value <= high:
            raise RowError(f"{column} {value:g} is outside {low:g}..{high:g}")
        focal[column] = value
    return focal


def parse_row(row: dict) -> CatalogRecord:
    """Validate one CSV row (a ``csv.DictReader`` dict) into a :class:`CatalogRecord`.

    Raises:
        RowError: the row is malformed; the message says which field and why.
    """
    if None in row:  # DictReader puts surplus fields under the key None
        raise RowError(f"{len(row) - 1 + len(row[None])} fields, expected {len(row) - 1}")
    origin_time = _origin_time(row.get("origin_time_utc"))
    lat, lon = _number(row, "latitude"), _number(row, "longitude")
    if not valid_lat_lon(lat, lon):
        raise RowError(f"latitude/longitude {lat:g}, {lon:g} out of range")
    depth = _number(row, "depth_km")
    if not MIN_DEPTH_KM <= depth <= MAX_DEPTH_KM:
        raise RowError(f"depth_km {depth:g} is outside {MIN_DEPTH_KM:g}..{MAX_DEPTH_KM:g}")
    magnitude = _number(row, "magnitude")
    if not MAGNITUDE_RANGE[0] <= magnitude <= MAGNITUDE_RANGE[1]:
        raise RowError(f"magnitude {magnitude:g} is outside {MAGNITUDE_RANGE[0]:g}..10")
    region = (row.get("region") or "").strip() or None
    return CatalogRecord(origin_time, lat, lon, depth, magnitude, region, _focal(row))
