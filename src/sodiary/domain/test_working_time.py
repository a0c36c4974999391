"""The working time several users share (WorkingTime.common, domain/calendar_days.py)."""

from __future__ import annotations

from datetime import date, datetime

from sodiary.domain.calendar_days import WorkingTime

MONDAY, SATURDAY = date(2031, 3, 3), date(2031, 3, 8)


def test_shared_working_time_runs_from_the_latest_start_to_the_earliest_end_on_common_days() -> None:
    shared = WorkingTime.common([WorkingTime.parse("08:00-16:00", "mon,tue,wed,thu,fri"),
                                 WorkingTime.parse("10:00-18:00", "mon,sat")])
    assert shared.window(MONDAY, red=False) == (datetime(2031, 3, 3, 10), datetime(2031, 3, 3, 16))
    assert shared.window(SATURDAY, red=False) is None


def test_working_days_that_do_not_meet_in_time_share_no_working_time() -> None:
    shared = WorkingTime.common([WorkingTime.parse("06:00-09:00", "mon"), WorkingTime.parse("12:00-18:00", "mon")])
    assert shared.window(MONDAY, red=False) is None


def test_one_users_working_time_is_their_own() -> None:
    own = WorkingTime.parse("07:30-15:30", "mon")
    assert WorkingTime.common([own]) == own
