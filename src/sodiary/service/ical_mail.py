"""Mail in (issue 15): an incoming e-mail's iCalendar object processed, and the user's answers to invitations
from external organisers (SuperOffice's "e-mail items": CreateAndAccept, CreateAndAcceptWithEmailConfirmation,
DeclineInvitationFromEmailItem).

A REPLY to one of our invitations goes through service/ical.py's reply path, handed in by the server itself.
A REQUEST from someone else to one of our users becomes an e-mail item in that user's inbox (one per user and
UID; a later SEQUENCE updates it, an older one is ignored); a CANCEL from the same organiser cancels it, and
takes the appointment its acceptance made out of the diary. The answers mail the organiser an iMIP REPLY
through the outbox, in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import DomainError, Invalid, NotFound
from ..domain.recurrence import MAX_OCCURRENCES
from ..ical import Attendee, Event, Method, Party
from ..ical.importing import Imported, read_calendar
from ..ical.incoming import MAX_MESSAGE_BYTES, Incoming, calendar_part, method_of, parse_incoming
from ..ical.reply import IcsError, parse_reply, same_address
from ..outbox import signal
from ..outbox.mail import MailPayload, encode, valid_address
from ..store import email_items, invitations, outbox
from ..store import entities as rows_store
from ..store.database import Database
from ..store.email_items import EmailItem
from . import entities as svc
from . import ical, ical_import, organiser
from .clock import utc_now
from .context import Caller

__all__ = ["MAX_MESSAGE_BYTES", "Received", "create_and_accept", "decline", "items", "receive"]

PENDING, ACCEPTED, DECLINED, CANCELLED = "pending", "accepted", "declined", "cancelled"


@dataclass(frozen=True, slots=True)
class Received:
    """What one incoming message did, for the route's answer and the CLI's line."""

    method: str  # REPLY | REQUEST | CANCEL
    uid: str
    applied: bool  # the reply was applied / the invitation was stored or cancelled for somebody
    recipients: tuple[int, ...] = ()  # the users whose e-mail items it touched
    queued: int = 0  # mails written to the outbox (none today: the intake answers nobody)


async def receive(db: Database, raw: bytes, zone: str) -> Received:
    """Process one whole e-mail; IcsError when it carries no calendar object sodiary can act on."""
    refused, work = receive_unit(raw, zone)
    try:
        done = await db.transaction(work)
    except (ical.Refused, DomainError):
        return refused
    if done.queued:
        signal.wake()
    return done


def receive_unit(raw: bytes, zone: str) -> tuple[Received, Callable[[Connection], Received]]:
    """The message parsed (IcsError here, before any transaction) and its unit of work, with what to answer
    when the unit refuses (raises ical.Refused or a DomainError, rolling back): for `sodiary mail receive`,
    which runs it on its own connection, and for the route."""
    try:
        data = calendar_part(raw)
    except RecursionError:
        raise IcsError("the message nests MIME parts too deeply") from None
    method = method_of(data)
    if method == "REPLY":
        reply = parse_reply(data)
        refused = Received("REPLY", reply.uid, False)
        if not ical.applicable(reply):
            return refused, lambda conn: refused
        return refused, lambda conn: Received("REPLY", reply.uid, ical.apply_in(conn, None, reply, zone))
    incoming = parse_incoming(data)
    calendar = data.decode("utf-8", errors="replace")

    def work(conn: Connection) -> Received:
        touched = _incoming(conn, incoming, calendar, zone)
        return Received(incoming.method, incoming.uid, bool(touched), tuple(touched))

    return Received(incoming.method, incoming.uid, False), work


def _incoming(conn: Connection, inc: Incoming, calendar: str, zone: str) -> list[int]:
    if invitations.by_uid(conn, inc.uid) is not None:
        return []  # one of our own invitations come back (a loop, a forward): sodiary is its organiser
    users = email_items.users_by_address(conn, inc.attendees)
    now = utc_now()
    touched = []
    for associate_id, address in users.items():
        if same_address(address, inc.organizer_email):
            continue
        item = email_items.find(conn, associate_id, inc.uid)
        if item is not None and not same_address(item.organizer_email, inc.organizer_email):
            continue  # only the organiser who invited may change or cancel it
        if item is not None and (inc.sequence, _naive(inc.dtstamp)) < (item.event_sequence, item.event_dtstamp):
            continue  # stale (RFC 5546 §2.1.5)
        if inc.method == "CANCEL":
            if item is not None and item.status != CANCELLED:
                _cancel(conn, item, inc, now)
                touched.append(associate_id)
            continue
        values = {**_values(inc, address, now), "calendar": calendar}
        if item is None:
            email_items.add(conn, {**values, "associate_id": associate_id, "status": PENDING, "received": now})
        else:
            status = item.status if item.status in (ACCEPTED, DECLINED) else PENDING
            email_items.change(conn, item.email_item_id, {**values, "status": status, "updated": now})
            if item.status == ACCEPTED and item.appointment_id:
                _follow(conn, item, inc, zone)
        touched.append(associate_id)
    return touched


def _values(inc: Incoming, address: str, now: datetime) -> dict[str, object]:
    if inc.start is not None and inc.end is not None:
        start, end, allday = _naive(inc.start), _naive(inc.end), False
    else:
        assert inc.start_date is not None and inc.end_date is not None
        start, end = datetime.combine(inc.start_date, time(0)), datetime.combine(inc.end_date, time(0))
        allday = True
    return {"event_uid": inc.uid, "event_sequence": inc.sequence, "event_dtstamp": _naive(inc.dtstamp),
            "organizer_email": inc.organizer_email[:254], "organizer_fullname": inc.organizer_name,
            "attendee_email": address, "title": inc.summary, "location": inc.location,
            "description": inc.description, "start_utc": start, "end_utc": end, "is_allday": allday}


def _naive(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(tzinfo=None)


def _cancel(conn: Connection, item: EmailItem, inc: Incoming, now: datetime) -> None:
    email_items.change(conn, item.email_item_id, {"status": CANCELLED, "event_sequence": inc.sequence,
                                                  "event_dtstamp": _naive(inc.dtstamp), "updated": now})
    if item.status == ACCEPTED and item.appointment_id:
        _remove(conn, Caller(associate_id=item.associate_id, name="", scheme=ical.SCHEME), item.appointment_id)


def _remove(conn: Connection, owner: Caller, appointment_id: int) -> None:
    """Take the appointment an acceptance made out of the diary, every occurrence of a series."""
    row = rows_store.get_row(conn, appointment_id)
    if row is None:
        return
    mode = RecurrenceUpdateMode.ThisAndForward if row.recurrence_rule_id else RecurrenceUpdateMode.OnlyThis
    organiser.delete_in(conn, owner, appointment_id, mode, False)


def _follow(conn: Connection, item: EmailItem, inc: Incoming, zone: str) -> None:
    """An accepted invitation the organiser changed: the appointment it made follows (time, title, place).
    A series is made again from the new REQUEST (the organiser's dates win over the user's own edits)."""
    row = rows_store.get_row(conn, item.appointment_id)
    changed = email_items.get(conn, item.email_item_id)
    if row is None or changed is None:
        return
    owner = Caller(associate_id=item.associate_id, name="", scheme=ical.SCHEME)
    series = _series(changed, zone)
    if series is None and not row.recurrence_rule_id:
        svc.save(conn, owner, _save_input(_values(inc, item.attendee_email, utc_now()), zone, item.appointment_id))
        return
    _remove(conn, owner, item.appointment_id)
    email_items.change(conn, item.email_item_id, {"appointment_id": _make(conn, owner, changed, series, zone)})


def _make(conn: Connection, owner: Caller, item: EmailItem, series: Imported | None, zone: str) -> int:
    if series is not None:
        return ical_import.create(conn, owner, series, _tz(zone))
    values = {k: getattr(item, k) for k in ("title", "location", "description", "start_utc", "end_utc", "is_allday")}
    return svc.save(conn, owner, _save_input(values, zone)).row.appointment_id


def _save_input(values: dict[str, object], zone: str, appointment_id: int = 0) -> svc.SaveInput:
    tz = _tz(zone)
    start, end = values["start_utc"], values["end_utc"]
    assert isinstance(start, datetime) and isinstance(end, datetime)
    if values["is_allday"]:
        # Stored as the first and the last day (the ICS end is exclusive).
        wall_start, wall_end = start, max(start, end - timedelta(days=1))
    else:
        wall_start = start.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
        wall_end = end.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)
    return svc.SaveInput(appointment_id=appointment_id, start=wall_start, end=wall_end, title=str(values["title"]),
                         location=str(values["location"]), description=str(values["description"]),
                         is_allday=bool(values["is_allday"]))


def _tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, OSError):
        return ZoneInfo("UTC")


# --- The user's answers ------------------------------------------------------------------------------


async def items(db: Database, caller: Caller) -> list[EmailItem]:
    return await db.transaction(lambda conn: email_items.of_user(conn, caller.associate_id))


async def create_and_accept(db: Database, caller: Caller, email_item_id: int, confirm: bool, zone: str,
                            language: str) -> None:
    """Put the invitation in the caller's diary as their own appointment; `confirm` mails the organiser."""

    def work(conn: Connection) -> int:
        item = _mine(conn, caller, email_item_id)
        if item.status == ACCEPTED and item.appointment_id and rows_store.get_row(conn, item.appointment_id):
            return 0  # accepted already: nothing more is made or mailed
        made = _make(conn, caller, item, _series(item, zone), zone)
        email_items.change(conn, item.email_item_id, {"status": ACCEPTED, "updated": utc_now(),
                                                      "appointment_id": made})
        return _reply(conn, item, "ACCEPTED", "", zone, language) if confirm else 0

    if await db.transaction(work):
        signal.wake()


