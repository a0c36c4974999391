"""Mail in (issue 15): the iCalendar object of an incoming e-mail, and what an external organiser's REQUEST
or CANCEL says, as plain records.

An MTA hands over whole messages, so this is where hostile input arrives first: the message size, the MIME
nesting and the calendar part are bounded before anything is parsed, and any failure is an IcsError naming
what is wrong (the route's 400, the CLI's exit code), never an exception from deep inside a parser.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, time, timedelta
from email.message import Message

import icalendar
import msgspec

from .reply import IcsError, _short, _when, address

MAX_MESSAGE_BYTES = 25_000_000  # a whole e-mail, attachments included
MAX_CALENDAR_BYTES = 1_000_000  # its calendar part: an invitation is a few kB
MAX_PARTS = 200
MAX_DEPTH = 10


class Incoming(msgspec.Struct, frozen=True, kw_only=True):
    """One event of an organiser's REQUEST (or CANCEL) to the attendees it names."""

    method: str  # REQUEST | CANCEL
    uid: str
    sequence: int
    dtstamp: datetime  # UTC
    organizer_email: str
    organizer_name: str = ""
    attendees: tuple[str, ...] = ()  # addresses, as written
    summary: str = ""
    location: str = ""
    description: str = ""
    start: datetime | None = None  # UTC
    end: datetime | None = None
    start_date: date | None = None  # all-day; end exclusive
    end_date: date | None = None


def calendar_part(raw: bytes) -> bytes:
    """The first text/calendar part of an e-mail (inline, in any multipart, or an .ics attachment)."""
    if len(raw) > MAX_MESSAGE_BYTES:
        raise IcsError(f"the message is larger than {MAX_MESSAGE_BYTES} bytes")
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    seen = 0
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop(0)
        seen += 1
        if seen > MAX_PARTS:
            raise IcsError(f"the message has more than {MAX_PARTS} MIME parts")
        if part.is_multipart():
            if depth >= MAX_DEPTH:
                raise IcsError(f"the message nests MIME parts deeper than {MAX_DEPTH}")
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend((p, depth + 1) for p in payload if isinstance(p, Message))
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or name.endswith(".ics"):
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes) or not data:
                continue
            if len(data) > MAX_CALENDAR_BYTES:
                raise IcsError(f"the calendar part is larger than {MAX_CALENDAR_BYTES} bytes")
            return data
    raise IcsError("the message has no text/calendar part")


def method_of(data: bytes) -> str:
    """The METHOD of an iCalendar object (upper case; "" when missing)."""
    cal = _calendar(data)
    return str(cal.get("METHOD", "")).strip().upper()


def parse_incoming(data: bytes) -> Incoming:
    """An organiser's REQUEST or CANCEL of one event (the first VEVENT without RECURRENCE-ID)."""
    cal = _calendar(data)
    method = str(cal.get("METHOD", "")).strip().upper()
    if method not in ("REQUEST", "CANCEL"):
        raise IcsError(f"METHOD is {method or 'missing'}, not REQUEST or CANCEL")
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not events:
        raise IcsError(f"the {method} has no VEVENT")
    if len(events) > 500:
        raise IcsError("the message has more than 500 VEVENTs")
    main = next((e for e in events if e.get("RECURRENCE-ID") is None), events[0])
    uid = str(main.get("UID", "")).strip()
    if not uid or len(uid) > 255:
        raise IcsError("the VEVENT has no usable UID")
    organizer = main.get("ORGANIZER")
    organizer_email = address(organizer) if organizer is not None else ""
    if "@" not in organizer_email:
        raise IcsError("the invitation has no ORGANIZER e-mail address")
    name = str(getattr(organizer, "params", {}).get("CN", "")).strip()
    raw_attendees = main.get("ATTENDEE", [])
    if not isinstance(raw_attendees, list):
        raw_attendees = [raw_attendees]
    attendees = tuple(a for a in (address(x) for x in raw_attendees) if "@" in a)
    sequence = _sequence(main.get("SEQUENCE"))
    stamp_raw = main.get("DTSTAMP")
    stamp = _when(stamp_raw, "DTSTAMP") if stamp_raw is not None else datetime.now(UTC)
    if not isinstance(stamp, datetime):
        stamp = datetime.combine(stamp, time(0), UTC)
    times = _times(main) if method == "REQUEST" else {}
    return Incoming(method=method, uid=uid, sequence=sequence, dtstamp=stamp, organizer_email=organizer_email,
                    organizer_name=_line(name), attendees=attendees, summary=_line(str(main.get("SUMMARY", ""))),
                    location=_line(str(main.get("LOCATION", ""))), description=str(main.get("DESCRIPTION", "")),
                    **times)  # type: ignore[arg-type]


def _calendar(data: bytes) -> icalendar.Calendar:
    if len(data) > MAX_CALENDAR_BYTES:
        raise IcsError(f"the iCalendar data is larger than {MAX_CALENDAR_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise IcsError(f"not iCalendar data ({_short(exc)})") from None
    if len(calendars) != 1 or calendars[0].name != "VCALENDAR":
        raise IcsError("expected one VCALENDAR")
    return calendars[0]


def _times(event: icalendar.cal.Component) -> dict[str, object]:
    raw_start = event.get("DTSTART")
    if raw_start is None:
        raise IcsError("the REQUEST has no DTSTART")
    start = _when(raw_start, "DTSTART")
    raw_end = event.get("DTEND")
    if raw_end is not None:
        end = _when(raw_end, "DTEND")
    else:
        duration = event.get("DURATION")
        length = getattr(duration, "dt", None)
        if not isinstance(length, timedelta):
            length = timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)
        end = start + length
    if isinstance(start, datetime):
        if not isinstance(end, datetime):
            raise IcsError("DTSTART and DTEND are not of one kind")
        if end < start:
            raise IcsError("DTEND is before DTSTART")
        return {"start": start, "end": end}
    if isinstance(end, datetime):
        raise IcsError("DTSTART and DTEND are not of one kind")
    return {"start_date": start, "end_date": max(end, start + timedelta(days=1))}


def _sequence(raw: object) -> int:
    if raw is None:
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise IcsError("SEQUENCE is not an integer") from None
    if not 0 <= value <= 2_147_483_647:
        raise IcsError("SEQUENCE is out of range")
    return value


def _line(text: str) -> str:
    return " ".join(text.split())[:254]
