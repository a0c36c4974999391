"""An Event as an iTIP message: METHOD REQUEST, CANCEL or REPLY (RFC 5546), built with `icalendar`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

import icalendar

from .event import Attendee, Event, Party

PRODID = "-//sodiary//sodiary//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    REPLY = "REPLY"


def _address(party: Party, **params: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{party.email}")
    if party.name:
        address.params["CN"] = icalendar.vText(_one_line(party.name))
    for key, value in params.items():
        address.params[key] = icalendar.vText(value)
    return address


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _attendee(attendee: Attendee, method: Method) -> icalendar.vCalAddress:
    params = {"CUTYPE": "INDIVIDUAL", "ROLE": "REQ-PARTICIPANT", "PARTSTAT": attendee.partstat}
    if method is Method.REQUEST and attendee.rsvp:
        params["RSVP"] = "TRUE"
    return _address(attendee, **params)


def to_ics(event: Event, method: Method, attendees: tuple[Attendee, ...] | None = None) -> bytes:
    """The VCALENDAR for `event` (and its overrides). `attendees` narrows the ATTENDEE list (a REPLY names
    only who answers, a CANCEL sent to one removed participant names only them)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method.value)
    zone = _zone(event.tzid)
    cal.add_component(_vevent(event, method, attendees, zone))
    emails = {a.email for a in attendees} if attendees is not None else set()
    for override in event.overrides:
        # A narrowed copy stays narrowed in every occurrence it describes.
        mine = None if attendees is None else tuple(a for a in override.attendees if a.email in emails) or attendees
        cal.add_component(_vevent(override, method, mine, zone))
    if zone is not None:
        cal.add_missing_timezones()  # the VTIMEZONE of TZID, so every client reads the same instants
    return bytes(cal.to_ical())


def _vevent(event: Event, method: Method, attendees: tuple[Attendee, ...] | None,
            zone: ZoneInfo | None) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.dtstamp)

    def local(instant: datetime) -> datetime:
        return instant.astimezone(zone) if zone is not None else instant

    if event.start_date is not None and event.end_date is not None:
        vevent.add("dtstart", event.start_date)
        vevent.add("dtend", event.end_date)
    elif event.start is not None and event.end is not None:
        vevent.add("dtstart", local(event.start))
        vevent.add("dtend", local(event.end))
    if event.rrule:
        vevent.add("rrule", icalendar.vRecur.from_ical(event.rrule))
    for instant in event.exdates:
        vevent.add("exdate", local(instant))
    for day in event.exdate_days:
        vevent.add("exdate", day)
    if event.recurrence_id is not None:
        vevent.add("recurrence-id", local(event.recurrence_id))
    elif event.recurrence_date is not None:
        vevent.add("recurrence-id", event.recurrence_date)
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("organizer", _address(event.organizer))
    for attendee in event.attendees if attendees is None else attendees:
        vevent.add("attendee", _attendee(attendee, method))
    if method is Method.CANCEL and event.cancelled:
        vevent.add("status", "CANCELLED")
    elif method is not Method.CANCEL:
        vevent.add("status", "CONFIRMED")
    vevent.add("transp", "OPAQUE")
    return vevent


def _zone(name: str) -> ZoneInfo | None:
    if not name or name == "UTC":
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):
        return None
