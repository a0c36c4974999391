"""One booking's rows written: a new appointment or booking, an update of one, its participant list.

A booking is the mother row for the organiser and one child per other participant (spec §2.1, §2.6.1).
Updates are the organiser's: the shared text and the meeting's fields change on every row, a new time
moves the children by the state machine (Operation.MOVE), and the participant list is diffed against
the children. Recurring series are series.py's, built from the same rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from ...domain import booking, rights
from ...domain.appointment import AppointmentRow, fresh, holding
from ...domain.booking import Operation
from ...domain.enums import (
    ActivityStatus,
    AppointmentStatus,
    AppointmentType,
    RecurrenceUpdateMode,
    UserType,
)
from ...domain.errors import Conflict, Forbidden, Invalid, NotFound
from ...store import appointments, bookings
from ...store import entities as store
from ...store.entities import AssociateInfo
from ..context import Caller
from .model import ParticipantInput, SaveInput, person_of
from .reads import last_modified

S = AppointmentStatus
T = AppointmentType


@dataclass(frozen=True, slots=True)
class Invitee:
    key: tuple[str, int]  # ("a", associate id) or ("p", person id) for an external person
    associate_id: int
    person_id: int
    resource: bool


Invitees = dict[tuple[str, int], Invitee]


def invitees(conn: Connection, organiser: int, participants: Iterable[ParticipantInput]) -> Invitees:
    """The participants other than the organiser, resolved to users, resources or external persons."""
    wanted = list(participants)
    users = store.associates(conn, [p.associate_id for p in wanted])
    people = store.persons(conn, [p.person_id for p in wanted if not p.associate_id])
    out: Invitees = {}
    for p in wanted:
        associate_id = p.associate_id
        if not associate_id and p.person_id:
            person = people.get(p.person_id)
            if person is None:
                raise Invalid("unknown_person", person_id=p.person_id)
            associate_id = person.associate_id  # a person who is a user is invited as that user
            if not associate_id:
                out.setdefault(("p", p.person_id), Invitee(("p", p.person_id), 0, p.person_id, False))
                continue
            users.update(store.associates(conn, [associate_id]))
        if not associate_id or associate_id == organiser:
            continue  # e-mail-only participants are not supported; the organiser has the mother row
        info = users.get(associate_id)
        if info is None:
            raise Invalid("unknown_associate", associate_id=associate_id)
        resource = info.type == int(UserType.ResourceAssociate)
        out.setdefault(("a", associate_id), Invitee(("a", associate_id), associate_id, person_of(info), resource))
    return out


def participants_of(rows: Iterable[AppointmentRow]) -> list[ParticipantInput]:
    """The rows' people as Save's participants: a user by associate id, an external person by person id."""
    return [ParticipantInput(r.associate_id, 0 if r.associate_id else r.invited_person_id) for r in rows]


def base_type(type_: AppointmentType) -> AppointmentType:
    """The organiser's row type: booking types are the children's, Unknown is a diary entry."""
    return {T.BookingForDiary: T.inDiary, T.BookingForChecklist: T.inChecklist, T.Unknown: T.inDiary}.get(type_, type_)


def status_for(completed: ActivityStatus) -> AppointmentStatus:
    return {ActivityStatus.Started: S.Started, ActivityStatus.Completed: S.Completed}.get(completed, S.NotStarted)


def shared_values(data: SaveInput, person_contact: int) -> dict[str, Any]:
    """Columns that every row of a booking shares."""
    return dict(
        person_id=data.person_id, contact_id=data.contact_id or person_contact, task_id=data.task_id,
        private=int(data.private), start_date=data.start, end_date=data.end, active_date=data.start,
        title=data.title[:254], location=data.location[:254], is_allday=data.is_allday, is_free=data.is_free,
    )


def own_values(data: SaveInput) -> dict[str, Any]:
    """Columns of the organiser's own row only (alarms and buffers are personal)."""
    return dict(has_alarm=data.has_alarm, alarm_lead_seconds=data.alarm_lead_seconds,
                lead_seconds=data.lead_seconds, lag_seconds=data.lag_seconds)


