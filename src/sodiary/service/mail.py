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

import msgspec
from sqlalchemy.engine import Connection

from ..domain.appointment import AppointmentRow
from ..domain.booking import Operation
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import Invalid
from ..domain.preconditions import Preconditions
from ..ical import Attendee, Event, Method, Party
from ..ical.rrule import Pattern, series_rrule
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

    def work(conn: Connection) -> tuple[None, int]:
        if accept:
            changes = answers.answer_in(conn, Operation.ACCEPT, caller, appointment_id, mode, recorded_as=recorded_as)
        else:
            changes = answers.decline(conn, caller, appointment_id, mode, reason, recorded_as)
        queued = 0
        for change in changes:
            queued += _reply(conn, change.row.mother_id, change.row.appointment_id, accept, reason, opts)
        return None, queued

    await _run(db, work, short=True)


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
    records = _Records(conn, opts, now)
    composed: list[_Out] = []
    singles: list[_Mail] = []
    for group in _series_groups(mails):
        if group[0].template == "cancelled":
            whole = _whole_series(records, group, after)
            if whole is None:
                singles.extend(group)
                continue
            mail, invitation = whole
            people = _People.of(conn, mail.booking, mail.recipients)
            if people.organizer is None:
                continue
            event = _event(mail.booking, records.raise_sequence(invitation), people, opts.zone, cancelled=True)
            composed.extend(_addressed(mail, event, people, opts))
            continue
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
            event = msgspec.structs.replace(event, **_occurrence(mail.booking.mother, opts.zone))
        composed.extend(_addressed(mail, event, people, opts))
    for mother_id in sorted(bump):
        # A change nobody was mailed about still makes the invitation's earlier copies out of date.
        booking = after.get(mother_id) or before.get(mother_id)
        if booking is not None:
            records.raise_existing(booking)
    return composed


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


class _Records:
    """The invitation records one change mails under: found or made once, SEQUENCE raised at most once."""

    def __init__(self, conn: Connection, opts: MailOptions, now: datetime) -> None:
        self.conn, self.opts, self.now = conn, opts, now
        self.known: dict[int, outbox.Invitation] = {}  # by the record's own mother row
        self.raised: set[int] = set()

    def find(self, booking: _Booking) -> outbox.Invitation | None:
        """The booking's own record, else its series' (mailed as one recurring event)."""
        mother = booking.mother
        found = self.known.get(mother.appointment_id) or outbox.get_invitation(self.conn, mother.appointment_id)
        if found is None and mother.recurrence_rule_id:
            found = mail_store.series_invitation(self.conn, mother.recurrence_rule_id)
        return None if found is None else self.known.get(found.appointment_id, found)

    def get(self, booking: _Booking, organizer: Party, *, raise_sequence: bool, series: bool = False
            ) -> outbox.Invitation:
        found = self.find(booking) if not series else None
        if found is None:
            found = outbox.add_invitation(self.conn, booking.mother.appointment_id, f"{uuid.uuid4()}@sodiary",
                                          self.now, organizer.email, organizer.name, self.opts.language, series)
        self.known[found.appointment_id] = found
        return self._raised(found) if raise_sequence else found

    def raise_existing(self, booking: _Booking) -> None:
        found = self.find(booking)
        if found is not None:
            self._raised(found)

    def raise_sequence(self, found: outbox.Invitation) -> outbox.Invitation:
        return self._raised(found)

    def _raised(self, found: outbox.Invitation) -> outbox.Invitation:
        if found.appointment_id in self.raised:
            return found
        raised = replace(found, sequence=found.sequence + 1, dtstamp=self.now)
        outbox.touch_invitation(self.conn, found.appointment_id, raised.sequence, self.now)
        self.raised.add(found.appointment_id)
        self.known[found.appointment_id] = raised
        return raised


def _series_groups(mails: list[_Mail]) -> list[list[_Mail]]:
    """New invitations to occurrences of one series for the same people together, and cancellations of
    them; every other mail alone."""
    groups: dict[tuple[int, str, frozenset[int]], list[_Mail]] = {}
    out: list[list[_Mail]] = []
    for mail in mails:
        rule = mail.booking.mother.recurrence_rule_id
        if mail.template not in ("new", "cancelled") or mail.only or not rule:
            out.append([mail])
            continue
        key = (rule, mail.template, frozenset(r.invited_person_id for r in mail.recipients))
        if key not in groups:
            groups[key] = []
            out.append(groups[key])
        groups[key].append(mail)
    return out


def _whole_series(records: _Records, group: list[_Mail], after: dict[int, _Booking]
                  ) -> tuple[_Mail, outbox.Invitation] | None:
    """The first occurrence's cancel and the series' invitation, when the change cancelled every occurrence
    of a series mailed as one event: then one CANCEL of that event, not one per occurrence."""
    rule = group[0].booking.mother.recurrence_rule_id
    if any(b.mother.recurrence_rule_id == rule for b in after.values()):
        return None
    first = min(group, key=lambda m: m.booking.mother.start_date)
    found = records.find(first.booking)
    if found is None or not found.series:
        return None
    return first, found


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


