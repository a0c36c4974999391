"""E-mail invitations (issue 19): the booking use cases that mail, each one unit of work with its outbox rows.

Each wrapper runs the existing use case's unit of work (organiser.py, answers.py, entities.py) and, in the
same transaction, compares the bookings it touched before and after: what changed decides who gets which
mail (docs/decisions.md, "E-mail invitations and the outbox"). The mails are written to the outbox, not
sent: the delivery worker sends them after commit (sodiary/outbox/), so a rollback sends nothing and a
commit loses nothing.

sodiary stores one mother row per occurrence of a series, so every occurrence is its own event with its
own UID; a change to several occurrences mails each of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection

from ..domain.booking import Operation
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import RecurrenceUpdateMode
from ..domain.preconditions import Preconditions
from ..ical import Attendee, Event, Method, Party
from ..outbox import signal
from ..outbox.mail import MailPayload, encode, valid_address
from ..store import entities as rows_store
from ..store import mail as mail_store
from ..store import outbox
from ..store.database import Database
from ..store.entities import Row
from . import answers, organiser
from . import entities as svc
from .clock import utc_now
from .context import Caller

R = TypeVar("R")

_SIGNIFICANT = ("start_date", "end_date", "is_allday", "location")  # raise SEQUENCE (RFC 5546 §2.1.4)
_MINOR = ("title", "description", "agenda")  # mailed as a change, same SEQUENCE
_GONE = (S.BookingDeleted,)
# Beyond this many, each invitee's copy lists only them as ATTENDEE (RFC 5546 lets an organiser address
# attendees separately): every mail listing every attendee would grow with the square of the meeting.
MAX_LISTED_ATTENDEES = 100
_PARTSTAT = {
    S.NotStarted: "ACCEPTED", S.Started: "ACCEPTED", S.Completed: "ACCEPTED",
    S.BookingSeen: "TENTATIVE", S.BookingMovedSeen: "TENTATIVE",  # SuperOffice: "seen counts as tentative"
    S.BookingDeclined: "DECLINED",
}


@dataclass(frozen=True, slots=True)
class MailOptions:
    send: bool  # SendEmailToParticipants (or, for the entity saves, the participants' own SendEmail)
    language: str = "en"  # of the request: en | no
    zone: str = "UTC"  # the server's base zone, in which rows are stored
    subject: str = ""  # SaveWithCustomInvitation: the subject and text of new invitations
    body: str = ""


@dataclass(frozen=True, slots=True)
class ParticipantFlag:
    associate_id: int
    person_id: int
    send_email: bool


@dataclass(frozen=True, slots=True)
class _Booking:
    mother: Row
    children: dict[int, Row]

    def live(self) -> dict[int, Row]:
        return {i: r for i, r in self.children.items() if S(r["status"]) not in _GONE}


# --- The use cases ---------------------------------------------------------------------------------


async def _run(db: Database, work: Callable[[Connection], tuple[R, int]]) -> R:
    result, queued = await db.transaction(work)
    if queued:
        signal.wake()
    return result


async def delete(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode,
                 opts: MailOptions) -> None:
    def op(conn: Connection) -> None:
        organiser.delete_in(conn, caller, appointment_id, mode, True)

    await _run(db, lambda conn: _with_mail(conn, opts, [appointment_id], op))


async def move(db: Database, caller: Caller, appointment_id: int, times: organiser.NewTimes,
               mode: RecurrenceUpdateMode, opts: MailOptions) -> None:
    def op(conn: Connection) -> None:
        organiser.move_in(conn, caller, appointment_id, times, mode, Operation.MOVE.value)

    await _run(db, lambda conn: _with_mail(conn, opts, [appointment_id], op))


async def update(db: Database, caller: Caller, values: organiser.Update, mode: RecurrenceUpdateMode,
                 opts: MailOptions) -> None:
    def op(conn: Connection) -> None:
        organiser.update_in(conn, caller, values, mode)

    await _run(db, lambda conn: _with_mail(conn, opts, [values.appointment_id], op))


async def save_entity(db: Database, caller: Caller, data: svc.SaveInput, flags: Sequence[ParticipantFlag],
                      opts: MailOptions) -> svc.EntityData:
    """Save, storing each participant's SendEmail on their row, and mailing what the save changed."""
    return (await save_entity_counted(db, caller, data, flags, opts))[0]


async def save_entity_counted(db: Database, caller: Caller, data: svc.SaveInput, flags: Sequence[ParticipantFlag],
                              opts: MailOptions) -> tuple[svc.EntityData, int]:
    """save_entity, and how many mails it queued (SaveWithCustomInvitation's EmailCreated)."""

    return await _run(db, lambda conn: _save_with_mail(conn, caller, data, flags, opts))


