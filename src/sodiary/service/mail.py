"""E-mail invitations (issue 19): the booking use cases that mail, each one unit of work with its outbox rows.

Each wrapper runs the existing use case's unit of work (organiser.py, answers.py, entities.py) and, in the
same transaction, compares the bookings it touched before and after: what changed decides who gets which
mail (docs/decisions.md, "E-mail invitations and the outbox"). The mails are written to the outbox, not
sent: the delivery worker sends them after commit (sodiary/outbox/), so a rollback sends nothing and a
commit loses nothing.

sodiary stores one mother row per occurrence of a series. A new series whose pattern maps onto an RRULE is
mailed as one recurring event; later changes to it send that event again whole (RRULE, EXDATE, overrides),
or one occurrence with its RECURRENCE-ID, or, this and following, split it in two (docs/decisions.md,
"A mailed series after it was sent"). Any other series is mailed occurrence by occurrence, each its own UID.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy.engine import Connection

from ..domain.appointment import AppointmentRow
from ..domain.booking import Operation
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import Invalid
from ..domain.preconditions import Preconditions
from ..ical import Attendee, Event, Method, Party
from ..ical.series import Pattern, moved_by_days, series_rrule
from ..outbox import signal
from ..outbox.mail import MailPayload, Renderer, encode, language_of, one_line, valid_address
from ..store import entities as rows_store
from ..store import mail as mail_store
from ..store import outbox
from ..store.database import Database
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
    fixed_language: bool = False  # TemplateLanguage given: every recipient gets `language`, whatever their culture


@dataclass(frozen=True, slots=True)
class ParticipantFlag:
    associate_id: int
    person_id: int
    send_email: bool
    email_address: str = ""  # an e-mail-only participant (no associate, no person): SuperOffice's EmailAddress
    description: str = ""  # and the name it goes by


@dataclass(frozen=True, slots=True)
class _Booking:
    mother: AppointmentRow
    children: dict[int, AppointmentRow]

    def live(self) -> dict[int, AppointmentRow]:
        return {i: r for i, r in self.children.items() if S(r.status) not in _GONE}


# --- The use cases ---------------------------------------------------------------------------------


async def _run(db: Database, work: Callable[[Connection], tuple[R, int]], *, short: bool = False) -> R:
    result, queued = await db.transaction(work, short=short)
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
    data, flags = _email_only(conn, data, flags)
    before_scope = _mothers_of(conn, [data.appointment_id]) if data.appointment_id else set()
    before = _snapshot(conn, before_scope) if opts.send else {}
    saved = svc.save(conn, caller, data, stored)
    scope = before_scope | _mothers_of(conn, [saved.row.appointment_id])
    if _store_flags(conn, saved, scope, before_scope, flags, data.mode):
        saved = svc.load(conn, caller, saved.row.appointment_id) or saved
    queued = _enqueue_changes(conn, before, _snapshot(conn, scope), opts) if opts.send else 0
    return (saved, queued), queued


def _email_only(conn: Connection, data: svc.SaveInput, flags: Sequence[ParticipantFlag]
                ) -> tuple[svc.SaveInput, list[ParticipantFlag]]:
    """E-mail-only participants (an address, no associate, no person) as persons: the person who has that
    address, else a new one of no company named by the Description. They are then external persons, invited
    and mailed as any, their replies matched by the address (docs/decisions.md)."""
    resolved: list[ParticipantFlag] = []
    added: list[svc.ParticipantInput] = []
    for flag in flags:
        address = flag.email_address.strip()
        if flag.associate_id or flag.person_id or not address:
            resolved.append(flag)
            continue
        if not valid_address(address) or len(address) > 254:
            raise Invalid("invalid_email_address", address=one_line(address)[:254])
        person_id = mail_store.person_by_email(conn, address)
        if person_id is None:
            person_id = mail_store.add_email_person(conn, address, flag.description or "")
        resolved.append(replace(flag, person_id=person_id))
        added.append(svc.ParticipantInput(0, person_id))
    if added:
        data = replace(data, participants=(*data.participants, *added))
    return data, resolved


# --- What a save would mail: WillSendEmail, GetAppointmentEmailInvitation, GetAppointmentHaveParticipantsWithEmail


class _Trial(Exception):
    """Ends a trial save whose unit of work must roll back, carrying what it found."""

    def __init__(self, found: object) -> None:
        super().__init__()
        self.found = found


async def _trial(db: Database, work: Callable[[Connection], object]) -> Any:
    def unit(conn: Connection) -> None:
        raise _Trial(work(conn))

    try:
        await db.transaction(unit)
    except _Trial as trial:
        return trial.found
    raise AssertionError("a trial always raises")


async def will_send_email(db: Database, caller: Caller, data: svc.SaveInput, flags: Sequence[ParticipantFlag],
                          opts: MailOptions) -> bool:
    """Whether saving `data` as SaveAppointmentEntity does (the participants' own SendEmail deciding) would
    queue a mail: the save runs with its mail planning in a unit of work that is rolled back."""

    def work(conn: Connection) -> bool:
        (_, queued), _ = _save_with_mail(conn, caller, data, flags, replace(opts, send=True))
        return queued > 0

    return bool(await _trial(db, work))


@dataclass(frozen=True, slots=True)
class Recipient:
    party: Party
    associate_id: int
    person_id: int
    contact_id: int


@dataclass(frozen=True, slots=True)
class Preview:
    """An invitation as it would be mailed, without its calendar part (GetAppointmentEmailInvitation)."""

    recipients: tuple[Recipient, ...] = ()
    sender: Party | None = None
    subject: str = ""
    plain: str = ""
    html: str = ""
    appointment_id: int = 0


TEMPLATE_NAMES = ("new", "changed", "cancelled")


async def invitation_preview(db: Database, caller: Caller, data: svc.SaveInput, flags: Sequence[ParticipantFlag],
                             opts: MailOptions, template: str, renderer: Renderer) -> Preview:
    """The invitation every participant with an address would get for the entity as given (saved in a unit
    of work that is rolled back): the New template unless `template` names Changed or Cancelled. Nothing is
    written or sent; an organiser without an address, or no participant with one, gives an empty preview."""
    name = template if template in TEMPLATE_NAMES else "new"
    everyone = [replace(f, send_email=True) for f in flags]

    def work(conn: Connection) -> Preview:
        data_, flags_ = _email_only(conn, data, everyone)
        saved = svc.save(conn, caller, data_, None)
        mother_id = saved.row.mother_id or saved.row.appointment_id
        _store_flags(conn, saved, {mother_id}, set(), flags_, data_.mode)
        after = _snapshot(conn, {mother_id})
        composed = [o for o in _compose(conn, {}, after, opts, utc_now()) if o.mother_id == mother_id]
        if not composed:
            return Preview(appointment_id=saved.row.appointment_id)
        people = rows_store.persons(conn, [o.row.invited_person_id for o in composed])
        first = msgspec.structs.replace(composed[0].payload, template=name)
        message = renderer.render(first, "preview", utc_now())
        plain = html = ""
        for part in message.walk():
            if part.get_content_type() == "text/plain" and not plain:
                plain = str(part.get_content())  # type: ignore[attr-defined]
            elif part.get_content_type() == "text/html" and not html:
                html = str(part.get_content())  # type: ignore[attr-defined]
        recipients = tuple(Recipient(o.payload.to, o.row.associate_id, o.row.invited_person_id,
                                     people[o.row.invited_person_id].contact_id
                                     if o.row.invited_person_id in people else 0) for o in composed)
        return Preview(recipients=recipients, sender=Party(name=one_line(first.sender_name), email=renderer.mail_from),
                       subject=str(message["Subject"]), plain=plain, html=html,
                       appointment_id=0 if not data.appointment_id else saved.row.appointment_id)

    return await _trial(db, work)  # type: ignore[no-any-return]


async def have_participants_with_email(db: Database, caller: Caller, appointment_id: int) -> bool:
    """Whether a participant of the booking the caller can see is marked to receive mail; False for an id
    the caller cannot see or that does not exist (SuperOffice: "If no participants are defined, false")."""

    def work(conn: Connection) -> bool:
        found = svc.load(conn, caller, appointment_id)
        if found is None:
            return False
        return mail_store.any_flagged(conn, found.row.mother_id or found.row.appointment_id)

    return await db.transaction(work)


async def answer_with_confirmation(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode,
                                   accept: bool, reason: str, opts: MailOptions, recorded_as: str) -> None:
    """Accept/Reject…WithEmailConfirmation: the answer, and a METHOD:REPLY to the organiser for every
    occurrence the answer changed (an idempotent repeat changes nothing and mails nothing)."""

    def work(conn: Connection) -> int:
        now = utc_now()  # the answer's stamp and its confirmation's time are one
        if accept:
            changes = answers.answer_in(conn, Operation.ACCEPT, caller, appointment_id, mode, recorded_as=recorded_as,
                                        now=now)
        else:
            changes = answers.decline(conn, caller, appointment_id, mode, reason, recorded_as, now)
        queued = 0
        for change in changes:
            queued += _reply(conn, change.row.mother_id, change.row.appointment_id, accept, reason, opts, now)
        return queued

    # `_run` inlined: one coroutine less on the e-mail twins' hot path.
    if await db.transaction(work, short=True):
        signal.wake()


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
    mothers = {r.mother_id or r.appointment_id for r in found.values()}
    return mothers | mail_store.series_mothers(conn, (r.recurrence_rule_id for r in found.values()))


def _snapshot(conn: Connection, mothers: Iterable[int]) -> dict[int, _Booking]:
    out = {}
    for mother_id in sorted(mothers):
        rows = rows_store.booking_rows(conn, mother_id)
        if rows and rows[0].appointment_id == mother_id:
            out[mother_id] = _Booking(rows[0], {r.appointment_id: r for r in rows[1:]})
    return out


def _store_flags(conn: Connection, saved: svc.EntityData, scope: set[int], existed: set[int],
                 flags: Sequence[ParticipantFlag], mode: RecurrenceUpdateMode) -> bool:
    """Each participant's SendEmail on their row of the saved booking, of the occurrences the save created
    and of the later ones a ThisAndForward save covered; whether any flag changed."""
    saved_mother = saved.row.mother_id
    if not saved_mother:
        return False
    start = saved.row.start_date
    on: set[int] = set()
    off: set[int] = set()
    for mother_id, booking in _snapshot(conn, scope).items():
        later = mode is RecurrenceUpdateMode.ThisAndForward and booking.mother.start_date >= start
        if mother_id != saved_mother and not later and mother_id in existed:
            continue
        for child_id, child in booking.children.items():
            wanted = any(f.send_email and _is(child, f) for f in flags)
            if wanted != bool(child.send_email):
                (on if wanted else off).add(child_id)
    outbox.set_send_email(conn, on, True)
    outbox.set_send_email(conn, off, False)
    return bool(on or off)


def _is(child: AppointmentRow, flag: ParticipantFlag) -> bool:
    if flag.associate_id:
        return bool(child.associate_id == flag.associate_id)
    return bool(flag.person_id and child.invited_person_id == flag.person_id)


@dataclass
class _Mail:
    template: str  # new | changed | cancelled
    method: Method
    mother_id: int
    booking: _Booking
    recipients: list[AppointmentRow]
    only: bool = False  # the ATTENDEE list is the recipient alone (a removed participant's CANCEL)


def _plan(before: dict[int, _Booking], after: dict[int, _Booking]) -> tuple[list[_Mail], set[int]]:
    """Which mails the change calls for, and which bookings' SEQUENCE rises."""
    mails: list[_Mail] = []
    bump: set[int] = set()
    for mother_id in sorted(before.keys() | after.keys()):
        old, new = before.get(mother_id), after.get(mother_id)
        if new is None:
            assert old is not None
            flagged = [r for r in old.live().values() if r.send_email]
            bump.add(mother_id)
            mails.append(_Mail("cancelled", Method.CANCEL, mother_id, old, flagged))
            continue
        live = new.live()
        if old is None:
            mails.append(_Mail("new", Method.REQUEST, mother_id, new, [r for r in live.values() if r.send_email]))
            continue
        was = old.live()
        significant = any(getattr(old.mother, k) != getattr(new.mother, k) for k in _SIGNIFICANT)
        minor = any(getattr(old.mother, k) != getattr(new.mother, k) for k in _MINOR)
        removed = [r for i, r in was.items() if i not in live and r.send_email]
        new_ids = {i for i, r in live.items() if r.send_email and (i not in was or not was[i].send_email)}
        added = [live[i] for i in sorted(new_ids)]
        kept = [r for i, r in live.items() if r.send_email and i not in new_ids]
        if significant or removed:
            bump.add(mother_id)
        if added:
            mails.append(_Mail("new", Method.REQUEST, mother_id, new, added))
        if kept and (significant or minor):
            mails.append(_Mail("changed", Method.REQUEST, mother_id, new, kept))
        for r in removed:
            mails.append(_Mail("cancelled", Method.CANCEL, mother_id, new, [r], only=True))
    return [m for m in mails if m.recipients], bump


@dataclass(frozen=True, slots=True)
class _Out:
    payload: MailPayload
    mother_id: int
    row: AppointmentRow  # the recipient's participant row


def _enqueue_changes(conn: Connection, before: dict[int, _Booking],
                     after: dict[int, _Booking], opts: MailOptions) -> int:
    now = utc_now()
    out = _compose(conn, before, after, opts, now)
    outbox.enqueue(conn, [_message(o.payload, o.mother_id) for o in out], now)
    return len(out)


def _compose(conn: Connection, before: dict[int, _Booking], after: dict[int, _Booking], opts: MailOptions,
             now: datetime) -> list[_Out]:
    """The mails the change from `before` to `after` calls for, each in its recipient's language; the
    invitation records (UID, SEQUENCE) updated as sending them requires."""
    mails, bump = _plan(before, after)
    records = _Records(conn, opts, now, before, after)
    composed: list[_Out] = []
    singles: list[_Mail] = []
    mailed: list[_Mail] = []  # about occurrences of a series mailed as one recurring event
    for mail in _repatterned(mails, before, records):
        found = records.find(mail.booking) if mail.booking.mother.recurrence_rule_id and not mail.only else None
        (mailed if found is not None and found.series else singles).append(mail)
    composed.extend(_removed_from_series(conn, records, singles, after, opts))
    fresh = [m for m in singles if m.template == "new" and not m.only and m.booking.mother.recurrence_rule_id]
    singles = [m for m in singles if m not in fresh]
    # Changes first: a this-and-following change splits the event, and what follows mails the split one.
    for template in ("changed", "cancelled", "new"):
        by_event: dict[int, list[_Mail]] = {}
        for mail in (m for m in mailed if m.template == template):
            found = records.find(mail.booking)
            assert found is not None
            by_event.setdefault(found.appointment_id, []).append(mail)
        for anchor_id, group in by_event.items():
            done = _mailed_series(conn, records, anchor_id, template, group, after, bump, opts)
            if done is None:
                singles.extend(group)
            else:
                composed.extend(done)
    for group in _series_groups(fresh):
        series = _as_series(conn, group, opts.zone) if len(group) > 1 else None
        if series is None:
            singles.extend(group)
            continue
        mail, rrule, exdates = series
        people = _People.of(conn, mail.booking, mail.recipients)
        if people.organizer is None:
            continue
        invitation = records.get(mail.booking, people.organizer, raise_sequence=False, series=True)
        event = msgspec.structs.replace(_event(mail.booking, invitation, people, opts.zone), rrule=rrule, **exdates)
        composed.extend(_addressed(mail, event, people, opts))
    for mail in singles:
        people = _People.of(conn, mail.booking, mail.recipients)
        if people.organizer is None:
            continue  # an organiser without an address cannot be replied to: no invitation can go out
        invitation = records.get(mail.booking, people.organizer, raise_sequence=mail.mother_id in bump)
        event = _event(mail.booking, invitation, people, opts.zone, cancelled=mail.template == "cancelled"
                       and not mail.only)
        if invitation.series:  # one occurrence of a series mailed as one event: that occurrence only
            event = msgspec.structs.replace(event, **_occurrence(mail.booking.mother, opts.zone, invitation.shift))
        composed.extend(_addressed(mail, event, people, opts))
    for mother_id in sorted(bump):
        # A change nobody was mailed about still makes the invitation's earlier copies out of date.
        booking = after.get(mother_id) or before.get(mother_id)
        if booking is not None:
            records.raise_existing(booking)
    records.follow_first_occurrences(after)
    return composed


def _removed_from_series(conn: Connection, records: _Records, singles: list[_Mail], after: dict[int, _Booking],
                         opts: MailOptions) -> list[_Out]:
    """A participant removed from every occurrence a mailed event holds gets one CANCEL of the event (its
    UID, no RECURRENCE-ID, naming only them), not one per occurrence; the mails it replaces leave `singles`."""
    removed: dict[tuple[int, int], list[_Mail]] = {}
    for mail in singles:
        if mail.only and mail.template == "cancelled" and mail.booking.mother.recurrence_rule_id:
            found = records.find(mail.booking)
            if found is not None and found.series:
                removed.setdefault((found.appointment_id, mail.recipients[0].invited_person_id), []).append(mail)
    out: list[_Out] = []
    still: dict[int, set[int]] = {}  # by event: the persons with a live row in one of its occurrences
    dropped: set[int] = set()
    for (anchor_id, person_id), group in removed.items():
        if len(group) < 2:
            continue
        if anchor_id not in still:
            still[anchor_id] = {c.invited_person_id for b in records.in_event(anchor_id, after)
                                for c in b.live().values()}
        if person_id in still[anchor_id]:
            continue
        dropped.update(id(m) for m in group)
        first = min(group, key=lambda m: _original(m.booking.mother))
        people = _People.of(conn, first.booking, first.recipients)
        if people.organizer is None:
            continue
        event = _event(first.booking, records.raise_sequence(records.known[anchor_id]), people, opts.zone)
        out.extend(_addressed(first, event, people, opts))
    singles[:] = [m for m in singles if id(m) not in dropped]
    return out


def _repatterned(mails: list[_Mail], before: dict[int, _Booking], records: _Records) -> list[_Mail]:
    """A new pattern from an occurrence on moves it to a new rule: for a series mailed as one event, the
    occurrence leaves that event (a cancel of it there) and starts the new series (a new invitation)."""
    out = []
    for mail in mails:
        old = before.get(mail.mother_id)
        if mail.template == "changed" and old is not None \
                and old.mother.recurrence_rule_id != mail.booking.mother.recurrence_rule_id:
            was = records.find(old)
            if was is not None and was.series:
                out.append(_Mail("cancelled", Method.CANCEL, mail.mother_id, old,
                                 [r for r in old.live().values() if r.send_email]))
                out.append(_Mail("new", Method.REQUEST, mail.mother_id, mail.booking, mail.recipients))
                continue
        out.append(mail)
    return out


def _addressed(mail: _Mail, event: Event, people: _People, opts: MailOptions) -> list[_Out]:
    assert people.organizer is not None
    out = []
    for row in mail.recipients:
        to = people.party(row)
        if to is None:
            continue
        narrow = mail.only or len(event.attendees) > MAX_LISTED_ATTENDEES
        attendees = tuple(a for a in event.attendees if a.email == to.email) if narrow else None
        if narrow and not attendees:
            attendees = (_attendee(row, to),)
        payload = MailPayload(template=mail.template, language=people.language(row, opts), method=mail.method.value,
                              to=to, event=event, zone=opts.zone, reply_to=people.organizer,
                              sender_name=f"{people.organizer.name} (sodiary)", attendees=attendees,
                              **_custom(mail.template, opts))
        out.append(_Out(payload, mail.mother_id, row))
    return out


def _original(mother: AppointmentRow) -> datetime:
    """An occurrence's original start (base wall clock): what its RECURRENCE-ID is counted from."""
    return mother.original_start_date or mother.start_date


class _Records:
    """The invitation records one change mails under: found or made once, SEQUENCE raised at most once.

    A series mailed as one recurring event has its record on its first occurrence's mother row (the
    anchor); after a this-and-following change it is two events, the later one anchored on its own first
    occurrence, and an occurrence belongs to the last event anchored at or before its original start."""

    def __init__(self, conn: Connection, opts: MailOptions, now: datetime, before: dict[int, _Booking] | None = None,
                 after: dict[int, _Booking] | None = None) -> None:
        self.conn, self.opts, self.now = conn, opts, now
        self.known: dict[int, outbox.Invitation] = {}  # by the record's own mother row
        self.raised: set[int] = set()
        self.anchors: dict[int, list[tuple[datetime, int]]] = {}  # rule -> (original start, anchor mother id)
        bookings = {**(before or {}), **(after or {})}
        for mother_id, found in mail_store.series_records(conn, bookings).items():
            mother = bookings[mother_id].mother
            self.known[mother_id] = found
            self.anchors.setdefault(mother.recurrence_rule_id, []).append((_original(mother), mother_id))
        for anchors in self.anchors.values():
            anchors.sort()

    def find(self, booking: _Booking) -> outbox.Invitation | None:
        """The booking's own record, else the event of its series that holds it (mailed as one)."""
        mother = booking.mother
        found = self.known.get(mother.appointment_id) or outbox.get_invitation(self.conn, mother.appointment_id)
        if found is None and mother.recurrence_rule_id:
            anchor = self._anchor(mother)
            found = self.known[anchor] if anchor else mail_store.series_invitation(
                self.conn, mother.recurrence_rule_id, _original(mother))
        return None if found is None else self.known.get(found.appointment_id, found)

    def _anchor(self, mother: AppointmentRow) -> int:
        at, found = _original(mother), 0
        for start, anchor in self.anchors.get(mother.recurrence_rule_id, []):
            if start <= at:
                found = anchor
        return found

    def in_event(self, anchor_id: int, after: dict[int, _Booking]) -> list[_Booking]:
        """The occurrences (after the change) that the event anchored on this mother row holds, in order."""
        found = self.known[anchor_id]
        rule = next((r for r, anchors in self.anchors.items() if any(a == anchor_id for _, a in anchors)), 0)
        held = [b for b in after.values() if b.mother.recurrence_rule_id == rule and rule
                and self._anchor(b.mother) == found.appointment_id]
        return sorted(held, key=lambda b: (_original(b.mother), b.mother.appointment_id))

    def get(self, booking: _Booking, organizer: Party, *, raise_sequence: bool, series: bool = False
            ) -> outbox.Invitation:
        found = self.find(booking) if not series else None
        if found is None:
            found = outbox.add_invitation(self.conn, booking.mother.appointment_id, f"{uuid.uuid4()}@sodiary",
                                          self.now, organizer.email, organizer.name, self.opts.language, series)
            if series:
                self.raised.add(found.appointment_id)  # new in this change: nobody holds an older copy
        self.known[found.appointment_id] = found
        return self._raised(found) if raise_sequence else found

    def split(self, first: _Booking, organizer: Party) -> outbox.Invitation | None:
        """A new event for the series from this occurrence on (its own UID), or None when the occurrence
        already has a record of its own."""
        mother = first.mother
        if outbox.get_invitation(self.conn, mother.appointment_id) is not None:
            return None
        found = self.get(first, organizer, raise_sequence=False, series=True)
        self.anchors[mother.recurrence_rule_id].append((_original(mother), mother.appointment_id))
        self.anchors[mother.recurrence_rule_id].sort()
        return found

    def shifted(self, found: outbox.Invitation, shift: int) -> outbox.Invitation:
        if shift == found.shift:
            return found
        outbox.shift_invitation(self.conn, found.appointment_id, shift)
        self.known[found.appointment_id] = replace(found, shift=shift)
        return self.known[found.appointment_id]

    def raise_existing(self, booking: _Booking) -> None:
        found = self.find(booking)
        if found is not None:
            self._raised(found)

    def raise_sequence(self, found: outbox.Invitation) -> outbox.Invitation:
        return self._raised(found)

    def _raised(self, found: outbox.Invitation) -> outbox.Invitation:
        found = self.known.get(found.appointment_id, found)
        if found.appointment_id in self.raised:
            return found
        raised = replace(found, sequence=found.sequence + 1, dtstamp=self.now)
        outbox.touch_invitation(self.conn, found.appointment_id, raised.sequence, self.now)
        self.raised.add(found.appointment_id)
        self.known[found.appointment_id] = raised
        return raised

    def follow_first_occurrences(self, after: dict[int, _Booking]) -> None:
        """A mailed event whose first occurrence was deleted is keyed by its next one, so the later
        occurrences still find the event (and a reply to it still lands)."""
        for anchors in self.anchors.values():
            for _, anchor_id in anchors:
                if anchor_id in after:
                    continue
                held = self.in_event(anchor_id, after)
                if held and outbox.get_invitation(self.conn, held[0].mother.appointment_id) is None:
                    outbox.move_invitation(self.conn, anchor_id, held[0].mother.appointment_id)


def _series_groups(mails: list[_Mail]) -> list[list[_Mail]]:
    """New invitations to occurrences of one series for the same people together; every other mail alone."""
    groups: dict[tuple[int, frozenset[int]], list[_Mail]] = {}
    out: list[list[_Mail]] = []
    for mail in mails:
        key = (mail.booking.mother.recurrence_rule_id, frozenset(r.invited_person_id for r in mail.recipients))
        if key not in groups:
            groups[key] = []
            out.append(groups[key])
        groups[key].append(mail)
    return out


def _mailed_series(conn: Connection, records: _Records, anchor_id: int, template: str, group: list[_Mail],
                   after: dict[int, _Booking], bump: set[int], opts: MailOptions) -> list[_Out] | None:
    """What a change to occurrences of a series mailed as one event sends (docs/decisions.md, "A mailed
    series after it was sent"); None when it goes occurrence by occurrence (RECURRENCE-ID) instead."""
    held = records.in_event(anchor_id, after)
    touched = sorted((m.booking for m in group), key=lambda b: _original(b.mother))
    recipients: dict[int, AppointmentRow] = {}
    for mail in group:
        for row in mail.recipients:
            recipients.setdefault(row.invited_person_id, row)
    people = _People.of(conn, touched[0], [*recipients.values(), *(r for b in held for r in b.children.values())])
    if people.organizer is None:
        return []
    found = records.known[anchor_id]
    if template == "cancelled" and not held:
        # Every occurrence it held is gone: one CANCEL of the event.
        mail = _Mail("cancelled", Method.CANCEL, touched[0].mother.appointment_id, touched[0],
                     list(recipients.values()))
        event = _event(touched[0], records.raise_sequence(found), people, opts.zone, cancelled=True)
        return _addressed(mail, event, people, opts)
    if len(group) == 1:
        return None  # one occurrence: that occurrence, with its RECURRENCE-ID
    if template == "changed":
        first = _original(touched[0].mother)
        tail = [b for b in held if _original(b.mother) >= first]
        if len(tail) < len(held) and {b.mother.appointment_id for b in tail} == {b.mother.appointment_id
                                                                                  for b in touched}:
            return _split(conn, records, found, held[:len(held) - len(tail)], tail, recipients, people, opts)
    raising = template != "new" or any(m.mother_id in bump for m in group)
    return _whole(conn, records, found, held, recipients, people, opts, "changed" if template != "new" else "new",
                  raising=raising, reshift=template != "new")


def _split(conn: Connection, records: _Records, found: outbox.Invitation, head: list[_Booking], tail: list[_Booking],
           recipients: dict[int, AppointmentRow], people: _People, opts: MailOptions) -> list[_Out] | None:
    """This and following: the event ends before the first changed occurrence (a REQUEST of its UID whose
    RRULE ends there) and the changed ones become a new event with a new UID — what Google Calendar and
    Outlook do themselves, where RANGE=THISANDFUTURE is not understood."""
    planned_head = _plan_whole(conn, head, recipients, found.shift, opts.zone)
    planned_tail = _plan_whole(conn, tail, recipients, _common_shift(tail, 0), opts.zone)
    if planned_head is None or planned_tail is None:
        return _whole(conn, records, found, head + tail, recipients, people, opts, "changed", raising=True,
                      reshift=True)
    assert people.organizer is not None
    started = records.split(tail[0], people.organizer)
    if started is None:
        return _whole(conn, records, found, head + tail, recipients, people, opts, "changed", raising=True,
                      reshift=True)
    started = records.shifted(started, _common_shift(tail, 0))
    out = _emit(planned_head, records.raise_sequence(found), people, opts, "changed")
    return out + _emit(planned_tail, started, people, opts, "changed")


def _whole(conn: Connection, records: _Records, found: outbox.Invitation, held: list[_Booking],
           recipients: dict[int, AppointmentRow], people: _People, opts: MailOptions, template: str, *,
           raising: bool, reshift: bool) -> list[_Out] | None:
    """The whole event again — RRULE, EXDATEs, an override per occurrence that differs — so the
    recipients' calendars hold exactly the occurrences stored; None when no RRULE says them."""
    shift = _common_shift(held, found.shift) if reshift else found.shift
    planned = _plan_whole(conn, held, recipients, shift, opts.zone)
    if planned is None:
        return None
    found = records.shifted(found, shift)
    return _emit(planned, records.raise_sequence(found) if raising else found, people, opts, template)


def _common_shift(held: list[_Booking], current: int) -> int:
    """Minutes from original start to start that most occurrences share (the current one on a tie): the
    event's instances are there, and only the others are overrides."""
    counts = Counter(int((b.mother.start_date - _original(b.mother)).total_seconds() // 60) for b in held)
    if not counts:
        return current
    most = max(counts.values())
    return current if counts.get(current) == most else counts.most_common(1)[0][0]


@dataclass(frozen=True, slots=True)
class _Planned:
    """One recurring event for the recipients present in the same occurrences."""

    occurrences: list[_Booking]
    instants: list[datetime]  # each occurrence's instance in the event (base wall clock)
    rrule: str
    skipped: list[datetime]  # EXDATEs (base wall clock)
    rows: list[AppointmentRow]  # a participant row of each recipient


def _plan_whole(conn: Connection, held: list[_Booking], recipients: dict[int, AppointmentRow], shift: int,
                zone: str) -> list[_Planned] | None:
    if not held or any(bool(b.mother.is_allday) != bool(held[0].mother.is_allday) for b in held):
        return None
    rule = rows_store.get_rule(conn, held[0].mother.recurrence_rule_id)
    if rule is None:
        return None
    pattern = Pattern(rule.pattern, rule.sub_pattern, rule.cycle, rule.weekdays, rule.day, rule.week_of_month,
                      rule.month)
    live = [{c.invited_person_id for c in b.live().values()} for b in held]
    by_presence: dict[tuple[int, ...], list[AppointmentRow]] = {}
    for person_id, row in recipients.items():
        present = tuple(i for i, persons in enumerate(live) if person_id in persons)
        by_presence.setdefault(present, []).append(row)
    planned = []
    for present, rows in by_presence.items():
        occurrences = [held[i] for i in present]
        if not occurrences:
            continue
        instants = [_original(b.mother) + timedelta(minutes=shift) for b in occurrences]
        if len(instants) == 1:
            planned.append(_Planned(occurrences, instants, "", [], rows))
            continue
        found = series_rrule(pattern, instants, _tz(zone), bool(held[0].mother.is_allday))
        if found is None and shift and not shift % (24 * 60):
            # Moved to another weekday: the event's rule is the pattern turned with it.
            found = series_rrule(moved_by_days(pattern, shift // (24 * 60)), instants, _tz(zone),
                                 bool(held[0].mother.is_allday))
        if found is None:
            return None
        planned.append(_Planned(occurrences, instants, found[0], found[1], rows))
    return planned


def _emit(planned: list[_Planned], found: outbox.Invitation, people: _People, opts: MailOptions,
          template: str) -> list[_Out]:
    out = []
    tz = _tz(opts.zone)
    for plan in planned:
        first = plan.occurrences[0]
        # The master is the first occurrence on the event's time (the first one if none is).
        model = next((b for b, at in zip(plan.occurrences, plan.instants, strict=True) if b.mother.start_date == at),
                     first)
        allday = bool(model.mother.is_allday)
        length = model.mother.end_date - model.mother.start_date
        master = _event(model, found, people, opts.zone)
        at = plan.instants[0]
        if allday:
            master = msgspec.structs.replace(master, start_date=at.date(), end_date=_allday_end(at, at + length),
                                             exdate_days=tuple(d.date() for d in plan.skipped))
        else:
            master = msgspec.structs.replace(master, start=_utc(at, tz), end=_utc(at + length, tz),
                                             exdates=tuple(_utc(d, tz) for d in plan.skipped))
        overrides = []
        for booking, instant in zip(plan.occurrences, plan.instants, strict=True):
            event = _event(booking, found, people, opts.zone)
            m = booking.mother
            same = m.start_date == instant and m.end_date - m.start_date == length and all(
                getattr(m, k) == getattr(model.mother, k) for k in _SAME) and event.attendees == master.attendees
            if not same:
                rid = {"recurrence_date": instant.date()} if allday else {"recurrence_id": _utc(instant, tz)}
                overrides.append(msgspec.structs.replace(event, **rid))
        master = msgspec.structs.replace(master, rrule=plan.rrule, tzid=opts.zone, overrides=tuple(overrides))
        mail = _Mail(template, Method.REQUEST, first.mother.appointment_id, first, plan.rows)
        out.extend(_addressed(mail, master, people, opts))
    return out


_SAME = ("is_allday", "title", "location", "description", "agenda")


def _as_series(conn: Connection, group: list[_Mail], zone: str) -> tuple[_Mail, str, dict[str, Any]] | None:
    """The group as one mail about the first occurrence with the series' RRULE and EXDATEs, or None when
    the occurrences differ from each other or the pattern has no RRULE that yields exactly them."""
    mothers = sorted((m.booking.mother for m in group), key=lambda r: r.start_date)
    first = mothers[0]
    duration, clock = first.end_date - first.start_date, first.start_date.time()
    for m in mothers:
        moved = m.original_start_date is not None and m.original_start_date != m.start_date
        if moved or m.end_date - m.start_date != duration or m.start_date.time() != clock \
                or any(getattr(m, k) != getattr(first, k) for k in _SAME):
            return None
    rule = rows_store.get_rule(conn, first.recurrence_rule_id)
    if rule is None or any(outbox.get_invitation(conn, m.appointment_id) for m in mothers):
        return None
    pattern = Pattern(rule.pattern, rule.sub_pattern, rule.cycle, rule.weekdays, rule.day, rule.week_of_month,
                      rule.month)
    tz = _tz(zone)
    found = series_rrule(pattern, [m.start_date for m in mothers], tz, bool(first.is_allday))
    if found is None:
        return None
    rrule, skipped = found
    exdates: dict[str, Any] = {"tzid": zone}
    if first.is_allday:
        exdates["exdate_days"] = tuple(d.date() for d in skipped)
    else:
        exdates["exdates"] = tuple(_utc(d, tz) for d in skipped)
    mail = next(m for m in group if m.booking.mother.appointment_id == first.appointment_id)
    return mail, rrule, exdates


def _occurrence(mother: AppointmentRow, zone: str, shift: int = 0) -> dict[str, Any]:
    """RECURRENCE-ID: the occurrence's instance in the mailed event, its original start moved by the
    event's shift (minutes; see _common_shift)."""
    instance = _original(mother) + timedelta(minutes=shift)
    if mother.is_allday:
        return {"recurrence_date": instance.date()}
    return {"recurrence_id": _utc(instance, _tz(zone))}


def _custom(template: str, opts: MailOptions) -> dict[str, str]:
    return {"subject": opts.subject, "body": opts.body} if template == "new" else {}


class _ReplyOptions(msgspec.Struct, frozen=True):
    """What the confirmation's unit of work knows beside the database's snapshot (store/mail.py queue_reply)
    and the row's own columns (the booking is its appointment_id, the answer's time its created). A row queued
    before migration 0015 also names those two here; decoding ignores them."""

    accept: bool
    reason: str
    language: str
    fixed_language: bool
    zone: str


class _ReplySnapshot(msgspec.Struct, frozen=True):
    reply_snapshot: _ReplyOptions
    row: list[Any]


_REPLY_SNAPSHOT = msgspec.json.Decoder(_ReplySnapshot)


def _reply(conn: Connection, mother_id: int, answered_id: int, accept: bool, reason: str, opts: MailOptions,
           now: datetime) -> int:
    """The organiser's METHOD:REPLY for one answered participant row: one waiting row, written by one
    statement that copies the booking's snapshot (store/mail.py queue_reply); the delivery worker moves it into
    the outbox (`promote_replies`) and composes the mail from it after the commit (`complete_replies`)."""
    if not mother_id or mother_id == answered_id:  # not a participant row of a booking: nobody to reply to
        return 0
    args = (accept, reason, opts.language, opts.fixed_language, opts.zone)
    options = _cached_options(*args) if not reason else _reply_options(*args)
    mail_store.queue_reply(conn, mother_id, answered_id, options, now)
    return 1


def _reply_options(accept: bool, reason: str, language: str, fixed_language: bool, zone: str) -> str:
    return msgspec.json.encode(_ReplyOptions(accept, reason, language, fixed_language, zone)).decode()


# Every Accept…WithEmailConfirmation in one language and zone has the same options: they are encoded once. (A
# decline's reason is the client's text, so options holding one are encoded each time and never kept.)
_cached_options = lru_cache(maxsize=64)(_reply_options)


_ACCEPTS = msgspec.json.Decoder(_ReplyOptions)


def promote_replies(conn: Connection, limit: int) -> int:
    """In the delivery worker's claim: up to `limit` waiting confirmations become outbox messages holding their
    snapshot (composed by `complete_replies` when claimed), each with its answer's time and a new key: from
    here on every attempt sends the same Message-ID. How many moved."""
    taken = mail_store.take_replies(conn, limit)
    for reply in taken:
        try:
            verb = "accepted" if _ACCEPTS.decode(reply.options).accept else "declined"
        except msgspec.DecodeError:  # kept whole for the operator; composing it will say what is wrong
            verb = "reply"
        row = msgspec.json.encode(reply.row).decode()
        payload = f'{mail_store.REPLY_SNAPSHOT}{reply.options},"row":{row}}}'
        outbox.enqueue(conn, [outbox.NewMessage("mail", outbox.new_key(), "", f"{verb}: {reply.row[0]}", payload,
                                                reply.appointment_id)], reply.created)
    return len(taken)


def complete_replies(conn: Connection, messages: Sequence[outbox.Message]
                     ) -> tuple[list[outbox.Message], list[outbox.Outcome]]:
    """In the delivery worker's claim: each confirmation still holding its snapshot becomes the mail it
    says (the invitation record made if there was none, the payload written back so that every later attempt
    sends the same message); the messages to send, and the outcomes of those that cannot be sent (an
    organiser or answerer without a valid address, as SuperOffice sends no confirmation then)."""
    ready: list[outbox.Message] = []
    refused: list[outbox.Outcome] = []
    completed: list[outbox.Completed] = []
    people = mail_store.People()  # a batch's confirmations mostly share their organiser and answerer
    for message in messages:
        if message.kind != "mail" or not message.payload.startswith(mail_store.REPLY_SNAPSHOT):
            ready.append(message)
            continue
        snapshot = _REPLY_SNAPSHOT.decode(message.payload)
        o = snapshot.reply_snapshot
        payload = _reply_payload(conn, mail_store.snapshot_context(conn, snapshot.row, people), o,
                                 message.appointment_id, message.created)
        if payload is None:
            refused.append(outbox.Outcome(message.message_id, False, "not sent: the organiser or the answerer has "
                                          "no valid e-mail address", permanent=True))
            continue
        text, summary = encode(payload), _summary(payload)
        completed.append(outbox.Completed(message.message_id, text, summary, payload.to.email))
        ready.append(replace(message, payload=text, summary=summary, destination=payload.to.email))
    outbox.set_payloads(conn, completed)
    return ready, refused


def _reply_payload(conn: Connection, found: mail_store.ReplyContext, o: _ReplyOptions, mother_id: int,
                   answered_at: datetime) -> MailPayload | None:
    """The REPLY a snapshot says, with the booking's invitation record (made now if there was none)."""
    organizer_name = " ".join(p for p in (found.organizer_first, found.organizer_last) if p) or found.organizer_user
    if not valid_address(found.organizer_email) or not valid_address(found.answerer_email):
        return None
    organizer = Party(name=organizer_name, email=found.organizer_email)
    me = Party(name=" ".join(p for p in (found.answerer_first, found.answerer_last) if p) or found.answerer_email,
               email=found.answerer_email)
    invitation = found.invitation or outbox.find_invitation(conn, mother_id)
    original = found.original_start or found.start
    if (invitation is None or invitation.series) and found.recurrence_rule_id:
        # The event of the series mailed as one that holds this occurrence (with its shift), if any.
        invitation = mail_store.series_invitation(conn, found.recurrence_rule_id, original) or invitation
    if invitation is None:
        invitation = outbox.add_invitation(conn, mother_id, f"{uuid.uuid4()}@sodiary", answered_at,
                                           organizer.email, organizer.name, o.language)
    times: dict[str, Any]
    if found.is_allday:
        times = dict(start_date=found.start.date(), end_date=_allday_end(found.start, found.end))
    else:
        tz = _tz(o.zone)
        times = dict(start=_utc(found.start, tz), end=_utc(found.end, tz))
    if invitation.series:  # an occurrence of a series mailed as one event: the answer is about that one
        instance = original + timedelta(minutes=invitation.shift)
        times.update({"recurrence_date": instance.date()} if found.is_allday
                     else {"recurrence_id": _utc(instance, _tz(o.zone))})
    event = Event(uid=invitation.uid, sequence=invitation.sequence, dtstamp=invitation.dtstamp.replace(tzinfo=UTC),
                  organizer=organizer, summary=found.title, location=found.location, **times)  # no DESCRIPTION
    mine = (Attendee(name=me.name, email=me.email, partstat="ACCEPTED" if o.accept else "DECLINED"),)
    language = o.language if o.fixed_language else language_of(found.organizer_culture) or o.language
    return MailPayload(template="accepted" if o.accept else "declined", language=language,
                       method=Method.REPLY.value, to=organizer, event=event, zone=o.zone,
                       reply_to=me, sender_name=f"{me.name} (sodiary)", attendees=mine, reason=o.reason)


def _summary(payload: MailPayload) -> str:
    return f"{payload.template}: {' '.join(payload.event.summary.split())}"


def _message(payload: MailPayload, mother_id: int) -> outbox.NewMessage:
    return outbox.NewMessage(kind="mail", message_key=outbox.new_key(), destination=payload.to.email,
                             summary=_summary(payload), payload=encode(payload), appointment_id=mother_id)


# --- The event -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _People:
    organizer: Party | None
    persons: dict[int, rows_store.PersonInfo]
    cultures: dict[int, str]  # person id -> culture, where one is known
    organizer_person: int = 0

    @classmethod
    def of(cls, conn: Connection, booking: _Booking, extra: Iterable[AppointmentRow] = ()) -> _People:
        owner = booking.mother.associate_id
        info = rows_store.associates(conn, [owner]).get(owner)
        person = info.person if info is not None else None
        organizer = None
        if info is not None and person is not None and valid_address(person.email):
            organizer = Party(name=info.full_name, email=person.email)
        rows = [*booking.children.values(), *extra]
        persons = rows_store.persons(conn, [r.invited_person_id for r in rows])
        organizer_person = person.person_id if person is not None else 0
        cultures = mail_store.cultures_of_persons(conn, [*persons, organizer_person])
        return cls(organizer, persons, cultures, organizer_person)

    def party(self, row: AppointmentRow) -> Party | None:
        person = self.persons.get(row.invited_person_id)
        if person is None or not valid_address(person.email):
            return None
        return Party(name=person.full_name or person.email, email=person.email)

    def language(self, row: AppointmentRow, opts: MailOptions) -> str:
        """The recipient's culture's language, unless the call fixed one (TemplateLanguage); else the call's."""
        return self._language_of(row.invited_person_id, opts)

    def organizer_language(self, opts: MailOptions) -> str:
        return self._language_of(self.organizer_person, opts)

    def _language_of(self, person_id: int, opts: MailOptions) -> str:
        if opts.fixed_language:
            return opts.language
        return language_of(self.cultures.get(person_id, "")) or opts.language


def _attendee(row: AppointmentRow, party: Party) -> Attendee:
    return Attendee(name=party.name, email=party.email, partstat=_PARTSTAT.get(S(row.status), "NEEDS-ACTION"))


def _event(booking: _Booking, invitation: outbox.Invitation, people: _People, zone: str,
           cancelled: bool = False) -> Event:
    m = booking.mother
    assert people.organizer is not None
    attendees = []
    for row in booking.live().values():
        party = people.party(row)
        if party is not None:
            attendees.append(_attendee(row, party))
    text = "\n\n".join(t for t in (m.description, m.agenda) if t)  # never internal_notes
    times: dict[str, Any]
    if m.is_allday:
        times = dict(start_date=m.start_date.date(), end_date=_allday_end(m.start_date, m.end_date))
    else:
        tz = _tz(zone)
        times = dict(start=_utc(m.start_date, tz), end=_utc(m.end_date, tz))
    return Event(uid=invitation.uid, sequence=invitation.sequence,
                 dtstamp=invitation.dtstamp.replace(tzinfo=UTC), organizer=people.organizer,
                 attendees=tuple(attendees), summary=m.title, location=m.location, description=text,
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
