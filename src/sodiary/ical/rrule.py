"""A series of bookings as one recurring event: SuperOffice's pattern as an RRULE (RFC 5545 §3.3.10).

sodiary stores a row per occurrence; an invitation for the whole series carries one VEVENT whose RRULE
(ending with UNTIL at the last occurrence) and EXDATEs give exactly the occurrences stored. Where the
pattern has no RRULE (Custom dates) or its expansion differs (SuperOffice clamps day 31 to a month's last
day, RFC 5545 skips the month), there is no RRULE and each occurrence is mailed as an event of its own.
The expansion is checked with python-dateutil, so an RRULE is only sent when it says what is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil import rrule as rr

from ..domain.enums import (
    RecurrenceDailyPattern,
    RecurrenceMonthlyPattern,
    RecurrencePattern,
    RecurrenceYearlyPattern,
)
from ..domain.recurrence import MAX_OCCURRENCES

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SETPOS = {1: 1, 2: 2, 3: 3, 4: 4, 5: -1}  # WeekOfMonth First..Fourth, Last


@dataclass(frozen=True, slots=True)
class Pattern:
    """A recurrence rule's pattern as stored (recurrence_rule's columns)."""

    pattern: int
    sub_pattern: int = 0
    cycle: int = 1
    weekdays: int = 0
    day: int = 0
    week_of_month: int = 0
    month: int = 0


def _byday(weekdays: int) -> str:
    return ",".join(d for i, d in enumerate(_DAYS) if weekdays & (1 << i))


def rule_text(p: Pattern, first: date) -> str | None:
    """The RRULE of the pattern without its end, or None when it has none."""
    interval = f"INTERVAL={max(p.cycle, 1)}"
    if p.pattern == RecurrencePattern.Daily:
        if p.sub_pattern == RecurrenceDailyPattern.EveryCyclicDay:
            return f"FREQ=DAILY;{interval}"
        if p.sub_pattern == RecurrenceDailyPattern.EveryWorkday:
            return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;WKST=MO"
        if p.sub_pattern == RecurrenceDailyPattern.EveryWeekday:
            return "FREQ=DAILY"
        return None
    if p.pattern == RecurrencePattern.Weekly and _byday(p.weekdays):
        return f"FREQ=WEEKLY;{interval};BYDAY={_byday(p.weekdays)};WKST=MO"
    nth = f"BYDAY={_byday(p.weekdays)};BYSETPOS={_SETPOS[p.week_of_month]}" \
        if _byday(p.weekdays) and p.week_of_month in _SETPOS else ""
    if p.pattern == RecurrencePattern.Monthly:
        if p.sub_pattern == RecurrenceMonthlyPattern.DayOfMonth and 1 <= p.day <= 31:
            return f"FREQ=MONTHLY;{interval};BYMONTHDAY={p.day}"
        if p.sub_pattern == RecurrenceMonthlyPattern.WeekdayOfMonth and nth:
            return f"FREQ=MONTHLY;{interval};{nth}"
        return None
    if p.pattern == RecurrencePattern.Yearly:
        month = f"BYMONTH={p.month or first.month}"
        if p.sub_pattern == RecurrenceYearlyPattern.DayOfMonth and 1 <= p.day <= 31:
            return f"FREQ=YEARLY;{interval};{month};BYMONTHDAY={p.day}"
        if p.sub_pattern == RecurrenceYearlyPattern.WeekdayOfMonth and nth:
            return f"FREQ=YEARLY;{interval};{month};{nth}"
    return None


def series_rrule(p: Pattern, starts: Sequence[datetime], zone: ZoneInfo, allday: bool
                 ) -> tuple[str, list[datetime]] | None:
    """The RRULE and the EXDATEs (wall clock, as `starts`) whose expansion from the first start is exactly
    `starts` (the occurrences' wall-clock starts in `zone`, ascending), or None when no RRULE says that."""
    if len(starts) < 2 or len(set(starts)) != len(starts):
        return None
    base = rule_text(p, starts[0].date())
    if base is None:
        return None
    last = starts[-1]
    if allday:
        until = f"{last:%Y%m%d}"
        dtstart = starts[0]
    else:
        until = last.replace(tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        dtstart = starts[0].replace(tzinfo=zone)
    text = f"{base};UNTIL={until}"
    try:
        expanded = list(islice(rr.rrulestr(text, dtstart=dtstart), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError):
        return None
    if len(expanded) > MAX_OCCURRENCES:
        return None
    walls = [e.replace(tzinfo=None) for e in expanded]
    wanted = set(starts)
    if not wanted <= set(walls) or walls[0] != starts[0]:
        return None
    return text, [w for w in walls if w not in wanted]
