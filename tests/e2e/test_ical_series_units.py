"""The feed's RRULE for each of SuperOffice's patterns (sodiary.ical.series): expanded by recurring-ical-events
it gives the domain's own occurrences, so the common series needs no RDATE or EXDATE; and whatever a rule
misses, the EXDATEs and RDATEs make the expansion the diary's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil import rrule as dr

from sodiary.domain.enums import (
    RecurrenceDailyPattern,
    RecurrenceEndType,
    RecurrenceMonthlyPattern,
    RecurrencePattern,
    RecurrenceYearlyPattern,
    Weekday,
    WeekOfMonth,
)
from sodiary.domain.recurrence import Rule, expand
from sodiary.ical.feed import FeedEntry, feed_ics
from sodiary.ical.series import (
    Occurrence,
    Pattern,
    mailable,
    moved_by_days,
    rrule_of,
    series_entries,
    series_rrule,
)

OSLO = ZoneInfo("Europe/Oslo")
P, D, M, Y = RecurrencePattern, RecurrenceDailyPattern, RecurrenceMonthlyPattern, RecurrenceYearlyPattern

RULES = {
    "every third day": Rule(P.Daily, date(2031, 1, 30), D.EveryCyclicDay, cycle=3),
    "every workday": Rule(P.Daily, date(2031, 3, 20), D.EveryWorkday),
    "every day": Rule(P.Daily, date(2031, 3, 28), D.EveryWeekday),
    "every second week, Tue and Fri": Rule(P.Weekly, date(2031, 3, 5), cycle=2,
                                           weekdays=Weekday.Tuesday | Weekday.Friday),
    "monthly on the 31st (clamped)": Rule(P.Monthly, date(2031, 1, 31), M.DayOfMonth, day=31),
    "monthly on the 30th every second month": Rule(P.Monthly, date(2031, 1, 30), M.DayOfMonth, cycle=2, day=30),
    "monthly on the 15th, starting after it": Rule(P.Monthly, date(2031, 1, 20), M.DayOfMonth, day=15),
    "second Tuesday of the month": Rule(P.Monthly, date(2031, 1, 1), M.WeekdayOfMonth,
                                        weekdays=Weekday.Tuesday, week_of_month=WeekOfMonth.Second),
    "last Friday of the month": Rule(P.Monthly, date(2031, 1, 1), M.WeekdayOfMonth,
                                     weekdays=Weekday.Friday, week_of_month=WeekOfMonth.Last),
    "yearly on 29 February": Rule(P.Yearly, date(2031, 1, 1), Y.DayOfMonth, month=2, day=29),
    "yearly, first Monday of June": Rule(P.Yearly, date(2031, 1, 1), Y.WeekdayOfMonth, month=6,
                                         weekdays=Weekday.Monday, week_of_month=WeekOfMonth.First),
}


def entries_for(rule: Rule, drop: frozenset[int] = frozenset(), extra: tuple[datetime, ...] = ()) -> list[FeedEntry]:
    """The feed's entries for one user's rows of the series at 09:00 Oslo, some dropped, some extra."""
    starts = expand(rule, datetime.combine(rule.start, datetime.min.time()).replace(hour=9), OSLO)
    occurrences = []
    for i, wall in enumerate([*starts, *extra]):
        original = wall.replace(tzinfo=OSLO)
        utc = original.astimezone(UTC)
        entry = FeedEntry(uid="x", dtstamp=datetime(2031, 1, 1, tzinfo=UTC), start=utc,
                          end=utc + timedelta(minutes=30), summary="S")
        occurrences.append(Occurrence(original, None if i in drop else entry))
    pattern = Pattern(pattern=int(rule.pattern), sub_pattern=int(rule.sub_pattern or 0), cycle=rule.cycle,
                      weekdays=int(rule.weekdays), day=rule.day, week_of_month=int(rule.week_of_month),
                      month=rule.month)
    return series_entries("s@x", rrule_of(pattern), occurrences)


def instants(entries: list[FeedEntry]) -> list[datetime]:
    cal = icalendar.Calendar.from_ical(feed_ics(entries, "t"))
    found = recurring_ical_events.of(cal).between(datetime(2030, 1, 1, tzinfo=UTC), datetime(2060, 1, 1, tzinfo=UTC))
    return sorted(e.decoded("DTSTART").astimezone(UTC) for e in found)


def _with_counter(rule: Rule) -> Rule:
    return Rule(rule.pattern, rule.start, rule.sub_pattern, rule.cycle, rule.weekdays, rule.day, rule.week_of_month,
                rule.month, RecurrenceEndType.Counter, None, 14)


@pytest.mark.parametrize("name", sorted(RULES))
def test_each_pattern_maps_to_an_rrule_that_expands_to_the_domains_occurrences(name: str) -> None:
    rule = _with_counter(RULES[name])
    entries = entries_for(rule)
    [master] = entries
    assert master.rrule is not None and not master.rdates and not master.exdates
    walls = expand(rule, datetime.combine(rule.start, datetime.min.time()).replace(hour=9), OSLO)
    assert instants(entries) == [w.replace(tzinfo=OSLO).astimezone(UTC) for w in walls]


def test_missing_occurrences_become_exdates_and_unforeseen_ones_rdates() -> None:
    rule = _with_counter(RULES["every second week, Tue and Fri"])
    walls = expand(rule, datetime(2031, 3, 5, 9), OSLO)
    stray = datetime(2031, 3, 8, 9)  # a Saturday the rule never yields
    entries = entries_for(rule, drop=frozenset({0, 3}), extra=(stray,))
    kept = [w for i, w in enumerate(walls) if i not in (0, 3)] + [stray]
    assert instants(entries) == sorted(w.replace(tzinfo=OSLO).astimezone(UTC) for w in kept)
    assert len(entries[0].exdates) == 2 and len(entries[0].rdates) == 1


def test_an_all_day_series_is_dated_with_date_exdates_and_an_override_for_a_longer_day() -> None:
    days = [date(2031, 6, 2) + timedelta(weeks=i) for i in range(5)]
    occurrences = []
    for i, day in enumerate(days):
        length = 2 if i == 3 else 1  # the fourth runs over two days: an override
        entry = FeedEntry(uid="x", dtstamp=datetime(2031, 1, 1, tzinfo=UTC), start_date=day,
                          end_date=day + timedelta(days=length), summary="Off")
        occurrences.append(Occurrence(day, None if i == 1 else entry))
    rule = rrule_of(Pattern(pattern=int(P.Weekly), cycle=1, weekdays=int(Weekday.Monday)))
    entries = series_entries("a@x", rule, occurrences)
    master = entries[0]
    assert master.start_date == days[0] and master.exdates == (days[1],)
    assert [e.recurrence_id for e in entries[1:]] == [days[3]]
    cal = icalendar.Calendar.from_ical(feed_ics(entries, "t"))
    found = recurring_ical_events.of(cal).between(date(2031, 1, 1), date(2032, 1, 1))
    shown = sorted((e.decoded("DTSTART"), e.decoded("DTEND")) for e in found)
    assert shown == [(d, d + timedelta(days=2 if d == days[3] else 1)) for d in days if d != days[1]]


# --- The mail's RRULE: only one whose expansion is exactly the stored starts ------------------------------


def weekly(count: int, start: datetime = datetime(2033, 3, 3, 9, 0)) -> list[datetime]:
    return [start + timedelta(weeks=i) for i in range(count)]


def test_a_weekly_series_maps_to_an_rrule_ending_at_its_last_occurrence_in_utc() -> None:
    found = series_rrule(Pattern(RecurrencePattern.Weekly, cycle=1, weekdays=Weekday.Thursday), weekly(5), OSLO, False)
    assert found == ("FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;WKST=MO;UNTIL=20330331T070000Z", [])


def test_an_occurrence_missing_from_a_series_becomes_an_exdate() -> None:
    starts = weekly(5)
    del starts[2]
    found = series_rrule(Pattern(RecurrencePattern.Weekly, cycle=1, weekdays=Weekday.Thursday), starts, OSLO, False)
    assert found is not None and found[1] == [weekly(5)[2]]


def test_a_month_end_clamped_by_superoffice_has_no_rrule() -> None:
    starts = [datetime(2035, 1, 31, 9), datetime(2035, 2, 28, 9), datetime(2035, 3, 31, 9)]
    pattern = Pattern(RecurrencePattern.Monthly, sub_pattern=RecurrenceMonthlyPattern.DayOfMonth, cycle=1, day=31)
    assert series_rrule(pattern, starts, OSLO, False) is None


def test_the_last_weekday_of_the_month_maps_to_bysetpos_minus_one() -> None:
    starts = [datetime(2035, 1, 26, 9), datetime(2035, 2, 23, 9), datetime(2035, 3, 30, 9)]  # last Fridays
    pattern = Pattern(RecurrencePattern.Monthly, sub_pattern=RecurrenceMonthlyPattern.WeekdayOfMonth, cycle=1,
                      weekdays=Weekday.Friday, week_of_month=WeekOfMonth.Last)
    found = series_rrule(pattern, starts, OSLO, False)
    assert found is not None and "BYDAY=FR;BYSETPOS=-1" in found[0] and found[1] == []


def test_custom_dates_and_a_single_occurrence_have_no_rrule() -> None:
    assert series_rrule(Pattern(RecurrencePattern.Custom), weekly(3), OSLO, False) is None
    assert series_rrule(Pattern(RecurrencePattern.Weekly, weekdays=Weekday.Thursday), weekly(1), OSLO, False) is None


def _pattern(rule: Rule) -> Pattern:
    return Pattern(pattern=int(rule.pattern), sub_pattern=int(rule.sub_pattern or 0), cycle=rule.cycle,
                   weekdays=int(rule.weekdays), day=rule.day, week_of_month=int(rule.week_of_month), month=rule.month)


# SuperOffice takes a short month's last day; the feed says so with BYSETPOS over BYMONTHDAY 28..31, which
# Outlook cannot hold, and a plain BYMONTHDAY would skip the month (29 February in a common year).
CLAMPED = {"monthly on the 31st (clamped)", "monthly on the 30th every second month", "yearly on 29 February"}


@pytest.mark.parametrize("name", sorted(RULES))
def test_the_mail_sends_the_feeds_rrule_for_each_pattern_unless_it_clamps_a_month_end(name: str) -> None:
    rule = _with_counter(RULES[name])
    walls = expand(rule, datetime.combine(rule.start, datetime.min.time()).replace(hour=9), OSLO)
    found = series_rrule(_pattern(rule), walls, OSLO, False)
    if name in CLAMPED:
        assert found is None, "a clamped month end is mailed occurrence by occurrence"
        return
    assert found is not None and found[1] == []
    parts = rrule_of(_pattern(rule), walls[0].date())
    assert parts is not None and found[0].startswith(f"FREQ={parts['FREQ']}")
    master = icalendar.Event.from_ical(
        f"BEGIN:VEVENT\r\nDTSTART;TZID=Europe/Oslo:{walls[0]:%Y%m%dT%H%M%S}\r\nRRULE:{found[0]}\r\nEND:VEVENT\r\n")
    starts = [e.replace(tzinfo=None) for e in dr.rrulestr(found[0], dtstart=master.decoded("DTSTART"))]
    assert starts == walls


def test_a_yearly_pattern_without_a_month_takes_its_first_occurrences_month() -> None:
    parts = rrule_of(Pattern(pattern=int(P.Yearly), sub_pattern=int(Y.DayOfMonth), day=5), date(2031, 4, 5))
    assert parts is not None and parts["BYMONTH"] == 4


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_pattern_is_mailable_exactly_when_the_mail_sends_its_rrule(name: str) -> None:
    """CautionWarning RecurrencePatternNotSupported is said of the pattern alone: it must agree with what
    the mail does with the pattern's own occurrences."""
    rule = _with_counter(RULES[name])
    walls = expand(rule, datetime.combine(rule.start, datetime.min.time()).replace(hour=9), OSLO)
    assert mailable(_pattern(rule), rule.start) == (series_rrule(_pattern(rule), walls, OSLO, False) is not None)
    assert mailable(_pattern(rule), rule.start) == (name not in CLAMPED)


def test_custom_dates_are_not_mailable() -> None:
    assert not mailable(Pattern(pattern=int(P.Custom)))


def test_an_all_day_series_maps_by_its_dates_whatever_clock_time_its_rows_keep() -> None:
    found = series_rrule(Pattern(RecurrencePattern.Weekly, cycle=1, weekdays=Weekday.Thursday), weekly(3), OSLO, True)
    assert found == ("FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;WKST=MO;UNTIL=20330317", [])


def test_a_weekly_pattern_moved_by_days_turns_its_weekdays_with_it() -> None:
    tue_sun = Pattern(pattern=int(P.Weekly), weekdays=int(Weekday.Tuesday | Weekday.Sunday))
    assert moved_by_days(tue_sun, 1).weekdays == int(Weekday.Wednesday | Weekday.Monday)
    assert moved_by_days(tue_sun, -2) == Pattern(pattern=int(P.Weekly), weekdays=int(Weekday.Sunday | Weekday.Friday))
    assert moved_by_days(tue_sun, 7) == tue_sun