def text_of(data: SaveInput) -> dict[str, str]:
    return dict(description=data.description, agenda=data.agenda, internal_notes=data.internal_notes)


def person_contact(conn: Connection, person_id: int) -> int:
    if not person_id:
        return 0
    person = store.persons(conn, [person_id]).get(person_id)
    if person is None:
        raise Invalid("unknown_person", person_id=person_id)
    return person.contact_id


def child_row(mother: AppointmentRow, invitee: Invitee, base: AppointmentType) -> AppointmentRow:
    """An invitee's row of the booking `mother` describes: no alarm or buffers of the organiser's."""
    if invitee.resource:  # resources cannot answer: accepted at once
        type_, status = base, S.NotStarted
    else:
        type_ = T.BookingForChecklist if base == T.inChecklist else T.BookingForDiary
        status = S.Booking
    return replace(mother, associate_id=invitee.associate_id, invited_person_id=invitee.person_id, type=type_,
                   status=status, has_alarm=False, alarm_lead_seconds=0, lead_seconds=0, lag_seconds=0,
                   assigned_by=0)


@dataclass(frozen=True, slots=True)
class NewBooking:
    """A new appointment or booking as Save checked it: the organiser's row, its invitees, the base type."""

    own: AppointmentRow  # the organiser's row (mother_id 0, no text yet)
    invitees: Invitees
    base: AppointmentType

    def children(self) -> list[AppointmentRow]:
        return [child_row(self.own, i, self.base) for i in self.invitees.values()]


