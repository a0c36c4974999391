"""Recurrence expansion: python-dateutil's rrule is the oracle for every pattern; DST, bounds and refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as rr
from hypothesis import given, settings
from hypothesis import strategies as st

from .enums import (
    RecurrenceDailyPattern,
    RecurrenceEndType,
    RecurrenceMonthlyPattern,
    RecurrencePattern,
    RecurrenceYearlyPattern,
    Weekday,
    WeekOfMonth,
)
from .errors import Invalid
from .recurrence import (
    MAX_OCCURRENCES,
    Rule,
    expand,
    occurrence_dates,
    stop_recurrence,
)

P = RecurrencePattern
E = RecurrenceEndType
EXAMPLES = settings(max_examples=60, deadline=None)
RR_DAYS = (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR, rr.SA, rr.SU)
OSLO = ZoneInfo("Europe/Oslo")
NTH = {WeekOfMonth.First: 1, WeekOfMonth.Second: 2, WeekOfMonth.Third: 3, WeekOfMonth.Fourth: 4, WeekOfMonth.Last: -1}

starts = st.dates(date(1990, 1, 1), date(2060, 12, 31))
weekday_sets = st.integers(1, 127).map(Weekday)
weeks_of_month = st.sampled_from(list(NTH))


@st.composite
def endings(draw: st.DrawFn, start: date, span_days: int) -> tuple[dict, dict]:
    """(Rule end fields, the matching rrule arguments): by counter, or by an end date within span_days."""
    if draw(st.booleans()):
        counter = draw(st.integers(1, 40))
        return {"end_type": E.Counter, "counter": counter}, {"count": counter}
    end = start + timedelta(days=draw(st.integers(0, span_days)))
    return {"end_type": E.EndDate, "end": end}, {"until": datetime.combine(end, datetime.min.time())}


def oracle(freq: int, start: date, until_or_count: dict, **kwargs: object) -> list[date]:
    return [d.date() for d in rr.rrule(freq, dtstart=datetime.combine(start, datetime.min.time()),
                                       **until_or_count, **kwargs)]  # type: ignore[arg-type]


def rr_days(weekdays: Weekday) -> tuple[rr.weekday, ...]:
    return tuple(RR_DAYS[i] for i in range(7) if weekdays & (1 << i))


def clamped(day: int) -> tuple[int, ...]:
    """rrule skips a missing day 31; 'the last of days 28..31 that exists' is our clamp in rrule's terms."""
    return tuple(range(min(day, 28), day + 1))


# --- each pattern against rrule ---------------------------------------------------------------------------


@EXAMPLES
@given(st.data(), starts, st.integers(1, 30))
def test_daily_every_cyclic_day_matches_rrule(data: st.DataObject, start: date, cycle: int) -> None:
    end, oracle_end = data.draw(endings(start, 600))
    rule = Rule(P.Daily, start, RecurrenceDailyPattern.EveryCyclicDay, cycle=cycle, **end)
    assert occurrence_dates(rule) == oracle(rr.DAILY, start, oracle_end, interval=cycle)


@EXAMPLES
@given(st.data(), starts)
def test_daily_every_workday_is_monday_to_friday(data: st.DataObject, start: date) -> None:
    end, oracle_end = data.draw(endings(start, 200))
    rule = Rule(P.Daily, start, RecurrenceDailyPattern.EveryWorkday, cycle=0, **end)
    assert occurrence_dates(rule) == oracle(rr.DAILY, start, oracle_end, byweekday=RR_DAYS[:5])


@EXAMPLES
@given(st.data(), starts)
def test_daily_every_weekday_is_every_day(data: st.DataObject, start: date) -> None:
    end, oracle_end = data.draw(endings(start, 200))
    rule = Rule(P.Daily, start, RecurrenceDailyPattern.EveryWeekday, **end)
    assert occurrence_dates(rule) == oracle(rr.DAILY, start, oracle_end)