def _occurrence(mother: AppointmentRow, zone: str) -> dict[str, Any]:
    """RECURRENCE-ID: the occurrence's original start, as the series' RRULE yields it."""
    original = mother.original_start_date or mother.start_date
    if mother.is_allday:
        return {"recurrence_date": original.date()}
    return {"recurrence_id": _utc(original, _tz(zone))}


def _custom(template: str, opts: MailOptions) -> dict[str, str]:
    return {"subject": opts.subject, "body": opts.body} if template == "new" else {}


class _ReplyOptions(msgspec.Struct, frozen=True):
    """What the confirmation's unit of work knows beside the database's snapshot (store/mail.py queue_reply)."""

    accept: bool
    reason: str
    language: str
    fixed_language: bool
    zone: str
    mother_id: int
    answered_at: datetime


class _ReplySnapshot(msgspec.Struct, frozen=True):
    reply_snapshot: _ReplyOptions
    row: list[Any]


def _reply(conn: Connection, mother_id: int, answered_id: int, accept: bool, reason: str, opts: MailOptions) -> int:
    """The organiser's METHOD:REPLY for one answered participant row: one outbox row, written by one
    statement that copies the booking's snapshot (store/mail.py queue_reply); the mail is composed from it
    after the commit (`complete_replies`)."""
    if not mother_id or mother_id == answered_id:  # not a participant row of a booking: nobody to reply to
        return 0
    options = _ReplyOptions(accept, reason, opts.language, opts.fixed_language, opts.zone, mother_id, utc_now())
    head = f'{mail_store.REPLY_SNAPSHOT}{msgspec.json.encode(options).decode()},"row":'
    mail_store.queue_reply(conn, outbox.new_key(), mother_id, answered_id, head,
                           "accepted: " if accept else "declined: ", options.answered_at)
    return 1


def complete_replies(conn: Connection, messages: Sequence[outbox.Message]
                     ) -> tuple[list[outbox.Message], list[outbox.Outcome]]:
    """In the delivery worker's claim: each confirmation still holding its snapshot becomes the mail it
    says (the invitation record made if there was none, the payload written back so that every later attempt
    sends the same message); the messages to send, and the outcomes of those that cannot be sent (an
    organiser or answerer without a valid address, as SuperOffice sends no confirmation then)."""
    ready: list[outbox.Message] = []
    refused: list[outbox.Outcome] = []
    for message in messages:
        if message.kind != "mail" or not message.payload.startswith(mail_store.REPLY_SNAPSHOT):
            ready.append(message)
            continue
        snapshot = msgspec.json.decode(message.payload, type=_ReplySnapshot)
        o = snapshot.reply_snapshot
        payload = _reply_payload(conn, mail_store.snapshot_context(conn, snapshot.row), o)
        if payload is None:
            refused.append(outbox.Outcome(message.message_id, False, "not sent: the organiser or the answerer has "
                                          "no valid e-mail address", permanent=True))
            continue
        text, summary = encode(payload), _summary(payload)
        outbox.set_payload(conn, message.message_id, text, summary, payload.to.email)
        ready.append(replace(message, payload=text, summary=summary, destination=payload.to.email))
    return ready, refused


def _reply_payload(conn: Connection, found: mail_store.ReplyContext, o: _ReplyOptions) -> MailPayload | None:
    """The REPLY a snapshot says, with the booking's invitation record (made now if there was none)."""
    organizer_name = " ".join(p for p in (found.organizer_first, found.organizer_last) if p) or found.organizer_user
    if not valid_address(found.organizer_email) or not valid_address(found.answerer_email):
        return None
    organizer = Party(name=organizer_name, email=found.organizer_email)
    me = Party(name=" ".join(p for p in (found.answerer_first, found.answerer_last) if p) or found.answerer_email,
               email=found.answerer_email)
    invitation = found.invitation or outbox.get_invitation(conn, o.mother_id)
    if invitation is None and found.recurrence_rule_id:
        invitation = mail_store.series_invitation(conn, found.recurrence_rule_id)
    if invitation is None:
        invitation = outbox.add_invitation(conn, o.mother_id, f"{uuid.uuid4()}@sodiary", o.answered_at,
                                           organizer.email, organizer.name, o.language)
    text = "\n\n".join(t for t in (found.description, found.agenda) if t)  # never internal_notes
    times: dict[str, Any]
    if found.is_allday:
        times = dict(start_date=found.start.date(), end_date=_allday_end(found.start, found.end))
    else:
        tz = _tz(o.zone)
        times = dict(start=_utc(found.start, tz), end=_utc(found.end, tz))
    if invitation.series:  # an occurrence of a series mailed as one event: the answer is about that one
        original = found.original_start or found.start
        times.update({"recurrence_date": original.date()} if found.is_allday
                     else {"recurrence_id": _utc(original, _tz(o.zone))})
    event = Event(uid=invitation.uid, sequence=invitation.sequence, dtstamp=invitation.dtstamp.replace(tzinfo=UTC),
                  organizer=organizer, summary=found.title, location=found.location, description=text, **times)
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
