"""A calendar file read for `sodiary import` (issue 15): each UID's events, series expanded into occurrences
with their exceptions applied, as plain records; what cannot be imported is listed with the reason.

A series is expanded here (python-dateutil, as the feed's readers do): RRULE, RDATE and EXDATE from the master
VEVENT, then every RECURRENCE-ID override replaces its occurrence (or removes it, STATUS:CANCELLED). An open
series (no COUNT or UNTIL) is cut as far past its start (or now, if later) as the horizon is past now, and any
series at the domain's occurrence limit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import msgspec
from dateutil import rrule as dr

from .reply import IcsError, _short

MAX_FILE_BYTES = 50_000_000


class Occurrence(msgspec.Struct, frozen=True, kw_only=True):
    start: datetime | None = None  # aware
    end: datetime | None = None
    start_date: date | None = None  # all-day; end exclusive
    end_date: date | None = None
    summary: str = ""
    location: str = ""
    description: str = ""


class Imported(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    summary: str
    location: str = ""
    description: str = ""
    private: bool = False
    zone: str = ""  # the master's IANA zone, whose wall clock a series keeps; "" = UTC or floating
    occurrences: tuple[Occurrence, ...] = ()
    cut: bool = False  # an open or overlong series, cut at the horizon or the limit


class Skipped(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    summary: str
    reason: str


def read_calendar(data: bytes, floating: tzinfo, horizon: datetime, limit: int) -> tuple[list[Imported], list[Skipped]]:
    """Every VEVENT of the file, grouped by UID; `floating` is the zone of times without one."""
    if len(data) > MAX_FILE_BYTES:
        raise IcsError(f"the file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise IcsError(f"not iCalendar data ({_short(exc)})") from None
    if not calendars:
        raise IcsError("no VCALENDAR in the file")
    groups: dict[str, list[icalendar.cal.Component]] = defaultdict(list)
    skipped: list[Skipped] = []
    for cal in calendars:
        for event in cal.walk("VEVENT"):
            uid = str(event.get("UID", "")).strip()
            if not uid:
                skipped.append(Skipped(uid="", summary=_line(event.get("SUMMARY", "")),
                                       reason="no UID: it could not be imported only once"))
            elif len(uid) > 255:
                skipped.append(Skipped(uid=uid[:40] + "…", summary=_line(event.get("SUMMARY", "")),
                                       reason="the UID is longer than 255 characters"))
            else:
                groups[uid].append(event)
    imported = []
    for uid, events in groups.items():
        try:
            found = _one(uid, events, floating, horizon, limit)
        except (IcsError, ValueError, TypeError, OverflowError) as exc:
            master = events[0]
            skipped.append(Skipped(uid=uid, summary=_line(master.get("SUMMARY", "")), reason=_short(exc)))
            continue
        if isinstance(found, Skipped):
            skipped.append(found)
        else:
            imported.append(found)
    return imported, skipped


def _one(uid: str, events: list[icalendar.cal.Component], floating: tzinfo, horizon: datetime,
         limit: int) -> Imported | Skipped:
    masters = [e for e in events if e.get("RECURRENCE-ID") is None]
    overrides = [e for e in events if e.get("RECURRENCE-ID") is not None]
    if len(masters) > 1:
        return Skipped(uid=uid, summary=_line(masters[0].get("SUMMARY", "")), reason="the UID names several events")
    if not masters:
        return Skipped(uid=uid, summary=_line(overrides[0].get("SUMMARY", "")),
                       reason="only exceptions of a series that is not in the file")
    master = masters[0]
    summary = _line(master.get("SUMMARY", ""))
    if str(master.get("STATUS", "")).upper() == "CANCELLED":
        return Skipped(uid=uid, summary=summary, reason="cancelled")
    base = _occurrence(master, floating)
    start = _start_of(base)
    starts, cut = _expand(master, start, floating, horizon, limit)
    by_key = {_key(s): _moved(base, s) for s in starts}
    for override in overrides:
        key = _key(_value(override.get("RECURRENCE-ID"), floating))
        if str(override.get("STATUS", "")).upper() == "CANCELLED":
            by_key.pop(key, None)
        elif key in by_key or not cut:
            by_key[key] = _occurrence(override, floating)
    if not by_key:
        return Skipped(uid=uid, summary=summary, reason="no occurrence left (every one excluded or cancelled)")
    occurrences = tuple(by_key[k] for k in sorted(by_key))
    dtstart = master.get("DTSTART")
    zone = ""
    value = getattr(dtstart, "dt", None)
    if isinstance(value, datetime) and isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key != "UTC":
        zone = value.tzinfo.key
    private = str(master.get("CLASS", "")).upper() in ("PRIVATE", "CONFIDENTIAL")
    return Imported(uid=uid, summary=summary, location=base.location, description=base.description,
                    private=private, zone=zone, occurrences=occurrences, cut=cut)


def _occurrence(event: icalendar.cal.Component, floating: tzinfo) -> Occurrence:
    raw = event.get("DTSTART")
    if raw is None:
        raise IcsError("no DTSTART")
    start = _value(raw, floating)
    raw_end = event.get("DTEND")
    if raw_end is not None:
        end = _value(raw_end, floating)
    else:
        length = getattr(event.get("DURATION"), "dt", None)
        if not isinstance(length, timedelta):
            length = timedelta(0) if isinstance(start, datetime) else timedelta(days=1)
        end = start + length
    texts = dict(summary=_line(event.get("SUMMARY", "")), location=_line(event.get("LOCATION", "")),
                 description=str(event.get("DESCRIPTION", "")))
    if isinstance(start, datetime):
        if not isinstance(end, datetime):
            raise IcsError("DTSTART and DTEND are not of one kind")
        if end < start:
            raise IcsError("DTEND is before DTSTART")
        return Occurrence(start=start, end=end, **texts)  # type: ignore[arg-type]
    if isinstance(end, datetime):
        raise IcsError("DTSTART and DTEND are not of one kind")
    return Occurrence(start_date=start, end_date=max(end, start + timedelta(days=1)), **texts)  # type: ignore[arg-type]


def _value(raw: Any, floating: tzinfo) -> datetime | date:
    try:
        value = raw.dt
    except (AttributeError, ValueError) as exc:
        raise IcsError(f"a date is not a date or date-time ({_short(exc)})") from None
    if isinstance(value, datetime):
        return value.replace(tzinfo=floating) if value.tzinfo is None else value
    if isinstance(value, date):
        return value
    raise IcsError("a date is not a date or date-time")


def _start_of(o: Occurrence) -> datetime | date:
    if o.start is not None:
        return o.start
    assert o.start_date is not None
    return o.start_date


def _key(when: datetime | date) -> tuple[date, datetime]:
    if isinstance(when, datetime):
        return when.astimezone(UTC).date(), when.astimezone(UTC)
    return when, datetime.combine(when, time(0), UTC)


def _moved(base: Occurrence, start: datetime | date) -> Occurrence:
    if isinstance(start, datetime):
        assert base.start is not None and base.end is not None
        return msgspec.structs.replace(base, start=start, end=start + (base.end - base.start))
    assert base.start_date is not None and base.end_date is not None
    return msgspec.structs.replace(base, start_date=start, end_date=start + (base.end_date - base.start_date))


def _expand(master: icalendar.cal.Component, start: datetime | date, floating: tzinfo, horizon: datetime,
            limit: int) -> tuple[list[datetime | date], bool]:
    rules = master.get("RRULE")
    rdates = _dates(master.get("RDATE"), floating)
    if rules is None and not rdates:
        return [start], False
    all_day = not isinstance(start, datetime)
    first = datetime.combine(start, time(0)) if all_day else start
    assert isinstance(first, datetime)
    rset = dr.rruleset()
    rset.rdate(first)  # DTSTART is always the first instance (RFC 5545 §3.8.5.3)
    for rule in rules if isinstance(rules, list) else ([rules] if rules is not None else []):
        text = rule.to_ical().decode()
        if all_day:
            text = ";".join(p if not p.startswith("UNTIL=") else p[:14] for p in text.split(";"))
        rset.rrule(dr.rrulestr(f"RRULE:{text}", dtstart=first, ignoretz=all_day))
    for when in rdates:
        rset.rdate(_as_first(when, all_day))
    for when in _dates(master.get("EXDATE"), floating):
        rset.exdate(_as_first(when, all_day))
    # An open series goes this far past now or its own start, whichever is later.
    aware_first = first.replace(tzinfo=UTC) if all_day else first
    bound = max(horizon, aware_first + (horizon - datetime.now(UTC)))
    bound = bound.replace(tzinfo=None) if all_day else bound
    found: list[datetime] = []
    cut = False
    for when in islice(rset, limit + 1):
        if when > bound:
            cut = True
            break
        found.append(when)
    if len(found) > limit:
        found, cut = found[:limit], True
    return ([w.date() for w in found] if all_day else list(found)), cut


def _dates(raw: Any, floating: tzinfo) -> list[datetime | date]:
    out: list[datetime | date] = []
    for prop in raw if isinstance(raw, list) else ([raw] if raw is not None else []):
        for item in getattr(prop, "dts", []):
            out.append(_value(item, floating))
    return out


def _as_first(when: datetime | date, all_day: bool) -> datetime:
    if all_day:
        return datetime.combine(when if not isinstance(when, datetime) else when.date(), time(0))
    if isinstance(when, datetime):
        return when
    return datetime.combine(when, time(0), UTC)


def _line(value: object) -> str:
    return " ".join(str(value).split())[:254]
