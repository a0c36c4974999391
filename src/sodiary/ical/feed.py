"""A user's diary as a subscribable VCALENDAR (RFC 5545, no METHOD: a published calendar, not a message).

A plain diary row is one VEVENT in UTC. A series is one VEVENT with RRULE in the zone its wall clock is kept
in (so a reader keeps 09:00 at 09:00 across DST), with a VTIMEZONE for it, plus its EXDATEs and RECURRENCE-ID
overrides (ical/series.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import msgspec

from .itip import PRODID


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    dtstamp: datetime  # UTC: the row's last change
    start: datetime | None = None  # aware: UTC for a plain row, the series zone for a series' master
    end: datetime | None = None
    start_date: date | None = None  # all-day; end exclusive
    end_date: date | None = None
    summary: str = ""
    location: str = ""
    partstat: str = ""  # the user's answer to an invitation; "" for their own appointment
    private: bool = False
    rrule: dict[str, Any] | None = None  # a series' master: icalendar.vRecur parts
    rdates: tuple[datetime | date, ...] = ()
    exdates: tuple[datetime | date, ...] = ()
    recurrence_id: datetime | date | None = None  # an override of one occurrence: its original start


def feed_ics(entries: Iterable[FeedEntry], name: str) -> bytes:
    entries = list(entries)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    # Calendar apps poll at their own pace; this asks for hourly (Outlook, Apple honour it).
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for e in entries:
        ev = icalendar.Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", e.dtstamp)
        if e.start_date is not None and e.end_date is not None:
            ev.add("dtstart", e.start_date)
            ev.add("dtend", e.end_date)
        elif e.start is not None and e.end is not None:
            ev.add("dtstart", e.start)
            ev.add("dtend", e.end)
        if e.recurrence_id is not None:
            ev.add("recurrence-id", e.recurrence_id)
        if e.rrule is not None:
            ev.add("rrule", icalendar.vRecur(e.rrule))
        if e.rdates:
            ev.add("rdate", list(e.rdates))
        if e.exdates:
            ev.add("exdate", list(e.exdates))
        ev.add("summary", e.summary)
        if e.location:
            ev.add("location", e.location)
        if e.private:
            ev.add("class", "PRIVATE")
        if e.partstat:
            attendee = icalendar.vCalAddress("urn:x-sodiary:me")
            attendee.params["PARTSTAT"] = e.partstat
            ev.add("attendee", attendee)
            ev.add("status", "CONFIRMED" if e.partstat == "ACCEPTED" else "TENTATIVE")
        else:
            ev.add("status", "CONFIRMED")
        ev.add("transp", "OPAQUE" if e.partstat in ("", "ACCEPTED") else "TRANSPARENT")
        cal.add_component(ev)
    span = [d for e in entries for d in _instants(e)]
    if span:
        # Only the years the series use: a VTIMEZONE from 1970 on would be most of the feed.
        cal.add_missing_timezones(first_date=min(span) - timedelta(days=366), last_date=max(span) + timedelta(days=366))
    return bytes(cal.to_ical())


def _instants(e: FeedEntry) -> list[date]:
    """The dates of an entry's zoned times (a plain row is in UTC and needs no VTIMEZONE)."""
    zoned = [w for w in (e.start, e.end, e.recurrence_id, *e.rdates, *e.exdates)
             if isinstance(w, datetime) and w.utcoffset() is not None and str(w.tzinfo) != "UTC"]
    until = (e.rrule or {}).get("UNTIL")
    if zoned and isinstance(until, datetime):
        zoned.append(until)
    return [w.date() for w in zoned]
