"""The working-day share of a day's busy rows (domain/calendar_days.py)."""

from __future__ import annotations

from datetime import date, datetime

from sodiary.domain.calendar_days import Slot, WorkingTime, activity

WORK = WorkingTime.parse("08:00-16:00", "mon,tue,wed,thu,fri")
MONDAY = date(2031, 3, 3)


def at(h1: int, h2: int, busy: bool = True) -> Slot:
    return Slot(datetime(2031, 3, 3, h1), datetime(2031, 3, 3, h2), busy)


def test_a_busy_row_inside_the_working_day_books_its_share() -> None:
    assert activity(MONDAY, [at(9, 11)], WORK, red=False).percentage_busy == 25


def test_busy_time_outside_the_working_day_books_nothing() -> None:
    assert activity(MONDAY, [at(16, 20)], WORK, red=False).percentage_busy == 0


def test_a_row_covering_the_whole_day_books_all_of_it() -> None:
    assert activity(MONDAY, [at(0, 23)], WORK, red=False).percentage_busy == 100


def test_nested_rows_count_their_time_once() -> None:
    found = activity(MONDAY, [at(8, 12), at(9, 10)], WORK, red=False)
    assert (found.busy, found.percentage_busy) == (2, 50)


def test_a_zero_length_row_counts_on_its_day() -> None:
    assert activity(MONDAY, [at(9, 9, busy=False)], WORK, red=False).free == 1


def test_a_working_day_until_midnight_is_understood() -> None:
    evening = WorkingTime.parse("16:00-24:00", "mon")
    assert activity(MONDAY, [at(16, 20)], evening, red=False).percentage_busy == 50
