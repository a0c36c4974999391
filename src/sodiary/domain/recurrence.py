"""Recurrence rules and their expansion into occurrence start times (spec §2.2, §2.7, §3.5).

A recurring appointment is one RecurrenceRule plus one appointment row per occurrence. This module
decides which dates a rule yields and at what wall-clock time; the service layer writes the rows.
The arithmetic is our own (python-dateutil's rrule is the oracle in the tests): SuperOffice's
semantics differ from RFC 5545 in places (month-end clamping, yearly "Cycle").

Refusals are `Invalid(key, **params)`; the keys are `recurrence_<what>` (see Rule.validate).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

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

# More rows than this per series is refused: ten years of a weekly meeting (~520) fits with room.
MAX_OCCURRENCES = 1000

ALL_DAYS = Weekday(127)
WORKDAYS = Weekday.Monday | Weekday.Tuesday | Weekday.Wednesday | Weekday.Thursday | Weekday.Friday

SubPattern = RecurrenceDailyPattern | RecurrenceMonthlyPattern | RecurrenceYearlyPattern

# Which sub-pattern enum belongs to which pattern; Weekly and Custom have none.
_SUB_PATTERN: dict[RecurrencePattern, type[SubPattern] | None] = {
    RecurrencePattern.Daily: RecurrenceDailyPattern,
    RecurrencePattern.Weekly: None,
    RecurrencePattern.Monthly: RecurrenceMonthlyPattern,
    RecurrencePattern.Yearly: RecurrenceYearlyPattern,
    RecurrencePattern.Custom: None,
}


@dataclass(frozen=True, slots=True)
class Rule:
    """One RecurrenceRule: the pattern, its sub-pattern's fields, the start and how the series ends.

    `cycle` is the step between periods: days (EveryCyclicDay), weeks, months or years (Yearly; the wire's
    YearPattern.Cycle is the month, see `month`). `month` is the month of a yearly rule, 0 = the start's.
    `dates` are the explicit dates of a Custom rule, which ignores everything else but `start`.
    """

    pattern: RecurrencePattern
    start: date
    sub_pattern: SubPattern | None = None
    cycle: int = 1
    weekdays: Weekday = Weekday.Unknown
    day: int = 0
    week_of_month: WeekOfMonth = WeekOfMonth.Unknown
    month: int = 0
    end_type: RecurrenceEndType = RecurrenceEndType.Unknown
    end: date | None = None
    counter: int = 0
    dates: tuple[date, ...] = ()

    def validate(self) -> None:
        """Refuse combinations that cannot describe a series (SuperOffice does "little error-checking")."""
        if self.pattern not in _SUB_PATTERN:
            raise Invalid("recurrence_pattern", pattern=_name(self.pattern))
        if self.pattern is RecurrencePattern.Custom:
            if not self.dates:
                raise Invalid("recurrence_no_dates")
            return
        kind = _SUB_PATTERN[self.pattern]
        if kind is None and self.sub_pattern is not None and self.sub_pattern != 0:
            raise Invalid("recurrence_sub_pattern", pattern=self.pattern.name, sub_pattern=_name(self.sub_pattern))
        if kind is not None and (not isinstance(self.sub_pattern, kind) or self.sub_pattern == 0):
            raise Invalid("recurrence_sub_pattern", pattern=self.pattern.name, sub_pattern=_name(self.sub_pattern))
        # Every workday / every day have no step; a Daily cycle matters only for EveryCyclicDay.
        stepless = (RecurrenceDailyPattern.EveryWorkday, RecurrenceDailyPattern.EveryWeekday)
        if self.sub_pattern not in stepless and self.cycle < 1:
            raise Invalid("recurrence_cycle", cycle=self.cycle)
        if not 0 <= int(self.weekdays) <= ALL_DAYS:  # (~ on an IntFlag only inverts within the members)
            raise Invalid("recurrence_weekdays", weekdays=int(self.weekdays))
        if self.pattern is RecurrencePattern.Weekly and not self.weekdays:
            raise Invalid("recurrence_no_weekdays")
        if self.pattern is RecurrencePattern.Yearly and not 0 <= self.month <= 12:
            raise Invalid("recurrence_month", month=self.month)
        if self.sub_pattern in (RecurrenceMonthlyPattern.DayOfMonth, RecurrenceYearlyPattern.DayOfMonth):
            # A yearly day must exist in its month in some year (29 February does; 30 February never).
            longest = 31 if self.pattern is RecurrencePattern.Monthly else _longest(self.year_month)
            if not 1 <= self.day <= longest:
                raise Invalid("recurrence_day", day=self.day, longest=longest)
        if self.sub_pattern in (RecurrenceMonthlyPattern.WeekdayOfMonth, RecurrenceYearlyPattern.WeekdayOfMonth):
            if not self.weekdays:
                raise Invalid("recurrence_no_weekdays")
            if self.week_of_month not in _NTH:
                raise Invalid("recurrence_week_of_month", week_of_month=_name(self.week_of_month))
        if self.end_type is RecurrenceEndType.EndDate:
            if self.end is None:
                raise Invalid("recurrence_no_end_date")
            if self.end < self.start:
                raise Invalid("recurrence_end_before_start", start=self.start.isoformat(), end=self.end.isoformat())
        elif self.end_type is RecurrenceEndType.Counter:
            if self.counter < 1:
                raise Invalid("recurrence_counter", counter=self.counter)
        else:
            raise Invalid("recurrence_end_type", end_type=_name(self.end_type))

    @property
    def year_month(self) -> int:
        return self.month or self.start.month


def occurrence_dates(rule: Rule, limit: int = MAX_OCCURRENCES) -> list[date]:
    """The dates of the series, ascending and unique; more than `limit` is refused."""
    rule.validate()
    if rule.pattern is RecurrencePattern.Custom:
        dates = sorted(set(rule.dates))
        if len(dates) > limit:
            raise Invalid("recurrence_too_many", limit=limit)
        return dates
    if rule.end_type is RecurrenceEndType.Counter and rule.counter > limit:
        raise Invalid("recurrence_too_many", limit=limit)
    out: list[date] = []
    for day in _candidates(rule):
        if rule.end is not None and rule.end_type is RecurrenceEndType.EndDate and day > rule.end:
            break
        if len(out) == limit:
            raise Invalid("recurrence_too_many", limit=limit)
        out.append(day)
        if rule.end_type is RecurrenceEndType.Counter and len(out) == rule.counter:
            break
    return out


def expand(rule: Rule, first: datetime, zone: tzinfo, base: tzinfo | None = None, *, all_day: bool = False,
           limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """Occurrence start times as naive wall clocks in `base` (default: `zone`); `first` is one too.

    Every occurrence keeps the first one's wall-clock time in `zone`, the series' zone, so a 09:00 meeting
    stays at 09:00 there across DST changes. A time that does not exist on a date (the spring-forward gap)
    moves forward by the gap, as the clocks do. All-day events take their dates as they are.
    """
    base = base or zone
    days = occurrence_dates(rule, limit)
    if all_day:
        return [datetime.combine(d, first.time()) for d in days]
    wall = _convert(first, base, zone)
    return [_convert(existing_wall_time(datetime.combine(d, wall.time()), zone), zone, base) for d in days]


def _convert(value: datetime, source: tzinfo, target: tzinfo) -> datetime:
    """A naive wall clock in `source` as the one `target` shows at that instant (as it is at the calendar's ends)."""
    if source is target:
        return value
    try:
        return value.replace(tzinfo=source).astimezone(target).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return value


def existing_wall_time(wall: datetime, tz: tzinfo) -> datetime:
    """`wall` if it exists in `tz`, else the time the clocks show after the gap (02:30 -> 03:30)."""
    try:
        return wall.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    except OverflowError:  # within hours of year 1 or 9999, where no zone has a DST gap
        return wall


Occurrence = tuple[datetime, int]  # an occurrence row of the organiser's: (start, appointment id)


@dataclass(frozen=True, slots=True)
class StopPlan:
    """What StopRecurrence at one occurrence does to a series.

    `keep`: occurrences up to and including the edited one; `remove`: the later ones, whose rows go.
    When the edited occurrence is the first, the rule is deleted and its row becomes an ordinary
    appointment; otherwise the rule ends on the edited occurrence with `len(keep)` occurrences.
    """

    keep: tuple[Occurrence, ...]
    remove: tuple[Occurrence, ...]

    @property
    def deletes_rule(self) -> bool:
        return len(self.keep) <= 1

    @property
    def end(self) -> datetime | None:
        """The rule's new last start, or None when the rule goes."""
        return None if self.deletes_rule else self.keep[-1][0]


def stop_recurrence(occurrences: Iterable[Occurrence], at: Occurrence) -> StopPlan:
    """ "All instances after the one you edit are deleted; if it is the first, the pattern is deleted" [D].
    Occurrences at the same time are ordered by id, as the rows are."""
    ordered = sorted(set(occurrences) | {at})
    return StopPlan(tuple(o for o in ordered if o <= at), tuple(o for o in ordered if o > at))


# --- expansion ----------------------------------------------------------------------------------------

_NTH = {WeekOfMonth.First: 0, WeekOfMonth.Second: 1, WeekOfMonth.Third: 2, WeekOfMonth.Fourth: 3, WeekOfMonth.Last: -1}
_MAX_MONTH_INDEX = date.max.year * 12 + 11


def _candidates(rule: Rule) -> Iterator[date]:
    """Every date the pattern yields from the start on, ascending, until the calendar ends."""
    if rule.pattern is RecurrencePattern.Daily:
        if rule.sub_pattern is RecurrenceDailyPattern.EveryCyclicDay:
            return _every_nth_day(rule.start, rule.cycle)
        days = WORKDAYS if rule.sub_pattern is RecurrenceDailyPattern.EveryWorkday else ALL_DAYS
        return _weekly(rule.start, 1, days)
    if rule.pattern is RecurrencePattern.Weekly:
        return _weekly(rule.start, rule.cycle, rule.weekdays)
    if rule.pattern is RecurrencePattern.Monthly:
        return _monthly(rule, rule.start.month, rule.cycle)
    return _monthly(rule, rule.year_month, 12 * rule.cycle)


def _every_nth_day(start: date, cycle: int) -> Iterator[date]:
    day = start
    while True:
        yield day
        if (date.max - day).days < cycle:
            return
        day += timedelta(days=cycle)


def _weekly(start: date, cycle: int, weekdays: Weekday) -> Iterator[date]:
    """Weeks run Monday to Sunday; the start's week is the first, then every `cycle`-th week."""
    monday = start - timedelta(days=start.weekday())
    while True:
        for offset in range(7):
            if weekdays & (1 << offset) and (date.max - monday).days >= offset:
                day = monday + timedelta(days=offset)
                if day >= start:
                    yield day
        if (date.max - monday).days < 7 * cycle:
            return
        monday += timedelta(weeks=cycle)


def _monthly(rule: Rule, first_month: int, step: int) -> Iterator[date]:
    """One date per period: the start's year and `first_month`, then every `step` months."""
    index = rule.start.year * 12 + first_month - 1
    while index <= _MAX_MONTH_INDEX:
        day = _in_month(rule, *divmod(index, 12))
        if day >= rule.start:
            yield day
        index += step


def _in_month(rule: Rule, year: int, month0: int) -> date:
    month = month0 + 1
    length = calendar.monthrange(year, month)[1]
    if rule.sub_pattern in (RecurrenceMonthlyPattern.DayOfMonth, RecurrenceYearlyPattern.DayOfMonth):
        # Day 31 in a 30-day month is its last day (as SuperOffice's and Outlook's dialogs do), not skipped.
        return date(year, month, min(rule.day, length))
    matching = [d for d in range(1, length + 1) if rule.weekdays & (1 << date(year, month, d).weekday())]
    return date(year, month, matching[_NTH[rule.week_of_month]])  # >= 4 of each weekday in any month


def _longest(month: int) -> int:
    return calendar.monthrange(2000, month)[1]  # a leap year: February's longest is 29


def _name(value: object) -> object:
    return getattr(value, "name", value)