@EXAMPLES
@given(st.data(), starts, weekday_sets, st.integers(1, 5))
def test_weekly_matches_rrule_with_weeks_from_monday(
    data: st.DataObject, start: date, weekdays: Weekday, cycle: int
) -> None:
    end, oracle_end = data.draw(endings(start, 400))
    rule = Rule(P.Weekly, start, cycle=cycle, weekdays=weekdays, **end)
    expected = oracle(rr.WEEKLY, start, oracle_end, interval=cycle, byweekday=rr_days(weekdays), wkst=rr.MO)
    assert occurrence_dates(rule) == expected


@EXAMPLES
@given(st.data(), starts, st.integers(1, 31), st.integers(1, 12))
def test_monthly_day_of_month_matches_rrule(data: st.DataObject, start: date, day: int, cycle: int) -> None:
    end, oracle_end = data.draw(endings(start, 2000))
    rule = Rule(P.Monthly, start, RecurrenceMonthlyPattern.DayOfMonth, cycle=cycle, day=day, **end)
    expected = oracle(rr.MONTHLY, start, oracle_end, interval=cycle, bymonthday=clamped(day), bysetpos=-1)
    assert occurrence_dates(rule) == expected


@EXAMPLES
@given(st.data(), starts, weekday_sets, weeks_of_month, st.integers(1, 12))
def test_monthly_weekday_of_month_matches_rrule(
    data: st.DataObject, start: date, weekdays: Weekday, week: WeekOfMonth, cycle: int
) -> None:
    end, oracle_end = data.draw(endings(start, 2000))
    rule = Rule(P.Monthly, start, RecurrenceMonthlyPattern.WeekdayOfMonth, cycle=cycle, weekdays=weekdays,
                week_of_month=week, **end)
    expected = oracle(rr.MONTHLY, start, oracle_end, interval=cycle, byweekday=rr_days(weekdays),
                      bysetpos=NTH[week])
    assert occurrence_dates(rule) == expected


@st.composite
def month_and_day(draw: st.DrawFn) -> tuple[int, int]:
    month = draw(st.integers(1, 12))
    return month, draw(st.integers(1, 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31))


@EXAMPLES
@given(st.data(), starts, month_and_day(), st.integers(1, 3))
def test_yearly_day_of_month_matches_rrule(
    data: st.DataObject, start: date, month_day: tuple[int, int], cycle: int
) -> None:
    month, day = month_day
    end, oracle_end = data.draw(endings(start, 20 * 366))
    rule = Rule(P.Yearly, start, RecurrenceYearlyPattern.DayOfMonth, cycle=cycle, month=month, day=day, **end)
    expected = oracle(rr.YEARLY, start, oracle_end, interval=cycle, bymonth=month, bymonthday=clamped(day),
                      bysetpos=-1)
    assert occurrence_dates(rule) == expected


@EXAMPLES
@given(st.data(), starts, st.integers(1, 12), weekday_sets, weeks_of_month)
def test_yearly_weekday_of_month_matches_rrule(
    data: st.DataObject, start: date, month: int, weekdays: Weekday, week: WeekOfMonth
) -> None:
    end, oracle_end = data.draw(endings(start, 20 * 366))
    rule = Rule(P.Yearly, start, RecurrenceYearlyPattern.WeekdayOfMonth, month=month, weekdays=weekdays,
                week_of_month=week, **end)
    expected = oracle(rr.YEARLY, start, oracle_end, bymonth=month, byweekday=rr_days(weekdays), bysetpos=NTH[week])
    assert occurrence_dates(rule) == expected


@EXAMPLES
@given(st.lists(starts, min_size=1, max_size=30))
def test_custom_dates_are_the_given_dates_sorted_without_repeats(dates: list[date]) -> None:
    rule = Rule(P.Custom, min(dates), dates=tuple(dates))
    oracle_set = rr.rruleset()
    for d in dates:
        oracle_set.rdate(datetime.combine(d, datetime.min.time()))
    assert occurrence_dates(rule) == [d.date() for d in oracle_set]