async def decline(db: Database, caller: Caller, email_item_id: int, reason: str, zone: str, language: str) -> None:
    """Decline the invitation: the organiser is mailed a DECLINED reply with the reason."""

    def work(conn: Connection) -> int:
        item = _mine(conn, caller, email_item_id)
        if item.status == DECLINED:
            return 0
        if item.status == ACCEPTED and item.appointment_id:
            _remove(conn, caller, item.appointment_id)
        email_items.change(conn, item.email_item_id, {"status": DECLINED, "updated": utc_now(), "appointment_id": 0})
        return _reply(conn, item, "DECLINED", reason, zone, language)

    if await db.transaction(work):
        signal.wake()


def _series(item: EmailItem, zone: str) -> Imported | None:
    """A recurring invitation, expanded as `sodiary import` expands one; None for a single event."""
    if not item.calendar:
        return None
    try:
        found, _ = read_calendar(item.calendar.encode(), _tz(zone), ical_import.horizon(730), MAX_OCCURRENCES)
    except IcsError:
        return None
    event = next((e for e in found if e.uid == item.event_uid), None)
    return event if event is not None and len(event.occurrences) > 1 else None


def _mine(conn: Connection, caller: Caller, email_item_id: int) -> EmailItem:
    item = email_items.get(conn, email_item_id) if 0 < email_item_id <= 2_147_483_647 else None
    if item is None or item.associate_id != caller.associate_id:
        raise NotFound("email_item_not_found", email_item_id=email_item_id)  # another's reveals nothing
    if item.status == CANCELLED:
        raise Invalid("email_item_cancelled", email_item_id=email_item_id)
    return item


