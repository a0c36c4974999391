"""A recurring booking as one VEVENT with RRULE (RFC 5545 §3.8.5): the one home of the mapping of
SuperOffice's recurrence patterns onto RRULEs, used by the subscription feed and by the mailed invitations.

sodiary keeps one row per occurrence, and SuperOffice's patterns are not RFC 5545's in every corner
(month-end clamping, yearly cycles, a series zone other than the feed's). So the RRULE is only the short
description; the truth is the rows. Both users expand the RRULE with python-dateutil, as readers do, and
compare with the rows:

- the feed (`series_entries`): every date the RRULE yields that has no row in the diary becomes an EXDATE,
  every row it does not yield an RDATE: whatever the mapping misses, a reader expands the diary's occurrences;
- the mail (`series_rrule`): an invitation goes to Outlook, Exchange and Google, which take fewer forms
  (no RDATE, no BYSETPOS over a BYMONTHDAY list), so an RRULE is only mailed when its expansion, less
  EXDATEs, is exactly the stored starts; otherwise each occurrence is mailed as an event of its own.

(`sodiary import` reads RRULEs the other way: it expands them with python-dateutil into a Custom series of
exact dates, ical/importing.py, and needs no pattern mapping.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from dateutil import rrule as dr
from msgspec.structs import replace

from ..domain.enums import (
    RecurrenceDailyPattern,
    RecurrenceMonthlyPattern,
    RecurrencePattern,
    RecurrenceYearlyPattern,
    Weekday,
    WeekOfMonth,
)
from ..domain.recurrence import MAX_OCCURRENCES
from .feed import FeedEntry

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_SETPOS: dict[int, int] = {WeekOfMonth.First: 1, WeekOfMonth.Second: 2, WeekOfMonth.Third: 3, WeekOfMonth.Fourth: 4,
           WeekOfMonth.Last: -1}

When = datetime | date


@dataclass(frozen=True, slots=True)
class Pattern:
    """The columns of a recurrence_rule row that shape the dates (the end comes from the rows)."""

    pattern: int
    sub_pattern: int = 0
    cycle: int = 1
    weekdays: int = 0
    day: int = 0
    week_of_month: int = 0
    month: int = 0


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One of the user's rows of the series: its original start (aware, in the series zone; a date when
    all-day) and what the feed shows for it, None when it is not in the diary (declined, cancelled)."""

    original: When
    entry: FeedEntry | None


def rrule_of(p: Pattern, first: date | None = None) -> dict[str, Any] | None:
    """The RRULE parts for the pattern, without its end; None for Custom (its dates are RDATEs). `first`,
    the first occurrence, gives a yearly rule's month when the rule has none (month 0 = the start's)."""
    try:
        pattern = RecurrencePattern(p.pattern)
    except ValueError:
        return None
    cycle = max(p.cycle, 1)
    if pattern is RecurrencePattern.Daily:
        if p.sub_pattern == RecurrenceDailyPattern.EveryWorkday:
            return {"FREQ": "WEEKLY", "BYDAY": list(_DAYS[:5]), "WKST": "MO"}
        if p.sub_pattern == RecurrenceDailyPattern.EveryWeekday:
            return {"FREQ": "DAILY"}
        return {"FREQ": "DAILY", "INTERVAL": cycle}
    if pattern is RecurrencePattern.Weekly:
        # SuperOffice's weeks run Monday to Sunday, so WKST=MO keeps INTERVAL's weeks aligned with them.
        return {"FREQ": "WEEKLY", "INTERVAL": cycle, "BYDAY": _days(p.weekdays), "WKST": "MO"}
    if pattern is RecurrencePattern.Monthly:
        by_day = p.sub_pattern == RecurrenceMonthlyPattern.WeekdayOfMonth
        return {"FREQ": "MONTHLY", "INTERVAL": cycle, **_in_month(p, by_day)}
    if pattern is RecurrencePattern.Yearly:
        by_day = p.sub_pattern == RecurrenceYearlyPattern.WeekdayOfMonth
        parts: dict[str, Any] = {"FREQ": "YEARLY", "INTERVAL": cycle}
        if p.month or first is not None:
            parts["BYMONTH"] = p.month or (first.month if first is not None else 1)
        return {**parts, **_in_month(p, by_day)}
    return None