# --- properties of every series ----------------------------------------------------------------------------


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    start = draw(starts)
    end, _ = draw(endings(start, 900))  # every day for 900 days stays under the cap
    shape = draw(st.sampled_from([
        dict(pattern=P.Daily, sub_pattern=draw(st.sampled_from(list(RecurrenceDailyPattern)[1:]))),
        dict(pattern=P.Weekly, weekdays=draw(weekday_sets)),
        dict(pattern=P.Monthly, sub_pattern=RecurrenceMonthlyPattern.DayOfMonth, day=draw(st.integers(1, 31))),
        dict(pattern=P.Monthly, sub_pattern=RecurrenceMonthlyPattern.WeekdayOfMonth, weekdays=draw(weekday_sets),
             week_of_month=draw(weeks_of_month)),
        dict(pattern=P.Yearly, sub_pattern=RecurrenceYearlyPattern.WeekdayOfMonth, month=draw(st.integers(0, 12)),
             weekdays=draw(weekday_sets), week_of_month=draw(weeks_of_month)),
    ]))
    return Rule(start=start, cycle=draw(st.integers(1, 4)), **shape, **end)  # type: ignore[arg-type]


@EXAMPLES
@given(rules())
def test_occurrences_are_ascending_unique_and_within_the_series_bounds(rule: Rule) -> None:
    dates = occurrence_dates(rule)
    assert dates == sorted(set(dates))
    assert all(d >= rule.start for d in dates)
    if rule.end_type is E.EndDate:
        assert rule.end is not None and all(d <= rule.end for d in dates)
    else:
        assert len(dates) == rule.counter


