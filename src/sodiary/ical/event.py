"""What an invitation says about one booking: plain records, no I/O.

Instants are UTC (aware); an all-day booking carries its calendar dates instead. Internal notes have
no field here at all, so they cannot leave the server by mistake.
"""

from __future__ import annotations

from datetime import date, datetime

import msgspec


class Party(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    email: str


class Attendee(Party, frozen=True, kw_only=True):
    partstat: str = "NEEDS-ACTION"  # RFC 5545 PARTSTAT
    rsvp: bool = True


class Event(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    sequence: int
    dtstamp: datetime  # UTC
    organizer: Party
    attendees: tuple[Attendee, ...] = ()
    start: datetime | None = None  # UTC, a timed booking
    end: datetime | None = None
    start_date: date | None = None  # an all-day booking: DTSTART;VALUE=DATE
    end_date: date | None = None  # exclusive, as RFC 5545 has it
    summary: str = ""
    location: str = ""
    description: str = ""
    cancelled: bool = False  # STATUS:CANCELLED (the whole booking, not one attendee)
    # A series as one recurring event: DTSTART/DTEND are then written in `tzid` (with its VTIMEZONE), so
    # the RRULE keeps the wall clock across daylight-saving changes; EXDATEs are instants (UTC) or dates.
    tzid: str = ""
    rrule: str = ""  # RFC 5545 RECUR value, e.g. FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;UNTIL=20330505T080000Z
    exdates: tuple[datetime, ...] = ()
    exdate_days: tuple[date, ...] = ()
    # One occurrence of such a series (its original start): a change or cancel of that occurrence only.
    recurrence_id: datetime | None = None
    recurrence_date: date | None = None
    # The whole series at once (RFC 5546 §2.1.4): the occurrences that differ from the RRULE's instance,
    # each an Event of the same UID with its RECURRENCE-ID, written after the master in one VCALENDAR.
    overrides: tuple[Event, ...] = ()