def new_booking(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> NewBooking:
    """Check a create (who may book in whose diary, who is invited) and build the organiser's row."""
    organiser = data.associate_id or caller.associate_id
    owner: AssociateInfo | None = store.associates(conn, [organiser]).get(organiser)
    if owner is None:
        raise Invalid("unknown_associate", associate_id=organiser)
    found = invitees(conn, organiser, data.participants)
    if not rights.may_create(caller.associate_id, organiser, has_invitees=bool(found)):
        raise Forbidden("book_as_other", associate_id=organiser, field="Associate")
    base = base_type(data.type)
    status = status_for(data.completed)
    assigned_by = 0
    if organiser != caller.associate_id and not found:
        status, assigned_by = S.Assignment, caller.associate_id  # spec §2.1: a row put in another's diary
    own = AppointmentRow(
        **shared_values(data, person_contact(conn, data.person_id)), **own_values(data),
        registered=now, registered_associate_id=caller.associate_id, mother_associate_id=organiser,
        associate_id=organiser, invited_person_id=person_of(owner), type=base, status=status, assigned_by=assigned_by,
    )
    return NewBooking(own, found, base)


def create(conn: Connection, plan: NewBooking, data: SaveInput) -> int:
    """Insert a new plain appointment or booking (one text, the mother row, its children); its id."""
    text_id = appointments.insert_text(conn, data.description, data.agenda, data.internal_notes)
    own = replace(plan.own, text_id=text_id)
    mother_id = store.insert_row(conn, own)
    if plan.invitees:
        appointments.set_mother(conn, mother_id, mother_id)
        for child in NewBooking(own, plan.invitees, plan.base).children():
            store.insert_row(conn, replace(child, mother_id=mother_id))
    return mother_id


def organiser_row(conn: Connection, appointment_id: int) -> AppointmentRow | None:
    """The row an update applies to: the booking's mother for a child id, else the row itself."""
    row = store.get_row(conn, appointment_id)
    if row is not None and row.is_child:
        return store.get_row(conn, row.mother_id)
    return row


def update(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> int:
    """Save on an existing row, for the one occurrence it is: the organiser's row and its booking's."""
    row = store.get_row(conn, data.appointment_id)
    if row is None or not row.visible_to(caller.associate_id):
        raise NotFound("appointment_not_found", appointment_id=data.appointment_id)
    target = row
    if row.is_child:
        mother = store.get_row(conn, row.mother_id)
        if mother is None:
            raise Conflict("booking_cancelled", appointment_id=row.appointment_id)
        target = mother
    if not rights.may_change(caller.associate_id, holding(row, target if row.mother_id else None)):
        raise Forbidden("not_organiser" if row.mother_id else "not_your_appointment",
                        appointment_id=data.appointment_id)

    target_id = target.appointment_id
    rows = store.booking_rows(conn, target_id) if target.mother_id else [target]
    now = after_last_change(rows, now)
    children = [r for r in rows if r.appointment_id != target_id]
    base = base_type(data.type) if not target.mother_id else base_type(target.type)

    # The shared text.
    text = text_of(data)
    text_id = target.text_id
    if text_id is None:
        text_id = appointments.insert_text(conn, **text)
        store.update_rows(conn, [r.appointment_id for r in rows], {"text_id": text_id})
    elif any(getattr(target, k) != v for k, v in text.items()):
        store.update_text(conn, text_id, **text)

    # The meeting's fields, on every row.
    shared = shared_values(data, person_contact(conn, data.person_id))
    changed_shared = {k: v for k, v in shared.items() if getattr(target, k) != v}
    store.update_rows(conn, [r.appointment_id for r in rows], changed_shared)
    own = dict(own_values(data), type=int(base))
    if target.status in booking.ACCEPTED_STATES:
        own["status"] = int(status_for(data.completed))
    store.update_rows(conn, [target_id], own)
    touched = {target_id}
    if changed_shared:
        touched.update(r.appointment_id for r in rows)
    store.bump(conn, touched, caller.associate_id, now)

    # A new time asks the invitees again (§2.4, Move); resources stay booked.
    if "start_date" in changed_shared or "end_date" in changed_shared:
        resources = _resources(conn, children)
        moving = [r.booking_row for r in children if r.associate_id not in resources]
        changes = booking.plan_each(Operation.MOVE, moving)  # e.g. an assignment has nothing to move
        bookings.write_changes(conn, changes, caller.stamp(Operation.MOVE.value, RecurrenceUpdateMode.OnlyThis, now))

    # The participant list: add children for new invitees, remove those no longer listed.
    if data.participants:
        _sync_participants(conn, target, children, data, base, caller, now)
    return target_id


_MAX_LEAD = timedelta(seconds=60)


def after_last_change(rows: Iterable[AppointmentRow], now: datetime) -> datetime:
    """`now`, or the second after the rows' last change when that is this second (or a few ahead, after a
    burst of saves): every save moves Last-Modified (whole seconds) on, so If-Unmodified-Since tells a
    state from the next even within one second. A stamp further ahead is not ours to follow (clock skew,
    imported data): then `now`."""
    last = last_modified(rows)
    if last is None or not now.replace(microsecond=0) <= last <= now + _MAX_LEAD:
        return now
    return last + timedelta(seconds=1)


def _key(row: AppointmentRow) -> tuple[str, int]:
    return ("a", row.associate_id) if row.associate_id else ("p", row.invited_person_id)


def _resources(conn: Connection, rows: Iterable[AppointmentRow]) -> set[int]:
    found = store.associates(conn, [r.associate_id for r in rows])
    return {i for i, a in found.items() if a.type == int(UserType.ResourceAssociate)}


def _sync_participants(
    conn: Connection, target: AppointmentRow, children: list[AppointmentRow], data: SaveInput,
    base: AppointmentType, caller: Caller, now: datetime,
) -> None:
    target_id = target.appointment_id
    wanted = invitees(conn, target.associate_id, data.participants)
    existing = {_key(r): r for r in children}
    removed = [r.appointment_id for k, r in existing.items() if k not in wanted]
    store.delete_rows(conn, removed)
    added = [i for k, i in wanted.items() if k not in existing]
    if added:
        current = store.get_row(conn, target_id)
        assert current is not None
        template = fresh(current, registered=now, registered_associate_id=caller.associate_id)
        for invitee in added:
            store.insert_row(conn, replace(child_row(template, invitee, base), mother_id=target_id))
    remaining = len(existing) - len(removed) + len(added)
    if remaining and not target.mother_id:
        store.update_rows(conn, [target_id], {"mother_id": target_id})
    elif not remaining and target.mother_id:
        store.update_rows(conn, [target_id], {"mother_id": 0})