@EXAMPLES
@given(rules())
def test_stopping_at_an_occurrence_leaves_exactly_the_earlier_series(rule: Rule) -> None:
    occurrences = [(t, n) for n, t in enumerate(expand(rule, datetime(2000, 1, 1, 9, 0), OSLO), start=100)]
    if not occurrences:
        return
    at = occurrences[len(occurrences) // 2]
    plan = stop_recurrence(occurrences, at)
    assert plan.keep + plan.remove == tuple(occurrences)
    assert plan.keep[-1] == at
    assert plan.deletes_rule == (plan.keep == (occurrences[0],))
    assert plan.end == (None if plan.deletes_rule else at[0])


ZONES = ["Europe/Oslo", "America/New_York", "Australia/Sydney", "America/Santiago", "Asia/Kolkata", "UTC"]


@EXAMPLES
@given(st.data(), st.sampled_from(ZONES), st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
def test_wall_clock_time_is_kept_across_dst_changes(data: st.DataObject, zone: str, hour: int, minute: int) -> None:
    start = data.draw(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
    rule = Rule(P.Weekly, start, weekdays=data.draw(weekday_sets), end_type=E.EndDate,
                end=start + timedelta(days=400))
    tz = ZoneInfo(zone)
    for at, day in zip(expand(rule, datetime.combine(start, datetime.min.time()).replace(hour=hour, minute=minute),
                              tz), occurrence_dates(rule), strict=True):
        exists = at.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) == at
        assert exists
        if at.time() != datetime.min.time().replace(hour=hour, minute=minute):
            # Only the spring-forward gap may move it, forward, by less than a day's change.
            gap_start = datetime.combine(day, datetime.min.time()).replace(hour=hour, minute=minute)
            assert gap_start < at < gap_start + timedelta(hours=2)


# --- examples -------------------------------------------------------------------------------------------


def test_fixture_vector_weekly_monday_wednesday_friday() -> None:
    rule = Rule(P.Weekly, date(2019, 2, 15), weekdays=Weekday.Monday | Weekday.Wednesday | Weekday.Friday,
                end_type=E.EndDate, end=date(2019, 2, 22))
    assert occurrence_dates(rule) == [date(2019, 2, 15), date(2019, 2, 18), date(2019, 2, 20), date(2019, 2, 22)]


def test_a_nine_oclock_oslo_meeting_stays_at_nine_in_march_and_october() -> None:
    rule = Rule(P.Weekly, date(2026, 3, 23), weekdays=Weekday.Monday, end_type=E.EndDate, end=date(2026, 10, 26))
    times = expand(rule, datetime(2026, 3, 23, 9, 0), OSLO)
    assert {t.time() for t in times} == {datetime(2026, 1, 1, 9).time()}
    oslo = ZoneInfo("Europe/Oslo")
    assert times[0].replace(tzinfo=oslo).astimezone(UTC).hour == 8  # CET before 29 March
    assert times[1].replace(tzinfo=oslo).astimezone(UTC).hour == 7  # CEST after
    assert times[-1].replace(tzinfo=oslo).astimezone(UTC).hour == 8  # CET again after 25 October


def test_a_series_in_another_zone_keeps_that_zones_wall_clock_and_answers_in_the_base_zone() -> None:
    # The server stores UTC; the caller's series is in Oslo, where 08:00 UTC is 09:00 until 29 March, then 10:00.
    rule = Rule(P.Daily, date(2026, 3, 27), RecurrenceDailyPattern.EveryWeekday, end_type=E.Counter, counter=4)
    times = expand(rule, datetime(2026, 3, 27, 8, 0), OSLO, UTC)
    assert times == [datetime(2026, 3, 27, 8), datetime(2026, 3, 28, 8), datetime(2026, 3, 29, 7),
                     datetime(2026, 3, 30, 7)]


def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    rule = Rule(P.Daily, date(2026, 3, 28), RecurrenceDailyPattern.EveryWeekday, end_type=E.Counter, counter=3)
    times = expand(rule, datetime(2026, 3, 28, 2, 30), OSLO)
    assert times == [datetime(2026, 3, 28, 2, 30), datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 30, 2, 30)]


def test_all_day_events_stay_on_their_dates_even_where_midnight_does_not_exist() -> None:
    # Santiago springs forward at midnight: 2026-09-06 00:00 does not exist there.
    rule = Rule(P.Daily, date(2026, 9, 5), RecurrenceDailyPattern.EveryWeekday, end_type=E.Counter, counter=2)
    times = expand(rule, datetime(2026, 9, 5), ZoneInfo("America/Santiago"), all_day=True)
    assert times == [datetime(2026, 9, 5), datetime(2026, 9, 6)]


def test_times_at_the_edges_of_the_calendar_are_kept() -> None:
    rule = Rule(P.Daily, date(9999, 12, 31), RecurrenceDailyPattern.EveryWeekday, end_type=E.Counter, counter=1)
    assert expand(rule, datetime(9999, 12, 31, 23, 30), ZoneInfo("America/New_York"), UTC) == [
        datetime(9999, 12, 31, 23, 30)]


def test_monthly_day_31_falls_on_the_last_day_of_shorter_months() -> None:
    rule = Rule(P.Monthly, date(2024, 1, 1), RecurrenceMonthlyPattern.DayOfMonth, day=31, end_type=E.Counter,
                counter=4)
    assert occurrence_dates(rule) == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]


def test_yearly_29_february_falls_on_the_28th_in_common_years() -> None:
    rule = Rule(P.Yearly, date(2024, 1, 1), RecurrenceYearlyPattern.DayOfMonth, month=2, day=29,
                end_type=E.Counter, counter=2)
    assert occurrence_dates(rule) == [date(2024, 2, 29), date(2025, 2, 28)]


def test_yearly_month_zero_means_the_start_month() -> None:
    rule = Rule(P.Yearly, date(2024, 5, 20), RecurrenceYearlyPattern.WeekdayOfMonth, weekdays=Weekday.Monday,
                week_of_month=WeekOfMonth.Last, end_type=E.Counter, counter=2)
    assert occurrence_dates(rule) == [date(2024, 5, 27), date(2025, 5, 26)]


def test_a_start_that_does_not_match_the_pattern_is_not_an_occurrence() -> None:
    rule = Rule(P.Weekly, date(2026, 1, 1), weekdays=Weekday.Monday, end_type=E.Counter, counter=1)
    assert occurrence_dates(rule) == [date(2026, 1, 5)]  # 1 January 2026 is a Thursday


