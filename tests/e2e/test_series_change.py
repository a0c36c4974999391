"""The pure part of changing a series' pattern: which Recurrence sent on Save counts as a change."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import msgspec

from sodiary.wire.carriers import entity as c
from sodiary.wire.series_change import changed
from sodiary.wire.timefmt import TimeContext

OSLO = TimeContext(ZoneInfo("Europe/Oslo"), ZoneInfo("Europe/Oslo"))
STORED = {"IsRecurrence": True, "Pattern": "Weekly", "RecurrenceEndType": "EndDate",
          "EndDate": "2041-03-04T00:00:00", "RecurrenceCounter": 5,
          "WeekPattern": {"Cycle": 1, "Weekdays": "Monday, Wednesday"},
          "DayPattern": {"Pattern": "EveryCyclicDay", "Cycle": 1},
          "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 7, "Weekday": "Monday",
                           "WeekOfMonth": "First"}}


def info(**changes: object) -> c.RecurrenceInfo:
    return msgspec.convert({**STORED, **changes}, c.RecurrenceInfo)


def test_the_series_sent_back_as_read_is_no_change() -> None:
    assert not changed(info(), info(), OSLO)


def test_flags_in_another_spelling_are_the_same_days() -> None:
    assert not changed(info(WeekPattern={"Cycle": 1, "Weekdays": "wednesday,monday"}), info(), OSLO)
    assert not changed(info(WeekPattern={"Cycle": 1, "Weekdays": "5"}), info(), OSLO)  # Monday | Wednesday


def test_members_the_pattern_does_not_use_are_no_change() -> None:
    other_parts = info(DayPattern={"Pattern": "EveryWorkday", "Cycle": 9},
                       MonthPattern={"Pattern": "WeekdayOfMonth", "Cycle": 4, "Day": 1})
    assert not changed(other_parts, info(), OSLO)
    assert not changed(info(RecurrenceCounter=99), info(), OSLO)  # the counter of a series that ends by date


def test_the_end_date_as_a_utc_instant_of_the_same_local_midnight_is_no_change() -> None:
    assert not changed(info(EndDate="2041-03-03T23:00:00Z"), info(), OSLO)
    assert changed(info(EndDate="2041-03-05T00:00:00"), info(), OSLO)


def test_another_cycle_weekday_pattern_or_end_is_a_change() -> None:
    assert changed(info(WeekPattern={"Cycle": 2, "Weekdays": "Monday, Wednesday"}), info(), OSLO)
    assert changed(info(WeekPattern={"Cycle": 1, "Weekdays": "Monday"}), info(), OSLO)
    assert changed(info(Pattern="Monthly"), info(), OSLO)
    assert changed(info(RecurrenceEndType="Counter"), info(), OSLO)


def test_a_plain_appointment_given_a_series_is_a_change_and_a_series_turned_off_is_not() -> None:
    assert changed(info(), info(IsRecurrence=False), OSLO)
    assert not changed(info(IsRecurrence=False), info(), OSLO)  # StopRecurrence decides that


def test_a_missing_sub_pattern_leaves_the_pattern_as_it_was() -> None:
    assert not changed(info(WeekPattern=None), info(), TimeContext(UTC, UTC))
