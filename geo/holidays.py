"""Indonesia's non-working days: the decrees we checked, and estimates beyond them.

National holidays and collective leave (*cuti bersama*) are fixed each year by a joint
ministerial decree (SKB 3 Menteri). Kendali carries the decrees it has checked
(:data:`geo.workflow.NATIONAL_HOLIDAYS`, 2025-2026). For any other year it falls back to the
``holidays`` package's Indonesian calendar (public holidays and the government's collective
leave), whose lunar-calendar dates are estimates until a decree fixes them: complaint
deadlines then still skip New Year's Day, Idul Fitri and the rest instead of silently
ignoring every holiday, and :func:`coverage` says which years rest on estimates so the
operator is warned (``/healthz``, the log) to add the decree (``KENDALI_HOLIDAYS_FILE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Literal

from geo.workflow import NATIONAL_HOLIDAYS

#: Years whose decree is carried in :data:`geo.workflow.NATIONAL_HOLIDAYS`.
DECREE_YEARS: frozenset[int] = frozenset(d.year for d in NATIONAL_HOLIDAYS)

Coverage = Literal["decree", "estimate"]


def estimated(years: Iterable[int]) -> frozenset[date]:
    """The ``holidays`` package's public holidays and collective leave for ``years``."""
    import holidays  # data only; loaded when a year outside the decrees is needed

    calendar = holidays.country_holidays("ID", years=sorted(set(years)),
                                         categories=("public", "government"))
    return frozenset(calendar)


def national_holidays(years: Iterable[int]) -> frozenset[date]:
    """Non-working days of ``years``: the decree where we have it, else the estimate."""
    years = set(years)
    decreed = frozenset(d for d in NATIONAL_HOLIDAYS if d.year in years)
    rest = years - DECREE_YEARS
    return decreed | (estimated(rest) if rest else frozenset())


def coverage(year: int) -> Coverage:
    """Whether ``year``'s holidays come from a checked decree or from estimates."""
    return "decree" if year in DECREE_YEARS else "estimate"


def warnings(today: date) -> list[str]:
    """One line per year (this one and the next) whose holidays are only estimated."""
    return [
        f"holidays of {year} are estimates (the holidays package): add the SKB 3 Menteri "
        f"decree of {year} through KENDALI_HOLIDAYS_FILE once it is published"
        for year in (today.year, today.year + 1)
        if coverage(year) == "estimate"
    ]
