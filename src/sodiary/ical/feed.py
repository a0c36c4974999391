"""A user's diary as a subscribable VCALENDAR (RFC 5545, no METHOD: a published calendar, not a message).

Each diary row is one VEVENT in UTC, so a reader needs no VTIMEZONE; an occurrence of a series is a row
of its own in sodiary, so it is an event of its own here too (as the invitations mail it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

import icalendar
import msgspec

from .itip import PRODID


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    dtstamp: datetime  # UTC: the row's last change
    start: datetime | None = None  # UTC, timed
    end: datetime | None = None
    start_date: date | None = None  # all-day; end exclusive
    end_date: date | None = None
    summary: str = ""
    location: str = ""
    partstat: str = ""  # the user's answer to an invitation; "" for their own appointment
    private: bool = False


def feed_ics(entries: Iterable[FeedEntry], name: str) -> bytes:
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
    return bytes(cal.to_ical())