def _reply(conn: Connection, item: EmailItem, partstat: str, reason: str, zone: str, language: str) -> int:
    if not valid_address(item.organizer_email) or not valid_address(item.attendee_email):
        return 0
    info = rows_store.associates(conn, [item.associate_id]).get(item.associate_id)
    me = Party(name=info.full_name if info else item.attendee_email, email=item.attendee_email)
    organizer = Party(name=item.organizer_fullname or item.organizer_email, email=item.organizer_email)
    mine = (Attendee(name=me.name, email=me.email, partstat=partstat, rsvp=False),)
    times: dict[str, object]
    if item.is_allday:
        times = {"start_date": item.start_utc.date(), "end_date": item.end_utc.date()}
    else:
        times = {"start": item.start_utc.replace(tzinfo=UTC), "end": item.end_utc.replace(tzinfo=UTC)}
    now = utc_now()
    event = Event(uid=item.event_uid, sequence=item.event_sequence, dtstamp=now.replace(tzinfo=UTC),
                  organizer=organizer, attendees=mine, summary=item.title, location=item.location,
                  **times)  # type: ignore[arg-type]
    payload = MailPayload(template="accepted" if partstat == "ACCEPTED" else "declined", language=language,
                          method=Method.REPLY.value, to=organizer, event=event, zone=zone, reply_to=me,
                          sender_name=f"{me.name} (sodiary)", attendees=mine, reason=reason)
    message = outbox.NewMessage(kind="mail", message_key=outbox.new_key(), destination=organizer.email,
                                summary=f"{payload.template}: {' '.join(item.title.split())}", payload=encode(payload),
                                appointment_id=item.appointment_id)
    outbox.enqueue(conn, [message], now)
    return 1