def _days(weekdays: int) -> list[str]:
    return [name for bit, name in enumerate(_DAYS) if weekdays & (1 << bit)] or ["MO"]


def _in_month(p: Pattern, by_day: bool) -> dict[str, Any]:
    if by_day:
        # "The second Tuesday or Thursday": every matching day of the month, the n-th of them.
        return {"BYDAY": _days(p.weekdays or int(Weekday.Monday)), "BYSETPOS": _SETPOS.get(p.week_of_month, 1)}
    day = min(max(p.day, 1), 31)
    if day <= 28:
        return {"BYMONTHDAY": day}
    # Day 31 of a 30-day month is its last day in SuperOffice, which RFC 5545 says as "the last of 28..31".
    return {"BYMONTHDAY": list(range(28, day + 1)), "BYSETPOS": -1}


def series_entries(uid: str, rule: dict[str, Any] | None, occurrences: Sequence[Occurrence]) -> list[FeedEntry]:
    """The master VEVENT and its overrides for one user's rows of a series; [] when none is in the diary."""
    occurrences = sorted(occurrences, key=lambda o: _key(o.original))
    shown = [o for o in occurrences if o.entry is not None]
    if not shown:
        return []
    first, last = occurrences[0].original, occurrences[-1].original
    template = shown[0].entry
    assert template is not None
    length = _length(template)
    expected = _expand(rule, first, last)
    kept = {_key(o.original) for o in shown}
    rdates = tuple(o.original for o in shown if _key(o.original) not in expected)
    exdates = tuple(sorted((w for k, w in expected.items() if k not in kept), key=_key))
    master = replace(template, uid=uid, rrule=_with_end(rule, last) if rule is not None else None,
                     rdates=rdates, exdates=exdates, recurrence_id=None,
                     dtstamp=max(o.entry.dtstamp for o in shown if o.entry is not None),
                     **_times(first, length))
    overrides = []
    for o in shown:
        assert o.entry is not None
        if not _same(o.entry, o.original, length, template):
            overrides.append(replace(o.entry, uid=uid, recurrence_id=o.original))
    return [master, *overrides]


def _key(when: When) -> datetime | date:
    return when.astimezone(UTC) if isinstance(when, datetime) else when


def _length(entry: FeedEntry) -> timedelta:
    if entry.start_date is not None and entry.end_date is not None:
        return entry.end_date - entry.start_date
    assert entry.start is not None and entry.end is not None
    return entry.end - entry.start


def _times(start: When, length: timedelta) -> dict[str, Any]:
    if isinstance(start, datetime):
        return {"start": start, "end": start + length, "start_date": None, "end_date": None}
    return {"start_date": start, "end_date": start + length, "start": None, "end": None}


def _same(entry: FeedEntry, original: When, length: timedelta, template: FeedEntry) -> bool:
    if isinstance(original, datetime):
        placed = entry.start == original and entry.end is not None and entry.start is not None \
            and entry.end - entry.start == length
    else:
        placed = entry.start_date == original and _length(entry) == length
    return placed and (entry.summary, entry.location, entry.partstat, entry.private) == (
        template.summary, template.location, template.partstat, template.private)


def _with_end(rule: dict[str, Any], last: When) -> dict[str, Any]:
    # With a TZID'd DTSTART, UNTIL must be UTC (RFC 5545 §3.3.10); an all-day series ends on a date.
    return {**rule, "UNTIL": last.astimezone(UTC) if isinstance(last, datetime) else last}


def _expand(rule: dict[str, Any] | None, first: When, last: When) -> dict[datetime | date, When]:
    """What a reader expands from the RRULE: DTSTART always, then the rule's dates up to `last`."""
    found: dict[datetime | date, When] = {_key(first): first}
    if rule is None:
        return found
    text = icalendar.vRecur(rule).to_ical().decode()
    if isinstance(first, datetime):
        until = last.astimezone(UTC) if isinstance(last, datetime) else None
        for when in dr.rrulestr(f"RRULE:{text}", dtstart=first, forceset=True).between(first, until, inc=True):
            found[_key(when)] = when
    else:
        start = datetime.combine(first, datetime.min.time())
        end = datetime.combine(last if isinstance(last, date) else last.date(), datetime.min.time())
        for when in dr.rrulestr(f"RRULE:{text}", dtstart=start, forceset=True).between(start, end, inc=True):
            found[when.date()] = when.date()
    return found