Edit = Callable[[svc.EntityData], tuple[svc.SaveInput, Sequence[ParticipantFlag]]]


async def edit_entity(db: Database, caller: Caller, appointment_id: int, edit: Edit, pre: Preconditions,
                      opts: MailOptions) -> svc.EntityData:
    """REST PUT and PATCH (svc.edit_entity's one unit of work: read, check the preconditions, edit, save),
    mailing what the save changed as SaveAppointmentEntity does."""

    def work(conn: Connection) -> tuple[tuple[svc.EntityData, int], int]:
        stored = svc.current_entity(conn, caller, appointment_id, pre)
        data, flags = edit(stored)
        return _save_with_mail(conn, caller, replace(data, appointment_id=appointment_id), flags, opts, stored)

    return (await _run(db, work))[0]


def _save_with_mail(conn: Connection, caller: Caller, data: svc.SaveInput, flags: Sequence[ParticipantFlag],
                    opts: MailOptions, stored: svc.EntityData | None = None
                    ) -> tuple[tuple[svc.EntityData, int], int]:
    before_scope = _mothers_of(conn, [data.appointment_id]) if data.appointment_id else set()
    before = _snapshot(conn, before_scope) if opts.send else {}
    saved = svc.save_in(conn, caller, data, stored)
    scope = before_scope | _mothers_of(conn, [saved.row["appointment_id"]])
    if _store_flags(conn, saved, scope, before_scope, flags, data.mode):
        saved = svc.load_in(conn, caller, saved.row["appointment_id"]) or saved
    queued = _enqueue_changes(conn, before, _snapshot(conn, scope), opts) if opts.send else 0
    return (saved, queued), queued


async def answer_with_confirmation(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode,
                                   accept: bool, reason: str, opts: MailOptions, recorded_as: str) -> None:
    """Accept/Reject…WithEmailConfirmation: the answer, and a METHOD:REPLY to the organiser for every
    occurrence the answer changed (an idempotent repeat changes nothing and mails nothing)."""

    def work(conn: Connection) -> tuple[None, int]:
        if accept:
            changes = answers.answer_in(conn, Operation.ACCEPT, caller, appointment_id, mode, recorded_as=recorded_as)
        else:
            changes = answers.decline(conn, caller, appointment_id, mode, reason, recorded_as)
        queued = 0
        for change in changes:
            queued += _reply(conn, change.row.mother_id, change.row.appointment_id, accept, reason, opts)
        return None, queued

    await _run(db, work)


# --- Before and after ------------------------------------------------------------------------------


def _with_mail(conn: Connection, opts: MailOptions, ids: list[int], op: Callable[[Connection], R]) -> tuple[R, int]:
    if not opts.send:
        return op(conn), 0
    scope = _mothers_of(conn, ids)
    before = _snapshot(conn, scope)
    result = op(conn)
    return result, _enqueue_changes(conn, before, _snapshot(conn, scope | _mothers_of(conn, ids)), opts)


def _mothers_of(conn: Connection, ids: Iterable[int]) -> set[int]:
    """The mother rows of the ids' bookings and of every occurrence of their series (a plain row counts as
    its own mother: a save may make it a booking)."""
    found = rows_store.get_rows(conn, ids)
    mothers = {r["mother_id"] or r["appointment_id"] for r in found.values()}
    return mothers | mail_store.series_mothers(conn, (r["recurrence_rule_id"] for r in found.values()))


def _snapshot(conn: Connection, mothers: Iterable[int]) -> dict[int, _Booking]:
    out = {}
    for mother_id in sorted(mothers):
        rows = rows_store.booking_rows(conn, mother_id)
        if rows and rows[0]["appointment_id"] == mother_id:
            out[mother_id] = _Booking(rows[0], {r["appointment_id"]: r for r in rows[1:]})
    return out


def _store_flags(conn: Connection, saved: svc.EntityData, scope: set[int], existed: set[int],
                 flags: Sequence[ParticipantFlag], mode: RecurrenceUpdateMode) -> bool:
    """Each participant's SendEmail on their row of the saved booking, of the occurrences the save created
    and of the later ones a ThisAndForward save covered; whether any flag changed."""
    saved_mother = saved.row["mother_id"]
    if not saved_mother:
        return False
    start = saved.row["start_date"]
    on: set[int] = set()
    off: set[int] = set()
    for mother_id, booking in _snapshot(conn, scope).items():
        later = mode is RecurrenceUpdateMode.ThisAndForward and booking.mother["start_date"] >= start
        if mother_id != saved_mother and not later and mother_id in existed:
            continue
        for child_id, child in booking.children.items():
            wanted = any(f.send_email and _is(child, f) for f in flags)
            if wanted != bool(child["send_email"]):
                (on if wanted else off).add(child_id)
    outbox.set_send_email(conn, on, True)
    outbox.set_send_email(conn, off, False)
    return bool(on or off)


