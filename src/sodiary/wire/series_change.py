"""Telling a changed Recurrence from one sent back as it was read, on Save of an existing row.

Clients send the whole entity back, Recurrence included, on every save. A series' pattern changes only
when what was sent differs from what this server would answer for the row now, in the same request's
time context, in a member that decides the dates: the pattern, its own sub-pattern's members that the
pattern uses, and how the series ends. Dates are compared as the caller's calendar days, so a client
that turns our naive dates into UTC instants and back still sends "the same" series.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sodiary.domain import enums as d
from sodiary.service.entities import EntityData, SaveInput
from sodiary.service.recurrence import SeriesInput
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import recurrence_carrier, save_input
from sodiary.wire.endpoint import Call
from sodiary.wire.enums import to_domain
from sodiary.wire.timefmt import TimeContext, time_context


def _weekdays(value: Any) -> int:
    return c.flags_value(value, d.Weekday, "Recurrence.Weekdays")


def _pattern_key(info: c.RecurrenceInfo, tc: TimeContext) -> tuple[Any, ...] | None:
    """What decides the dates besides the start and the end; None when the pattern's own part is missing."""
    pattern = to_domain(info.pattern, d.RecurrencePattern)
    if pattern is d.RecurrencePattern.Daily:
        if info.day_pattern is None:
            return None
        daily = to_domain(info.day_pattern.pattern, d.RecurrenceDailyPattern)
        cyclic = daily is d.RecurrenceDailyPattern.EveryCyclicDay
        return pattern, daily, info.day_pattern.cycle if cyclic else 0
    if pattern is d.RecurrencePattern.Weekly:
        if info.week_pattern is None:
            return None
        return pattern, info.week_pattern.cycle, _weekdays(info.week_pattern.weekdays)
    if pattern is d.RecurrencePattern.Monthly:
        return _day_in_month(pattern, info.month_pattern, d.RecurrenceMonthlyPattern)
    if pattern is d.RecurrencePattern.Yearly:  # (YearPattern.Cycle is the month)
        return _day_in_month(pattern, info.year_pattern, d.RecurrenceYearlyPattern)
    if pattern is d.RecurrencePattern.Custom:
        days = {tc.parse_view(r.date, "Recurrence.Dates") for r in info.dates}
        return pattern, tuple(sorted(x.date() for x in days if x is not None))
    return (pattern,)


def _day_in_month(pattern: d.RecurrencePattern, sub: c.RecurrenceMonthPattern | c.RecurrenceYearPattern | None,
                  kind: type[d.RecurrenceMonthlyPattern] | type[d.RecurrenceYearlyPattern]) -> tuple[Any, ...] | None:
    """Monthly and yearly rules: a day of the month, or a weekday in a week of it (DayOfMonth or not)."""
    if sub is None:
        return None
    which = to_domain(sub.pattern, kind)
    if which.name == "DayOfMonth":
        return pattern, which, sub.cycle, sub.day
    return pattern, which, sub.cycle, _weekdays(sub.weekday), to_domain(sub.week_of_month, d.WeekOfMonth)


def _end_key(info: c.RecurrenceInfo, tc: TimeContext) -> tuple[Any, ...]:
    end_type = to_domain(info.recurrence_end_type, d.RecurrenceEndType)
    if to_domain(info.pattern, d.RecurrencePattern) is d.RecurrencePattern.Custom:
        return ()  # the dates are the end
    if end_type is d.RecurrenceEndType.Counter:
        return end_type, info.recurrence_counter
    end = tc.parse_view(info.end_date, "Recurrence.EndDate")
    return end_type, end.date() if end is not None else None


def changed(sent: c.RecurrenceInfo, stored: c.RecurrenceInfo, tc: TimeContext) -> bool:
    """Whether `sent` asks for other dates than the series `stored` (as this server renders it) has."""
    if not sent.is_recurrence:
        return False  # ending a series is StopRecurrence's (save_input)
    if not stored.is_recurrence:
        return True  # a plain appointment becomes a series
    sent_key, stored_key = _pattern_key(sent, tc), _pattern_key(stored, tc)
    if to_domain(sent.pattern, d.RecurrencePattern) != to_domain(stored.pattern, d.RecurrencePattern):
        return True
    if sent_key is not None and sent_key != stored_key:
        return True
    return _end_key(sent, tc) != _end_key(stored, tc)


def deferred_save_input(tc: TimeContext, entity: c.AppointmentEntity,
                        mode: d.RecurrenceUpdateMode = d.RecurrenceUpdateMode.OnlyThis) -> SaveInput:
    """save_input, with the question whether an existing row's Recurrence was changed (then the series is
    re-patterned from this occurrence on) or sent back as read (then it is ignored, as before) left to
    the save's own unit of work, which asks it of the series as it reads it there."""
    data = save_input(entity, tc, mode)
    if not entity.appointment_id or entity.recurrence is None or not entity.recurrence.is_recurrence:
        return data
    sent: c.RecurrenceInfo = entity.recurrence

    def series_change(stored: EntityData) -> SeriesInput | None:
        if not changed(sent, recurrence_carrier(stored, tc), tc):
            return None
        return save_input(entity, tc, mode, repattern=True).recurrence

    return replace(data, series_change=series_change)


async def save_input_for(call: Call, entity: c.AppointmentEntity,
                         mode: d.RecurrenceUpdateMode = d.RecurrenceUpdateMode.OnlyThis) -> SaveInput:
    """deferred_save_input in the request's time context (the agent methods' entry)."""
    return deferred_save_input(time_context(call.request), entity, mode)
