"""Complaint states, allowed transitions and working-day service levels.

The workflow follows SP4N-LAPOR!: a complaint is verified (``diverifikasi``), forwarded to a
unit or region (``diteruskan``), followed up (``ditindaklanjuti``) and closed (``selesai``);
at any point before follow-up it may be rejected (``ditolak``) or declared outside the
ministry's authority (``bukan_wewenang``), and those two need a reason.

Service levels count working days in Jakarta time (WIB, UTC+7, no daylight saving): the
ministry's office days, Monday to Friday, minus national holidays and collective leave.
A deadline of N working days ends at midnight after the N-th working day following the day
of the starting event (a complaint received on Monday at 10:00 with 3 days is due at
Friday 00:00 WIB): the day of receipt never counts, as in the usual "3 hari kerja" reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import timezone

STATUSES: tuple[str, ...] = (
    "baru",
    "diverifikasi",
    "diteruskan",
    "ditindaklanjuti",
    "selesai",
    "ditolak",
    "bukan_wewenang",
)

#: Allowed transitions. Closed states (selesai, ditolak, bukan_wewenang) lead nowhere: a
#: complaint that needs more work is a new complaint (it will be flagged as a duplicate).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "baru": ("diverifikasi", "ditolak", "bukan_wewenang"),
    "diverifikasi": ("diteruskan", "ditindaklanjuti", "ditolak", "bukan_wewenang"),
    # The receiving unit may still find the matter is not the ministry's.
    "diteruskan": ("ditindaklanjuti", "bukan_wewenang"),
    "ditindaklanjuti": ("selesai",),
    "selesai": (),
    "ditolak": (),
    "bukan_wewenang": (),
}

REASON_REQUIRED: frozenset[str] = frozenset({"ditolak", "bukan_wewenang"})
CLOSED: frozenset[str] = frozenset({"selesai", "ditolak", "bukan_wewenang"})

#: The timestamp each state sets when entered.
STAMPS: dict[str, str] = {
    "diverifikasi": "verified_at",
    "diteruskan": "forwarded_at",
    "ditindaklanjuti": "followed_up_at",
    "selesai": "closed_at",
    "ditolak": "closed_at",
    "bukan_wewenang": "closed_at",
}

WIB = timezone(timedelta(hours=7), "WIB")

VERIFICATION = "verification"
FOLLOW_UP = "follow_up"

#: National holidays and collective leave (cuti bersama) from the joint ministerial decrees
#: (SKB 3 Menteri) for 2025 and 2026; 2026 checked against SKB No. 1497/2025, 2/2025 and
#: 5/2025 (17 holidays, 8 days of cuti bersama; Idul Fitri 1447 H on 21-22 March). Operators
#: extend or replace the list through configuration when a new decree is published or a
#: date moves.
NATIONAL_HOLIDAYS: frozenset[date] = frozenset(
    date.fromisoformat(d)
    for d in (
        # 2025
        "2025-01-01",
        "2025-01-27",
        "2025-01-28",
        "2025-01-29",
        "2025-03-28",
        "2025-03-29",
        "2025-03-31",
        "2025-04-01",
        "2025-04-02",
        "2025-04-03",
        "2025-04-04",
        "2025-04-07",
        "2025-04-18",
        "2025-04-20",
        "2025-05-01",
        "2025-05-12",
        "2025-05-13",
        "2025-05-29",
        "2025-05-30",
        "2025-06-01",
        "2025-06-06",
        "2025-06-09",
        "2025-06-27",
        "2025-08-17",
        "2025-08-18",
        "2025-09-05",
        "2025-12-25",
        "2025-12-26",
        # 2026
        "2026-01-01",
        "2026-01-16",
        "2026-02-16",
        "2026-02-17",
        "2026-03-18",
        "2026-03-19",
        "2026-03-20",
        "2026-03-21",
        "2026-03-22",
        "2026-03-23",
        "2026-03-24",
        "2026-04-03",
        "2026-04-05",
        "2026-05-01",
        "2026-05-14",
        "2026-05-15",
        "2026-05-27",
        "2026-05-28",
        "2026-05-31",
        "2026-06-01",
        "2026-06-16",
        "2026-08-17",
        "2026-08-25",
        "2026-12-24",
        "2026-12-25",
    )  # fmt: skip
)


class TransitionNotAllowed(ValueError):
    """The target state cannot follow the current one (an HTTP 409 at the API)."""

    def __init__(self, current: str, target: str) -> None:
        """Remember both states and what would have been allowed."""
        allowed = ", ".join(TRANSITIONS.get(current, ())) or "none (closed)"
        super().__init__(f"{current} -> {target} is not allowed (from {current}: {allowed})")
        self.current = current
        self.target = target
        self.allowed = TRANSITIONS.get(current, ())


class MissingField(ValueError):
    """A transition needs a field the request did not carry (an HTTP 400)."""

    def __init__(self, field: str, message: str) -> None:
        """Name the field and say what it needs."""
        super().__init__(message)
        self.field = field
        self.message = message


def check_transition(
    current: str, target: str, reason: str | None, assigned_to: int | str | None
) -> None:
    """Raise when ``current -> target`` is not allowed or lacks what it needs.

    Args:
        current: the complaint's state.
        target: the requested state (one of :data:`STATUSES`).
        reason: the reason given with the request, if any.
        assigned_to: the work unit (its id) the complaint is (or will be) forwarded to.
    """
    if target not in TRANSITIONS.get(current, ()):
        raise TransitionNotAllowed(current, target)
    if target in REASON_REQUIRED and not (reason or "").strip():
        raise MissingField("reason", f"required to move a complaint to {target}")
    if target == "diteruskan" and not str(assigned_to or "").strip():
        raise MissingField("assigned_to",
                           "required to forward a complaint: the unit's id (GET /api/v1/units)")


# -- working days ---------------------------------------------------------------------------
def parse_holidays(text: str) -> frozenset[date]:
    """Dates from text: ISO dates separated by commas, blanks or newlines; ``#`` comments.

    Raises ValueError naming the first token that is not an ISO date.
    """
    out: set[date] = set()
    for line in text.splitlines():
        for token in line.split("#", 1)[0].replace(",", " ").split():
            try:
                out.add(date.fromisoformat(token))
            except ValueError:
                raise ValueError(f"not an ISO date: {token!r}") from None
    return frozenset(out)


def is_working_day(day: date, holidays: Set[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, days: int, holidays: Set[date]) -> datetime:
    """The end (midnight WIB, as UTC) of the ``days``-th working day after ``start``'s day.

    Args:
        start: timezone-aware moment the clock starts (receipt, verification).
        days: working days allowed (at least 1).
        holidays: dates that are not working days besides weekends.
    """
    day = start.astimezone(WIB).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), WIB).astimezone(UTC)


def working_days_between(first: date, last: date, holidays: Set[date]) -> int:
    """Working days in the closed range ``first`` .. ``last`` (0 when last < first)."""
    n, day = 0, first
    while day <= last:
        n += is_working_day(day, holidays)
        day += timedelta(days=1)
    return n


# -- service levels -------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceLevels:
    """Working days allowed for verification and for follow-up, and the holidays."""

    verify_days: int = 3
    follow_up_days: int = 5
    holidays: frozenset[date] = frozenset()

    def verify_due(self, received_at: datetime) -> datetime:
        """Verification deadline: counted from receipt."""
        return add_working_days(received_at, self.verify_days, self.holidays)

    def follow_up_due(self, verified_at: datetime) -> datetime:
        """Follow-up deadline: counted from verification, when the ministry takes it on."""
        return add_working_days(verified_at, self.follow_up_days, self.holidays)


def pending_deadline(
    status: str, verify_due: datetime | None, follow_up_due: datetime | None
) -> tuple[str, datetime] | None:
    """The deadline the complaint is working towards in ``status``, if any."""
    if status == "baru" and verify_due is not None:
        return VERIFICATION, verify_due
    if status in ("diverifikasi", "diteruskan") and follow_up_due is not None:
        return FOLLOW_UP, follow_up_due
    return None


def is_overdue(
    status: str, verify_due: datetime | None, follow_up_due: datetime | None, now: datetime
) -> bool:
    """True when the pending deadline of ``status`` has passed."""
    pending = pending_deadline(status, verify_due, follow_up_due)
    return pending is not None and pending[1] <= now


@dataclass(frozen=True)
class Transition:
    """What a status change sets on the complaint."""

    status: str
    stamp: str
    follow_up_due: datetime | None
    overdue: bool


def plan_transition(
    current: str,
    target: str,
    *,
    reason: str | None,
    assigned_to: int | str | None,
    now: datetime,
    levels: ServiceLevels,
    verify_due: datetime | None,
    follow_up_due: datetime | None,
) -> Transition:
    """Check ``current -> target`` and compute the stamps, deadline and overdue flag."""
    check_transition(current, target, reason, assigned_to)
    if target == "diverifikasi":
        follow_up_due = levels.follow_up_due(now)
    overdue = is_overdue(target, verify_due, follow_up_due, now)
    return Transition(target, STAMPS[target], follow_up_due, overdue)


def allowed_next(status: str) -> Iterable[str]:
    """The states that may follow ``status``."""
    return TRANSITIONS.get(status, ())