def _is(child: Row, flag: ParticipantFlag) -> bool:
    if flag.associate_id:
        return bool(child["associate_id"] == flag.associate_id)
    return bool(flag.person_id and child["invited_person_id"] == flag.person_id)


@dataclass
class _Mail:
    template: str  # new | changed | cancelled
    method: Method
    mother_id: int
    booking: _Booking
    recipients: list[Row]
    only: bool = False  # the ATTENDEE list is the recipient alone (a removed participant's CANCEL)


def _plan(before: dict[int, _Booking], after: dict[int, _Booking]) -> tuple[list[_Mail], set[int]]:
    """Which mails the change calls for, and which bookings' SEQUENCE rises."""
    mails: list[_Mail] = []
    bump: set[int] = set()
    for mother_id in sorted(before.keys() | after.keys()):
        old, new = before.get(mother_id), after.get(mother_id)
        if new is None:
            assert old is not None
            flagged = [r for r in old.live().values() if r["send_email"]]
            bump.add(mother_id)
            mails.append(_Mail("cancelled", Method.CANCEL, mother_id, old, flagged))
            continue
        live = new.live()
        if old is None:
            mails.append(_Mail("new", Method.REQUEST, mother_id, new, [r for r in live.values() if r["send_email"]]))
            continue
        was = old.live()
        significant = any(old.mother[k] != new.mother[k] for k in _SIGNIFICANT)
        minor = any(old.mother[k] != new.mother[k] for k in _MINOR)
        removed = [r for i, r in was.items() if i not in live and r["send_email"]]
        new_ids = {i for i, r in live.items() if r["send_email"] and (i not in was or not was[i]["send_email"])}
        added = [live[i] for i in sorted(new_ids)]
        kept = [r for i, r in live.items() if r["send_email"] and i not in new_ids]
        if significant or removed:
            bump.add(mother_id)
        if added:
            mails.append(_Mail("new", Method.REQUEST, mother_id, new, added))
        if kept and (significant or minor):
            mails.append(_Mail("changed", Method.REQUEST, mother_id, new, kept))
        for r in removed:
            mails.append(_Mail("cancelled", Method.CANCEL, mother_id, new, [r], only=True))
    return [m for m in mails if m.recipients], bump


def _enqueue_changes(conn: Connection, before: dict[int, _Booking],
                     after: dict[int, _Booking], opts: MailOptions) -> int:
    mails, bump = _plan(before, after)
    now = utc_now()
    queued = []
    invitations: dict[int, outbox.Invitation] = {}
    for mail in mails:
        people = _People.of(conn, mail.booking, mail.recipients)
        if people.organizer is None:
            continue  # an organiser without an address cannot be replied to: no invitation can go out
        invitation = invitations.get(mail.mother_id)
        if invitation is None:
            invitation = _invitation(conn, mail.mother_id, people.organizer, opts.language, now)
            if mail.mother_id in bump:
                invitation = outbox.Invitation(invitation.appointment_id, invitation.uid, invitation.sequence + 1, now)
                outbox.touch_invitation(conn, mail.mother_id, invitation.sequence, now)
            invitations[mail.mother_id] = invitation
        event = _event(mail.booking, invitation, people, opts.zone, cancelled=mail.template == "cancelled"
                       and not mail.only)
        for row in mail.recipients:
            to = people.party(row)
            if to is None:
                continue
            narrow = mail.only or len(event.attendees) > MAX_LISTED_ATTENDEES
            attendees = tuple(a for a in event.attendees if a.email == to.email) if narrow else None
            if narrow and not attendees:
                attendees = (_attendee(row, to),)
            payload = MailPayload(template=mail.template, language=opts.language, method=mail.method.value, to=to,
                                  event=event, zone=opts.zone, reply_to=people.organizer,
                                  sender_name=f"{people.organizer.name} (sodiary)", attendees=attendees,
                                  **_custom(mail.template, opts))
            queued.append(_message(payload, mail.mother_id))
    for mother_id in sorted(bump - invitations.keys()):
        # A change nobody was mailed about still makes the invitation's earlier copies out of date.
        found = outbox.get_invitation(conn, mother_id)
        if found is not None:
            outbox.touch_invitation(conn, mother_id, found.sequence + 1, now)
    outbox.enqueue(conn, queued, now)
    return len(queued)


