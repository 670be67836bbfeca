"""Complaint workflow: allowed transitions, required reasons, working-day deadlines."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from geo.workflow import NATIONAL_HOLIDAYS
from geo.workflow import STATUSES
from geo.workflow import TRANSITIONS
from geo.workflow import MissingField
from geo.workflow import ServiceLevels
from geo.workflow import TransitionNotAllowed
from geo.workflow import add_working_days
from geo.workflow import check_transition
from geo.workflow import is_overdue
from geo.workflow import parse_holidays
from geo.workflow import pending_deadline
from geo.workflow import plan_transition
from geo.workflow import working_days_between


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("baru", "diverifikasi"),
        ("baru", "ditolak"),
        ("baru", "bukan_wewenang"),
        ("diverifikasi", "diteruskan"),
        ("diverifikasi", "ditindaklanjuti"),
        ("diverifikasi", "ditolak"),
        ("diteruskan", "ditindaklanjuti"),
        ("diteruskan", "bukan_wewenang"),
        ("ditindaklanjuti", "selesai"),
    ],
)
def test_allowed_transitions(current, target):
    check_transition(current, target, reason="alasan", assigned_to="Dinsos")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("baru", "selesai"),
        ("baru", "diteruskan"),
        ("baru", "ditindaklanjuti"),
        ("baru", "baru"),
        ("diteruskan", "diverifikasi"),
        ("ditindaklanjuti", "ditolak"),
        ("selesai", "baru"),
        ("ditolak", "diverifikasi"),
        ("bukan_wewenang", "selesai"),
    ],
)
def test_other_transitions_are_refused(current, target):
    with pytest.raises(TransitionNotAllowed) as err:
        check_transition(current, target, reason="x", assigned_to="x")
    assert err.value.current == current and err.value.target == target


def test_every_state_is_in_the_table_and_closed_states_lead_nowhere():
    assert set(TRANSITIONS) == set(STATUSES)
    assert all(t in STATUSES for targets in TRANSITIONS.values() for t in targets)
    assert TRANSITIONS["selesai"] == TRANSITIONS["ditolak"] == TRANSITIONS["bukan_wewenang"] == ()


@pytest.mark.parametrize("target", ["ditolak", "bukan_wewenang"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejections_need_a_reason(target, reason):
    with pytest.raises(MissingField) as err:
        check_transition("baru", target, reason=reason, assigned_to=None)
    assert err.value.field == "reason"


def test_forwarding_needs_a_unit():
    with pytest.raises(MissingField) as err:
        check_transition("diverifikasi", "diteruskan", reason=None, assigned_to=" ")
    assert err.value.field == "assigned_to"


@pytest.mark.parametrize(
    ("start", "days", "holidays", "due"),
    [
        # Monday 10:00 WIB, 3 days: Tue, Wed, Thu -> Friday 00:00 WIB
        (utc(2026, 3, 2, 3, 0), 3, set(), utc(2026, 3, 5, 17, 0)),
        # Monday 23:30 WIB is already Monday in Jakarta though Monday 16:30 UTC
        (utc(2026, 3, 2, 16, 30), 3, set(), utc(2026, 3, 5, 17, 0)),
        # Monday 00:30 WIB is Sunday 17:30 UTC: the day is Monday in Jakarta
        (utc(2026, 3, 1, 17, 30), 3, set(), utc(2026, 3, 5, 17, 0)),
        # Friday: Mon, Tue, Wed
        (utc(2026, 3, 6, 3, 0), 3, set(), utc(2026, 3, 11, 17, 0)),
        # Saturday and Sunday count as Friday's weekend
        (utc(2026, 3, 7, 3, 0), 3, set(), utc(2026, 3, 11, 17, 0)),
        # a holiday on Wednesday pushes to Friday
        (utc(2026, 3, 2, 3, 0), 3, {date(2026, 3, 4)}, utc(2026, 3, 6, 17, 0)),
        # 5 working days from Friday 13 March across a weekend
        (utc(2026, 3, 13, 3, 0), 5, set(), utc(2026, 3, 20, 17, 0)),
        # Idul Fitri 2026 and collective leave (built-in list): 18-24 March
        (utc(2026, 3, 17, 3, 0), 3, NATIONAL_HOLIDAYS, utc(2026, 3, 27, 17, 0)),
    ],
)
def test_working_day_deadlines(start, days, holidays, due):
    assert add_working_days(start, days, holidays) == due


def test_working_days_between():
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 8), set()) == 5
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 8), {date(2026, 3, 4)}) == 4
    assert working_days_between(date(2026, 3, 8), date(2026, 3, 2), set()) == 0


def test_parse_holidays():
    text = "2026-01-01, 2026-03-19\n# comment\n2026-08-17 # merdeka\n\n"
    assert parse_holidays(text) == {date(2026, 1, 1), date(2026, 3, 19), date(2026, 8, 17)}
    assert parse_holidays("") == frozenset()
    with pytest.raises(ValueError, match="17-08-2026"):
        parse_holidays("2026-01-01,17-08-2026")


def test_pending_deadlines_and_overdue():
    v, f = utc(2026, 3, 5, 17), utc(2026, 3, 12, 17)
    assert pending_deadline("baru", v, None) == ("verification", v)
    assert pending_deadline("diverifikasi", v, f) == ("follow_up", f)
    assert pending_deadline("diteruskan", v, f) == ("follow_up", f)
    assert pending_deadline("ditindaklanjuti", v, f) is None
    assert pending_deadline("selesai", v, f) is None
    assert not is_overdue("baru", v, None, utc(2026, 3, 5, 16, 59))
    assert is_overdue("baru", v, None, utc(2026, 3, 5, 17))
    assert not is_overdue("ditolak", v, None, utc(2027, 1, 1))


def test_plan_transition_starts_the_follow_up_clock_at_verification():
    levels = ServiceLevels(3, 5, frozenset())
    received = utc(2026, 3, 2, 3)
    verify_due = levels.verify_due(received)
    late = utc(2026, 3, 9, 3)  # the following Monday: verification was late
    plan = plan_transition(
        "baru",
        "diverifikasi",
        reason=None,
        assigned_to=None,
        now=late,
        levels=levels,
        verify_due=verify_due,
        follow_up_due=None,
    )
    assert plan.stamp == "verified_at" and plan.follow_up_due == utc(2026, 3, 16, 17)
    assert plan.overdue is False
    closing = plan_transition(
        "diverifikasi",
        "ditolak",
        reason="ganda",
        assigned_to=None,
        now=utc(2026, 3, 20),
        levels=levels,
        verify_due=verify_due,
        follow_up_due=plan.follow_up_due,
    )
    assert closing.stamp == "closed_at" and closing.overdue is False
    forwarded = plan_transition(
        "diverifikasi",
        "diteruskan",
        reason=None,
        assigned_to="Dinsos",
        now=utc(2026, 3, 20),
        levels=levels,
        verify_due=verify_due,
        follow_up_due=plan.follow_up_due,
    )
    assert forwarded.overdue is True  # still working towards a deadline that has passed


def test_builtin_holidays_are_plausible():
    assert date(2026, 8, 17) in NATIONAL_HOLIDAYS and date(2025, 12, 25) in NATIONAL_HOLIDAYS
    assert all(d.year in (2025, 2026) for d in NATIONAL_HOLIDAYS)


def test_a_deadline_across_new_year_2027_skips_new_years_day():
    """2027 has no decree in Kendali yet: the holidays package's estimates fill in, so the
    first working days of January are counted without 1 January."""
    from geo import holidays as calendar

    days = calendar.national_holidays([2026, 2027])
    assert date(2027, 1, 1) in days and date(2026, 12, 25) in days
    levels = ServiceLevels(3, 5, days)
    # Thursday 31 December 2026, 10:00 WIB: Friday 1 January is New Year's Day, Tuesday
    # 5 January Isra' Mi'raj (estimated): the three working days are 4, 6 and 7 January.
    due = levels.verify_due(utc(2026, 12, 31, 3, 0))
    assert due == utc(2027, 1, 7, 17, 0)
    without = ServiceLevels(3, 5, frozenset(d for d in days if d != date(2027, 1, 1)))
    assert without.verify_due(utc(2026, 12, 31, 3, 0)) < due


def test_years_without_a_decree_are_flagged_as_estimates():
    from geo import holidays as calendar

    assert calendar.coverage(2026) == "decree" and calendar.coverage(2027) == "estimate"
    assert calendar.warnings(date(2026, 12, 3)) == [
        "holidays of 2027 are estimates (the holidays package): add the SKB 3 Menteri decree "
        "of 2027 through KENDALI_HOLIDAYS_FILE once it is published"]
    assert len(calendar.warnings(date(2027, 6, 1))) == 2