# --- The mail's RRULE ---------------------------------------------------------------------------------


def rrule_text(parts: dict[str, Any]) -> str:
    """The RECUR value in the parts' own order (FREQ first, UNTIL last), as mailed."""
    return ";".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in parts.items())


def _portable(parts: dict[str, Any]) -> bool:
    # Outlook/Exchange hold BYSETPOS only with BYDAY (the n-th weekday); the month-end clamp of day 29..31
    # (BYMONTHDAY=28..31;BYSETPOS=-1) has no place in their recurrence model, so it is not mailed.
    return not ("BYSETPOS" in parts and "BYMONTHDAY" in parts)


def moved_by_days(p: Pattern, days: int) -> Pattern:
    """The pattern of a series whose every occurrence moved by whole days (a this-and-following move to
    another weekday): a weekly rule's days turn with it; every other pattern stays as it is."""
    if p.pattern != RecurrencePattern.Weekly or not days % 7:
        return p
    turned = 0
    for bit in range(7):
        if p.weekdays & (1 << bit):
            turned |= 1 << ((bit + days) % 7)
    return replace_pattern(p, weekdays=turned)


def replace_pattern(p: Pattern, **changes: int) -> Pattern:
    return Pattern(**{**{k: getattr(p, k) for k in Pattern.__slots__}, **changes})


_SHORTEST_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def mailable(p: Pattern, first: date | None = None) -> bool:
    """Whether an invitation can carry the pattern as one RRULE: not Custom, not a month end SuperOffice
    clamps (day 29..31 of a month, 29 February), not a weekly rule without days (rrule_of's Monday is the
    feed's guess). Otherwise each occurrence is mailed alone, and the booking carries SuperOffice's
    CautionWarning RecurrencePatternNotSupported."""
    parts = rrule_of(p, first)
    if parts is None or not _portable(parts):
        return False
    if p.pattern == RecurrencePattern.Weekly:
        return bool(p.weekdays)
    if p.pattern == RecurrencePattern.Yearly and p.sub_pattern != RecurrenceYearlyPattern.WeekdayOfMonth:
        return p.day <= _SHORTEST_MONTH[int(parts.get("BYMONTH", 1)) - 1]
    return True


def series_rrule(p: Pattern, starts: Sequence[datetime], zone: ZoneInfo, allday: bool
                 ) -> tuple[str, list[datetime]] | None:
    """The RRULE and the EXDATEs (wall clock, as `starts`) whose expansion from the first start is exactly
    `starts` (the occurrences' wall-clock starts in `zone`, ascending), or None when no RRULE says that."""
    if allday:
        # An all-day occurrence is its date, whatever clock time the row keeps.
        starts = [datetime.combine(s.date(), datetime.min.time()) for s in starts]
    if len(starts) < 2 or len(set(starts)) != len(starts):
        return None
    parts = rrule_of(p, starts[0].date())
    if parts is None or not mailable(p, starts[0].date()):
        return None
    last = starts[-1]
    if allday:
        until = f"{last:%Y%m%d}"
        dtstart = starts[0]
    else:
        until = last.replace(tzinfo=zone).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        dtstart = starts[0].replace(tzinfo=zone)
    text = f"{rrule_text(parts)};UNTIL={until}"
    try:
        expanded = list(islice(dr.rrulestr(text, dtstart=dtstart), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, OverflowError):
        return None
    if len(expanded) > MAX_OCCURRENCES:
        return None
    walls = [e.replace(tzinfo=None) for e in expanded]
    wanted = set(starts)
    if not wanted <= set(walls) or walls[0] != starts[0]:
        return None
    return text, [w for w in walls if w not in wanted]