def _custom(template: str, opts: MailOptions) -> dict[str, str]:
    return {"subject": opts.subject, "body": opts.body} if template == "new" else {}


def _reply(conn: Connection, mother_id: int, answered_id: int, accept: bool, reason: str, opts: MailOptions) -> int:
    booking = _snapshot(conn, [mother_id]).get(mother_id)
    if booking is None or answered_id not in booking.children:
        return 0
    people = _People.of(conn, booking)
    me = people.party(booking.children[answered_id])
    if people.organizer is None or me is None:
        return 0
    now = utc_now()
    invitation = _invitation(conn, mother_id, people.organizer, opts.language, now)
    event = _event(booking, invitation, people, opts.zone)
    mine = tuple(a for a in event.attendees if a.email == me.email) or (_attendee(booking.children[answered_id], me),)
    payload = MailPayload(template="accepted" if accept else "declined", language=opts.language,
                          method=Method.REPLY.value, to=people.organizer, event=event, zone=opts.zone,
                          reply_to=me, sender_name=f"{me.name} (sodiary)", attendees=mine, reason=reason)
    outbox.enqueue(conn, [_message(payload, mother_id)], now)
    return 1


def _message(payload: MailPayload, mother_id: int) -> outbox.NewMessage:
    summary = f"{payload.template}: {' '.join(payload.event.summary.split())}"
    return outbox.NewMessage(kind="mail", message_key=uuid.uuid4().hex, destination=payload.to.email,
                             summary=summary, payload=encode(payload), appointment_id=mother_id)


# --- The event -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _People:
    organizer: Party | None
    persons: dict[int, rows_store.PersonInfo]

    @classmethod
    def of(cls, conn: Connection, booking: _Booking, extra: Iterable[Row] = ()) -> _People:
        owner = booking.mother["associate_id"]
        info = rows_store.associates(conn, [owner]).get(owner)
        person = info.person if info is not None else None
        organizer = None
        if info is not None and person is not None and valid_address(person.email):
            organizer = Party(name=info.full_name, email=person.email)
        rows = [*booking.children.values(), *extra]
        persons = rows_store.persons(conn, [r["invited_person_id"] for r in rows])
        return cls(organizer, persons)

    def party(self, row: Row) -> Party | None:
        person = self.persons.get(row["invited_person_id"])
        if person is None or not valid_address(person.email):
            return None
        return Party(name=person.full_name or person.email, email=person.email)


def _attendee(row: Row, party: Party) -> Attendee:
    return Attendee(name=party.name, email=party.email, partstat=_PARTSTAT.get(S(row["status"]), "NEEDS-ACTION"))


def _invitation(conn: Connection, mother_id: int, organizer: Party, language: str, now: datetime
                ) -> outbox.Invitation:
    found = outbox.get_invitation(conn, mother_id)
    if found is not None:
        return found
    return outbox.add_invitation(conn, mother_id, f"{uuid.uuid4()}@sodiary", now, organizer.email, organizer.name,
                                 language)


def _event(booking: _Booking, invitation: outbox.Invitation, people: _People, zone: str,
           cancelled: bool = False) -> Event:
    m = booking.mother
    assert people.organizer is not None
    attendees = []
    for row in booking.live().values():
        party = people.party(row)
        if party is not None:
            attendees.append(_attendee(row, party))
    text = "\n\n".join(t for t in (m["description"], m["agenda"]) if t)  # never internal_notes
    times: dict[str, Any]
    if m["is_allday"]:
        times = dict(start_date=m["start_date"].date(), end_date=_allday_end(m["start_date"], m["end_date"]))
    else:
        tz = _tz(zone)
        times = dict(start=_utc(m["start_date"], tz), end=_utc(m["end_date"], tz))
    return Event(uid=invitation.uid, sequence=invitation.sequence,
                 dtstamp=invitation.dtstamp.replace(tzinfo=UTC), organizer=people.organizer,
                 attendees=tuple(attendees), summary=m["title"], location=m["location"], description=text,
                 cancelled=cancelled, **times)


def _allday_end(start: datetime, end: datetime) -> date:
    """DTEND;VALUE=DATE is exclusive: the day after the last day (an end at midnight is that day's start)."""
    if end.time() == time(0) and end.date() > start.date():
        return end.date()
    return max(end.date(), start.date()) + timedelta(days=1)


def _tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):
        return ZoneInfo("UTC")


def _utc(wall: datetime, tz: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)
