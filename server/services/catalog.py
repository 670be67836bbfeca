"""Importing BMKG's historical earthquake catalog (``shared/data/catalog``, SOURCES.md §2).

One import is one transaction. A file that cannot be read or lacks a required column raises
:class:`CatalogImportError` (one line) before anything is written; a malformed row is skipped
and reported with its line number, and the other rows still load. Rows already in the table
(same origin time, position and magnitude) are left alone, so importing twice adds nothing.
"""

from __future__ import annotations

import csv
import math
import os
import time
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from geo.bmkg import MAX_DEPTH_KM
from geo.crs import valid_lat_lon
from server.queries import catalog as q

REQUIRED_COLUMNS = ("origin_time_utc", "latitude", "longitude", "depth_km", "magnitude")
FOCAL_COLUMNS = ("strike1", "dip1", "rake1", "strike2", "dip2", "rake2")
# Nodal-plane angles in degrees (Aki & Richards convention, as BMKG publishes them).
_FOCAL_RANGES = {"strike": (0.0, 360.0), "dip": (0.0, 90.0), "rake": (-180.0, 180.0)}
# Hypocentres a few km above sea level occur under mountains and volcanoes.
MIN_DEPTH_KM = -10.0
# Local magnitudes of microquakes can be negative; nothing has exceeded 9.5.
MAGNITUDE_RANGE = (-2.0, 10.0)


class CatalogImportError(RuntimeError):
    """The catalog file cannot be imported at all; the message is one line."""


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


@dataclass
class ImportReport:
    """What an import did; ``skipped`` holds ``(line number, reason)`` pairs."""

    path: Path
    read: int = 0
    inserted: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def valid(self) -> int:
        return self.read - len(self.skipped)

    @property
    def already_present(self) -> int:
        return self.valid - self.inserted

    def summary(self) -> str:
        return (
            f"imported {self.inserted} new events ({self.already_present} already present, "
            f"{len(self.skipped)} skipped) in {self.seconds:.1f} s"
        )


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


def _read_rows(path: Path) -> tuple[list[tuple[int, dict]], list[str]]:
    """Return ``(line number, row)`` pairs and the header; raise when the file is unusable."""
    if not path.exists():
        raise CatalogImportError(f"{path}: no such file")
    if not path.is_file():
        raise CatalogImportError(f"{path}: not a file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [name.strip() for name in reader.fieldnames or []]
            reader.fieldnames = header
            missing = [c for c in REQUIRED_COLUMNS if c not in header]
            if missing:
                raise CatalogImportError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"columns are: {', '.join(header) or '(none: empty file)'}"
                )
            # line_num after a row is the file line it ended on (quoted fields may span lines).
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as exc:
        raise CatalogImportError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise CatalogImportError(f"{path}: not a readable CSV file: {exc}") from None
    except OSError as exc:
        raise CatalogImportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return rows, header


def import_catalog(
    session: Session,
    path: str | os.PathLike,
    *,
    progress: Callable[[Iterable], Iterable] = lambda items: items,
) -> ImportReport:
    """Import a catalog CSV into ``catalog_events`` in one transaction; see the module doc."""
    started = time.perf_counter()
    report = ImportReport(Path(path))
    rows, _ = _read_rows(report.path)
    records = []
    for lineno, row in progress(rows):
        report.read += 1
        try:
            records.append(parse_row(row))
        except RowError as exc:
            report.skipped.append((lineno, str(exc)))
    try:
        report.inserted = q.insert_events(session, records) if records else 0
        session.commit()
    except Exception:
        session.rollback()
        raise
    report.seconds = time.perf_counter() - started
    return report


def catalog_stats(session: Session) -> q.CatalogStats:
    """Count the catalog events, their time range, and events at or above M5, M6 and M7."""
    return q.stats(session, thresholds=(5.0, 6.0, 7.0))


def clear(session: Session) -> None:
    """Empty the catalog table (benchmarks only)."""
    q.clear(session)
    session.commit()
