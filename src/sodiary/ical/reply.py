"""An iTIP REPLY (RFC 5546 §3.2.3) as a plain record: what one attendee answered to which event.

Real clients are sloppy, so this is lenient where RFC 5545 lets a reader be (upper-case `MAILTO:`, no
ORGANIZER or SUMMARY, a Windows zone name in TZID, unknown X- properties) and strict only where the answer
would otherwise be guessed: one METHOD:REPLY, one UID, one ATTENDEE with a PARTSTAT.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import msgspec

MAX_ICS_BYTES = 1_000_000  # a REPLY is a few kB; more is not a reply we would apply
MAX_EVENTS = 500  # a recurring REPLY may carry one VEVENT per answered occurrence


class IcsError(ValueError):
    """The data is not an iTIP REPLY sodiary can apply; the message says why, for the 400."""


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    """One VEVENT of the REPLY: the whole event, or one occurrence (RECURRENCE-ID)."""

    partstat: str  # ACCEPTED, DECLINED, TENTATIVE, NEEDS-ACTION, DELEGATED, …
    comment: str = ""
    recurrence_id: datetime | None = None  # UTC; a timed occurrence
    recurrence_date: date | None = None  # an all-day occurrence
    this_and_future: bool = False  # RANGE=THISANDFUTURE


class Reply(msgspec.Struct, frozen=True, kw_only=True):
    uid: str
    sequence: int
    dtstamp: datetime  # UTC
    attendee: str  # the e-mail address, as sent (compare with `same_address`)
    answers: tuple[Answer, ...]


def address(value: object) -> str:
    """The e-mail address of a CAL-ADDRESS: `mailto:` in any case stripped, surrounding blanks gone."""
    text = str(value).strip()
    if text[:7].lower() == "mailto:":
        text = text[7:]
    return text.strip()


def same_address(a: str, b: str) -> bool:
    return bool(a) and a.strip().casefold() == b.strip().casefold()


def parse_reply(data: bytes) -> Reply:
    if len(data) > MAX_ICS_BYTES:
        raise IcsError(f"the iCalendar data is larger than {MAX_ICS_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # Outlook's older exports; every byte is some character
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise IcsError(f"not iCalendar data ({_short(exc)})") from None
    if len(calendars) != 1:
        raise IcsError("expected one VCALENDAR")
    [cal] = calendars
    if cal.name != "VCALENDAR":
        raise IcsError("expected a VCALENDAR")
    method = str(cal.get("METHOD", "")).strip().upper()
    if method != "REPLY":
        raise IcsError(f"METHOD is {method or 'missing'}, not REPLY")
    events = [c for c in cal.subcomponents if c.name == "VEVENT"]
    if not events:
        raise IcsError("the REPLY has no VEVENT")
    if len(events) > MAX_EVENTS:
        raise IcsError(f"the REPLY has more than {MAX_EVENTS} VEVENTs")
    uids = {str(e.get("UID", "")).strip() for e in events}
    if len(uids) != 1 or "" in uids:
        raise IcsError("every VEVENT of a REPLY needs the one same UID")
    attendees: set[str] = set()
    answers = []
    sequence = 0
    stamps: list[datetime] = []
    for event in events:
        who, answer = _answer(event)
        attendees.add(who.casefold())
        answers.append(answer)
        sequence = max(sequence, _int(event.get("SEQUENCE"), "SEQUENCE"))
        stamps.append(_stamp(event))
    if len(attendees) != 1:
        raise IcsError("a REPLY answers for one ATTENDEE")
    return Reply(uid=uids.pop(), sequence=sequence, dtstamp=max(stamps), attendee=who, answers=tuple(answers))


def _answer(event: icalendar.cal.Component) -> tuple[str, Answer]:
    attendee = event.get("ATTENDEE")
    if isinstance(attendee, list):
        if len(attendee) != 1:
            raise IcsError("a REPLY names exactly one ATTENDEE")
        attendee = attendee[0]
    if attendee is None:
        raise IcsError("the REPLY names no ATTENDEE")
    who = address(attendee)
    if "@" not in who:
        raise IcsError("the ATTENDEE is not an e-mail address")
    params = getattr(attendee, "params", {})
    partstat = str(params.get("PARTSTAT", "")).strip().upper()
    if not partstat:
        raise IcsError("the ATTENDEE has no PARTSTAT")
    comment = event.get("COMMENT", "")
    if isinstance(comment, list):
        comment = "\n".join(str(c) for c in comment)
    rec_id: datetime | None = None
    rec_date: date | None = None
    future = False
    raw = event.get("RECURRENCE-ID")
    if raw is not None:
        value = _when(raw, "RECURRENCE-ID")
        if isinstance(value, datetime):
            rec_id = value
        else:
            rec_date = value
        future = str(getattr(raw, "params", {}).get("RANGE", "")).upper() == "THISANDFUTURE"
    return who, Answer(partstat=partstat, comment=" ".join(str(comment).split()), recurrence_id=rec_id,
                       recurrence_date=rec_date, this_and_future=future)


def _stamp(event: icalendar.cal.Component) -> datetime:
    raw = event.get("DTSTAMP")
    if raw is None:
        raise IcsError("the REPLY has no DTSTAMP")
    value = _when(raw, "DTSTAMP")
    if not isinstance(value, datetime):
        raise IcsError("DTSTAMP is not a date-time")
    return value


def _when(raw: object, name: str) -> datetime | date:
    try:
        value = raw.dt  # type: ignore[attr-defined]
    except (AttributeError, ValueError) as exc:
        raise IcsError(f"{name} is not a date or date-time ({_short(exc)})") from None
    if isinstance(value, datetime):
        # A floating time has no zone to convert from; UTC is the reading RFC 5546 replies use.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return value
    raise IcsError(f"{name} is not a date or date-time")


def _int(raw: object, name: str) -> int:
    if raw is None:
        return 0
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise IcsError(f"{name} is not an integer") from None
    if not 0 <= value <= 2_147_483_647:
        raise IcsError(f"{name} is out of range")
    return value


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