def test_a_ten_year_weekly_series_fits_under_the_cap() -> None:
    rule = Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.EndDate, end=date(2035, 12, 31))
    assert len(occurrence_dates(rule)) == 522


def test_a_series_stops_at_the_end_of_the_calendar() -> None:
    rule = Rule(P.Yearly, date(9990, 1, 1), RecurrenceYearlyPattern.DayOfMonth, month=12, day=31,
                end_type=E.Counter, counter=100)
    assert occurrence_dates(rule)[-1] == date(9999, 12, 31)


# --- StopRecurrence ------------------------------------------------------------------------------------------

SERIES = [(datetime(2026, 1, d, 9), d) for d in (5, 12, 19, 26)]


def test_stopping_at_a_later_occurrence_removes_the_ones_after_it() -> None:
    plan = stop_recurrence(SERIES, SERIES[1])
    assert plan.keep == tuple(SERIES[:2]) and plan.remove == tuple(SERIES[2:])
    assert plan.end == datetime(2026, 1, 12, 9) and not plan.deletes_rule


def test_stopping_at_the_first_occurrence_deletes_the_pattern() -> None:
    plan = stop_recurrence(SERIES, SERIES[0])
    assert plan.keep == (SERIES[0],) and plan.remove == tuple(SERIES[1:]) and plan.deletes_rule


def test_stopping_at_the_last_occurrence_removes_nothing() -> None:
    plan = stop_recurrence(SERIES, SERIES[-1])
    assert plan.remove == () and plan.end == datetime(2026, 1, 26, 9)


def test_occurrences_at_the_same_time_are_told_apart_by_id() -> None:
    twins = [(datetime(2026, 1, 5, 9), 7), (datetime(2026, 1, 5, 9), 8), (datetime(2026, 1, 12, 9), 9)]
    plan = stop_recurrence(twins, twins[0])
    assert plan.keep == (twins[0],) and plan.remove == tuple(twins[1:])


# --- refusals -----------------------------------------------------------------------------------------------

WEEKLY = Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.Counter, counter=3)
MONTHLY = Rule(P.Monthly, date(2026, 1, 5), RecurrenceMonthlyPattern.DayOfMonth, day=5, end_type=E.Counter,
               counter=3)


def refusal(rule: Rule, limit: int = MAX_OCCURRENCES) -> Invalid:
    with pytest.raises(Invalid) as refused:
        occurrence_dates(rule, limit)
    return refused.value


def test_refuses_an_unknown_pattern() -> None:
    assert refusal(Rule(P.Unknown, date(2026, 1, 5))).key == "recurrence_pattern"


def test_refuses_weekly_without_weekdays() -> None:
    assert refusal(Rule(P.Weekly, date(2026, 1, 5), end_type=E.Counter, counter=3)).key == "recurrence_no_weekdays"


def test_refuses_weekday_flags_beyond_sunday() -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday(128), end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_weekdays", {"weekdays": 128})


