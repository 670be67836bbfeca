"""Service levels from configuration: working days allowed and the holiday calendar."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from geo import holidays as calendar
from geo.workflow import ServiceLevels
from geo.workflow import parse_holidays
from server.platform import clock


class HolidayConfigError(RuntimeError):
    """The configured holiday list or file cannot be read (says which and why)."""


def _file_holidays(path: str) -> frozenset:
    try:
        return parse_holidays(Path(path).read_text())
    except OSError as exc:
        raise HolidayConfigError(f"KENDALI_HOLIDAYS_FILE {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise HolidayConfigError(f"KENDALI_HOLIDAYS_FILE {path}: {exc}") from None


def service_levels() -> ServiceLevels:
    """The app's service levels; the holiday file is re-read when it changes."""
    config = current_app.config
    raw = config.get("HOLIDAYS") or ""
    if not isinstance(raw, str):  # a list of dates or ISO strings (tests, programmatic config)
        raw = ",".join(str(d) for d in raw)
    path = config.get("HOLIDAYS_FILE")
    stamp = Path(path).stat().st_mtime if path and Path(path).exists() else None
    key = (
        config["COMPLAINT_VERIFY_DAYS"],
        config["COMPLAINT_FOLLOW_UP_DAYS"],
        raw,
        path,
        stamp,
        config.get("HOLIDAYS_BUILTIN", True),
    )
    cached = current_app.extensions.get("kendali_service_levels")
    if cached and cached[0] == key:
        return cached[1]
    try:
        holidays = set(parse_holidays(key[2]))
    except ValueError as exc:
        raise HolidayConfigError(f"KENDALI_HOLIDAYS: {exc}") from None
    if path:
        holidays |= _file_holidays(path)
    if key[5]:
        # The decrees we carry, estimates for other years: deadlines of complaints received
        # from 2020 to two years ahead never silently ignore the national holidays.
        holidays |= calendar.national_holidays(range(2020, clock.now().year + 3))
    levels = ServiceLevels(key[0], key[1], frozenset(holidays))
    current_app.extensions["kendali_service_levels"] = (key, levels)
    return levels