@pytest.mark.parametrize("day", [0, 32, -1])
def test_refuses_a_day_of_month_outside_1_to_31(day: int) -> None:
    error = refusal(Rule(P.Monthly, date(2026, 1, 5), RecurrenceMonthlyPattern.DayOfMonth, day=day,
                         end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_day", {"day": day, "longest": 31})


def test_refuses_a_yearly_day_that_never_exists_in_its_month() -> None:
    error = refusal(Rule(P.Yearly, date(2026, 1, 5), RecurrenceYearlyPattern.DayOfMonth, month=2, day=30,
                         end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_day", {"day": 30, "longest": 29})


@pytest.mark.parametrize("month", [13, -1])
def test_refuses_a_yearly_month_outside_1_to_12(month: int) -> None:
    error = refusal(Rule(P.Yearly, date(2026, 1, 5), RecurrenceYearlyPattern.DayOfMonth, month=month, day=1,
                         end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_month", {"month": month})


@pytest.mark.parametrize("cycle", [0, -2])
def test_refuses_a_cycle_below_one(cycle: int) -> None:
    error = refusal(Rule(P.Daily, date(2026, 1, 5), RecurrenceDailyPattern.EveryCyclicDay, cycle=cycle,
                         end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_cycle", {"cycle": cycle})


def test_refuses_weekday_of_month_without_a_week() -> None:
    error = refusal(Rule(P.Monthly, date(2026, 1, 5), RecurrenceMonthlyPattern.WeekdayOfMonth,
                         weekdays=Weekday.Friday, end_type=E.Counter, counter=3))
    assert (error.key, error.params) == ("recurrence_week_of_month", {"week_of_month": "Unknown"})


def test_refuses_weekday_of_month_without_weekdays() -> None:
    error = refusal(Rule(P.Yearly, date(2026, 1, 5), RecurrenceYearlyPattern.WeekdayOfMonth,
                         week_of_month=WeekOfMonth.First, end_type=E.Counter, counter=3))
    assert error.key == "recurrence_no_weekdays"


@pytest.mark.parametrize("counter", [0, -1])
def test_refuses_a_counter_below_one_when_ending_by_counter(counter: int) -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.Counter, counter=counter))
    assert (error.key, error.params) == ("recurrence_counter", {"counter": counter})


def test_refuses_an_end_date_before_the_start() -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.EndDate,
                         end=date(2026, 1, 4)))
    assert (error.key, error.params) == ("recurrence_end_before_start", {"start": "2026-01-05", "end": "2026-01-04"})


def test_refuses_ending_by_date_without_a_date() -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.EndDate))
    assert error.key == "recurrence_no_end_date"


def test_refuses_an_unknown_end_type() -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, counter=3))
    assert (error.key, error.params) == ("recurrence_end_type", {"end_type": "Unknown"})


@pytest.mark.parametrize(
    ("pattern", "sub_pattern"),
    [
        (P.Daily, RecurrenceMonthlyPattern.DayOfMonth),
        (P.Daily, RecurrenceDailyPattern.Unknown),
        (P.Daily, None),
        (P.Monthly, RecurrenceYearlyPattern.DayOfMonth),
        (P.Yearly, RecurrenceMonthlyPattern.WeekdayOfMonth),
        (P.Weekly, RecurrenceDailyPattern.EveryWorkday),
    ],
)
def test_refuses_a_sub_pattern_that_does_not_match_the_pattern(pattern: P, sub_pattern: object) -> None:
    rule = Rule(pattern, date(2026, 1, 5), sub_pattern, weekdays=Weekday.Monday, day=5,  # type: ignore[arg-type]
                week_of_month=WeekOfMonth.First, end_type=E.Counter, counter=3)
    assert refusal(rule).key == "recurrence_sub_pattern"


def test_refuses_custom_without_dates() -> None:
    assert refusal(Rule(P.Custom, date(2026, 1, 5))).key == "recurrence_no_dates"


def test_refuses_a_counter_beyond_the_cap() -> None:
    error = refusal(Rule(P.Weekly, date(2026, 1, 5), weekdays=Weekday.Monday, end_type=E.Counter,
                         counter=MAX_OCCURRENCES + 1))
    assert (error.key, error.params) == ("recurrence_too_many", {"limit": MAX_OCCURRENCES})


def test_refuses_an_end_date_that_makes_the_series_too_long() -> None:
    error = refusal(Rule(P.Daily, date(2026, 1, 1), RecurrenceDailyPattern.EveryWeekday, end_type=E.EndDate,
                         end=date(2028, 12, 31)))
    assert error.key == "recurrence_too_many"


def test_refuses_too_many_custom_dates_for_the_given_limit() -> None:
    dates = tuple(date(2026, 1, d) for d in range(1, 6))
    assert refusal(Rule(P.Custom, dates[0], dates=dates), limit=4).key == "recurrence_too_many"


def test_the_limit_is_exactly_allowed() -> None:
    assert len(occurrence_dates(replace(WEEKLY, counter=4), limit=4)) == 4

