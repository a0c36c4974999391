"""Whole appointments: defaults, read, save (bookings included) and the diary lists.

Save creates or updates a booking as one unit of work: the mother row for the organiser, one
child per other participant (spec §2.1, §2.6.1). Updates are the organiser's: the shared text
and the meeting's fields change on every row, a new time moves the children by the state
machine (Operation.MOVE), and the participant list is diffed against the children.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_
from sqlalchemy.engine import Connection

from ..domain import booking, rights
from ..domain.booking import BookingRow, Operation
from ..domain.enums import (
    ActivityStatus,
    AppointmentPrivate,
    AppointmentStatus,
    AppointmentType,
    RecurrenceUpdateMode,
    TaskType,
    UserType,
)
from ..domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from ..domain.preconditions import NONE as NO_PRECONDITIONS
from ..domain.preconditions import EntityTag, Preconditions, Version
from ..store import appointments, bookings
from ..store import entities as store
from ..store.database import Database
from ..store.entities import AssociateInfo, ContactInfo, PersonInfo, Row
from ..store.schema import appointment
from . import recurrence
from .clock import utc_now
from .context import Caller
from .recurrence import SeriesInput

S = AppointmentStatus
T = AppointmentType
_a = appointment.c


@dataclass(frozen=True, slots=True)
class People:
    """Everyone the rows mention, by id."""

    associates: dict[int, AssociateInfo] = field(default_factory=dict)
    persons: dict[int, PersonInfo] = field(default_factory=dict)
    contacts: dict[int, ContactInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntityData:
    """One row seen as an AppointmentEntity: the row, its booking, its rule and its people."""

    row: Row
    booking: list[Row]  # every row of the booking, mother first; [row] for a plain appointment
    rule: Row | None
    rule_dates: list[datetime]
    conflict: bool
    people: People
    task_type: TaskType = TaskType.Appointment

    @property
    def mother(self) -> Row | None:
        return next((r for r in self.booking if r["appointment_id"] == self.row["mother_id"]), None)


@dataclass(frozen=True, slots=True)
class ListData:
    rows: list[Row]
    people: People
    rules: dict[int, Row] = field(default_factory=dict)  # the rows' recurrence rules by id


@dataclass(frozen=True, slots=True)
class ParticipantInput:
    associate_id: int = 0
    person_id: int = 0


@dataclass(frozen=True, slots=True)
class SaveInput:
    """What Save takes from an entity; datetimes are base-zone wall clock."""

    appointment_id: int
    start: datetime | None
    end: datetime | None
    associate_id: int = 0  # organiser / owner; 0 = the caller
    person_id: int = 0
    contact_id: int = 0
    task_id: int = 0
    type: AppointmentType = T.inDiary
    private: AppointmentPrivate = AppointmentPrivate.Public
    completed: ActivityStatus = ActivityStatus.NotStarted
    title: str = ""
    location: str = ""
    description: str = ""
    agenda: str = ""
    internal_notes: str = ""
    is_allday: bool = False
    is_free: bool = False
    has_alarm: bool = False
    alarm_lead_seconds: int = 0
    lead_seconds: int = 0
    lag_seconds: int = 0
    participants: tuple[ParticipantInput, ...] = ()
    recurrence: recurrence.SeriesInput | None = None  # a new series; on an update, a changed one
    mode: RecurrenceUpdateMode = RecurrenceUpdateMode.OnlyThis  # which occurrences an update covers
    # On an update: given the entity as the save's own unit of work reads it, the series the save re-patterns
    # from this occurrence on, or None when the Recurrence sent is the one stored (then `recurrence` is unused).
    series_change: Callable[[EntityData], SeriesInput | None] | None = None


def task_type_of(type_: AppointmentType) -> TaskType:
    return TaskType.ToDo if type_ in (T.inChecklist, T.BookingForChecklist) else TaskType.Appointment


def type_for_task(task_type: TaskType) -> AppointmentType:
    return T.inChecklist if task_type is TaskType.ToDo else T.inDiary


# Defaults.


def next_half_hour(now: datetime) -> datetime:
    base = now.replace(second=0, microsecond=0)
    return base + timedelta(minutes=30 - base.minute % 30)


async def create_default(
    db: Database, caller: Caller, local_now: datetime, task_type: TaskType = TaskType.Appointment, owner_id: int = 0
) -> EntityData:
    """A new, unsaved entity: the owner's, starting at the next half hour (base-zone `local_now`)."""
    return await db.transaction(lambda conn: _default(conn, caller, local_now, task_type, owner_id))


def _default(conn: Connection, caller: Caller, local_now: datetime, task_type: TaskType, owner_id: int) -> EntityData:
    owner = owner_id or caller.associate_id
    people = _people(conn, associates=[owner, caller.associate_id])
    info = people.associates.get(owner)
    if info is None:
        raise Invalid("unknown_associate", associate_id=owner)
    start = next_half_hour(local_now)
    type_ = type_for_task(task_type)
    row: dict[str, Any] = {c.name: getattr(c.default, "arg", None) for c in appointment.columns}
    row.update(
        appointment_id=0, mother_id=0, associate_id=owner, invited_person_id=_person_of(info), type=int(type_),
        status=int(S.NotStarted), start_date=start, end_date=start + timedelta(hours=1), active_date=start,
        registered=None, registered_associate_id=caller.associate_id, mother_associate_id=owner, updated=None,
        description="", agenda="", internal_notes="",
    )
    return EntityData(row, [row], None, [], False, people, task_type)


async def copy_entity(db: Database, caller: Caller, appointment_id: int, owner_id: int,
                      local_now: datetime) -> EntityData | None:
    """CreateAppointmentEntityFromExisting: an unsaved copy of a visible appointment (None if there is
    none) for `owner_id` (0 = the caller), with the same task type and participants, on today's date
    at the same time and for as long. The copy is one appointment: a series' rule is not copied."""
    return await db.transaction(lambda conn: _copy(conn, caller, appointment_id, owner_id, local_now))


def _copy(conn: Connection, caller: Caller, appointment_id: int, owner_id: int,
          local_now: datetime) -> EntityData | None:
    data = load_in(conn, caller, appointment_id)
    if data is None:
        return None
    source = data.mother or data.row  # the meeting as its organiser holds it
    owner = owner_id or caller.associate_id
    # Everyone in the meeting but the new owner: the old organiser too, when someone else copies it.
    wanted = _participants([r for r in data.booking if r["associate_id"] != owner])
    people = _people(conn, associates=[owner, caller.associate_id, *(p.associate_id for p in wanted)],
                     persons=[source["person_id"], *(r["invited_person_id"] for r in data.booking)],
                     contacts=[source["contact_id"]])
    info = people.associates.get(owner)
    if info is None:
        raise Invalid("unknown_associate", associate_id=owner)
    start = datetime.combine(local_now.date(), source["start_date"].time())
    base = _base_type(T(source["type"]))
    row = dict(
        source, appointment_id=0, mother_id=0, associate_id=owner, invited_person_id=_person_of(info),
        type=int(base), status=int(S.NotStarted), start_date=start,
        end_date=start + (source["end_date"] - source["start_date"]), active_date=start, original_start_date=None,
        recurrence_rule_id=0, registered=None, registered_associate_id=caller.associate_id,
        mother_associate_id=owner, updated=None, updated_associate_id=0, updated_count=0, reject_counter=0,
        reject_reason="", assigned_by=0,
    )
    children = [_child_values(row, i, base) for i in _invitees(conn, owner, wanted).values()]
    return EntityData(row, [row, *children], None, [], False, people, task_type_of(base))


# Reads.


async def get_entity(db: Database, caller: Caller, appointment_id: int) -> EntityData | None:
    """The row as an entity, or None when it does not exist or is another user's private row."""
    return await db.transaction(lambda conn: load_in(conn, caller, appointment_id))


def load_in(conn: Connection, caller: Caller, appointment_id: int) -> EntityData | None:
    row = store.get_row(conn, appointment_id)
    if row is None or not store.is_visible(row, caller.associate_id):
        return None
    rows = store.booking_rows(conn, row["mother_id"]) if row["mother_id"] else [row]
    rule = store.get_rule(conn, row["recurrence_rule_id"])
    dates = store.rule_dates(conn, rule["recurrence_rule_id"], row["associate_id"]) if rule else []
    people = _people(
        conn,
        associates=[x for r in rows for x in (r["associate_id"], r["registered_associate_id"],
                                              r["updated_associate_id"], r["assigned_by"], r["mother_associate_id"])],
        persons=[row["person_id"], *(r["invited_person_id"] for r in rows)],
        contacts=[row["contact_id"]],
    )
    return EntityData(row, rows, rule, dates, store.has_conflict(conn, row), people, task_type_of(T(row["type"])))


async def get_appointments(db: Database, caller: Caller, ids: Sequence[int]) -> ListData:
    """Simple rows for the ids, in the order asked; unknown and invisible ids are left out."""

    def work(conn: Connection) -> ListData:
        found = store.get_rows(conn, ids)
        seen: set[int] = set()
        rows = []
        for i in ids:
            r = found.get(i)
            if r is not None and i not in seen and store.is_visible(r, caller.associate_id):
                rows.append(r)
                seen.add(i)
        return _list(conn, rows)

    return await db.transaction(work)


async def get_records(db: Database, caller: Caller, mother_id: int, rule_id: int) -> ListData:
    def work(conn: Connection) -> ListData:
        rows = [r for r in store.records(conn, mother_id, rule_id) if store.is_visible(r, caller.associate_id)]
        return _list(conn, rows)

    return await db.transaction(work)


# What shows in a diary: accepted rows of diary types (not pending, declined or cancelled invitations,
# not assignments still to be answered, not checklist items).
_DIARY_STATES = [int(s) for s in (S.UnknownOrPostIt, *booking.ACCEPTED_STATES)]
_IN_DIARY = and_(_a.type == int(T.inDiary), _a.status.in_(_DIARY_STATES))


_IN_TASKS = and_(_a.type == int(T.inChecklist), _a.status.in_(_DIARY_STATES))


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The rows a list method answers: every condition given holds, and rows private to others are left out.

    `shows_in` is "diary" (what the diary shows: own rows and accepted invitations), "tasks" (the same for
    the task list) or "" (every row, pending invitations included)."""

    associates: tuple[int, ...] | None = None  # whose diary table
    person_id: int | None = None
    contact_id: int | None = None
    shows_in: str = ""
    type: AppointmentType | None = None
    task_ids: tuple[int, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    count: int = -1


async def find(db: Database, caller: Caller, query: ListQuery) -> ListData:
    return await _window(db, _where(caller, query), query.start, query.end, query.count)


def _where(caller: Caller, q: ListQuery) -> ColumnElement[bool]:
    parts: list[ColumnElement[bool]] = [store.visible_to(caller.associate_id)]
    if q.associates is not None:
        parts.append(_a.associate_id.in_(q.associates))
    if q.person_id is not None:
        parts.append(_a.person_id == q.person_id)
    if q.contact_id is not None:
        parts.append(_a.contact_id == q.contact_id)
    if q.shows_in:
        parts.append(_IN_DIARY if q.shows_in == "diary" else _IN_TASKS)
    if q.type is not None:
        parts.append(_a.type == int(q.type))
    if q.task_ids is not None:
        parts.append(_a.task_id.in_(q.task_ids))
    return and_(*parts)


async def person_diary(db: Database, caller: Caller, person_id: int, start: datetime | None, end: datetime | None,
                       count: int) -> ListData:
    """The diary of the user who is this person; a person who is no user is refused (spec §4.3 #36)."""

    def work(conn: Connection) -> ListData:
        person = store.persons(conn, [person_id]).get(person_id)
        if person is None:
            raise Invalid("unknown_person", person_id=person_id)
        if not person.associate_id:
            raise Invalid("person_not_user", person_id=person_id)
        query = ListQuery(associates=(person.associate_id,), shows_in="diary", start=start, end=end, count=count)
        return _list(conn, store.window(conn, _where(caller, query), start, end, count))

    return await db.transaction(work)


async def _window(db: Database, where: Any, start: datetime | None, end: datetime | None, count: int) -> ListData:
    return await db.transaction(lambda conn: _list(conn, store.window(conn, where, start, end, count)))


async def organizer_name(db: Database, caller: Caller, appointment_id: int) -> str | None:
    """The organiser's full name for a booking row (mother or child); None if unknown or invisible."""

    def work(conn: Connection) -> str | None:
        row = store.get_row(conn, appointment_id)
        if row is None or not store.is_visible(row, caller.associate_id):
            return None
        owner = row["associate_id"]
        if row["mother_id"] and row["mother_id"] != row["appointment_id"]:
            mother = store.get_row(conn, row["mother_id"])
            owner = mother["associate_id"] if mother is not None else row["mother_associate_id"]
        info = store.associates(conn, [owner]).get(owner)
        return info.full_name if info is not None else None

    return await db.transaction(work)


def _list(conn: Connection, rows: list[Row]) -> ListData:
    return ListData(rows, _people(
        conn,
        associates=[x for r in rows for x in (r["associate_id"], r["registered_associate_id"], r["assigned_by"])],
        persons=[r["person_id"] for r in rows],
        contacts=[r["contact_id"] for r in rows],
    ), _rules(conn, {r["recurrence_rule_id"] for r in rows}))


def _rules(conn: Connection, ids: set[int]) -> dict[int, Row]:
    found = {i: store.get_rule(conn, i) for i in sorted(ids) if i}
    return {i: r for i, r in found.items() if r is not None}


def _people(
    conn: Connection, associates: Iterable[int] = (), persons: Iterable[int] = (), contacts: Iterable[int] = ()
) -> People:
    found_persons = store.persons(conn, persons)
    found_contacts = store.contacts(conn, [*contacts, *(p.contact_id for p in found_persons.values())])
    return People(store.associates(conn, associates), found_persons, found_contacts)


def _person_of(info: AssociateInfo | None) -> int:
    return info.person.person_id if info is not None and info.person is not None else 0


# Save.


async def save_entity(db: Database, caller: Caller, data: SaveInput) -> EntityData:
    """Create (id 0) or update an appointment or booking; the saved row (the mother's view) back."""
    return await db.transaction(lambda conn: save_in(conn, caller, data))


Edit = Callable[[EntityData], SaveInput]


async def edit_entity(db: Database, caller: Caller, appointment_id: int, edit: Edit,
                      pre: Preconditions = NO_PRECONDITIONS) -> EntityData:
    """REST PUT and PATCH, in ONE unit of work: read the entity (404), check the request's preconditions
    against that very read (412), let `edit` turn it into what to save (a PATCH applies itself to it), save.

    The unit first takes the booking's write lock, so a concurrent edit of the same booking reads what
    this one wrote: two requests holding one validator cannot both pass, and two PATCHes of different
    members both land."""

    def work(conn: Connection) -> EntityData:
        stored = _current(conn, caller, appointment_id, pre)
        return save_in(conn, caller, replace(edit(stored), appointment_id=appointment_id), stored)

    return await db.transaction(work)


def current_entity(conn: Connection, caller: Caller, appointment_id: int, pre: Preconditions) -> EntityData:
    """Within another use case's unit of work (REST PUT/PATCH with mail): the entity, locked and checked."""
    return _current(conn, caller, appointment_id, pre)


def check_preconditions(conn: Connection, caller: Caller, appointment_id: int, pre: Preconditions) -> None:
    """Within another use case's unit of work (Delete): the entity exists for the caller (else NotFound)
    and the preconditions hold for it (else PreconditionFailed); the booking stays locked until the end."""
    _current(conn, caller, appointment_id, pre)


def _current(conn: Connection, caller: Caller, appointment_id: int, pre: Preconditions) -> EntityData:
    store.lock_organiser_row(conn, appointment_id)
    stored = load_in(conn, caller, appointment_id)
    if stored is None:
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    pre.check(appointment_id, version_of(stored))
    return stored


def save_in(conn: Connection, caller: Caller, data: SaveInput, stored: EntityData | None = None) -> EntityData:
    if data.start is None or data.end is None:
        raise Invalid("dates_required")
    if data.end < data.start:
        raise Invalid("end_before_start", appointment_id=data.appointment_id)
    if data.series_change is not None and data.appointment_id:
        # "Was the Recurrence changed?" is asked of the series as this unit of work reads it.
        stored = stored or load_in(conn, caller, data.appointment_id)
        data = replace(data, recurrence=data.series_change(stored) if stored is not None else None,
                       series_change=None)
    now = utc_now()
    saved = _create(conn, caller, data, now) if data.appointment_id == 0 else _update_series(conn, caller, data, now)
    loaded = load_in(conn, caller, saved)
    if loaded is None:  # the organiser may always see the booking they just saved
        raise NotFound("appointment_not_found", appointment_id=saved)
    return loaded


# Versions: what ETag and Last-Modified say, and what conditional requests are checked against.

# Every stored column of a booking's rows that an entity shows and that some write changes; the shared text
# and the organiser's own fields change only by Save, which always counts the organiser's row up.
_VERSION_COLUMNS = ("appointment_id", "mother_id", "associate_id", "type", "status", "updated", "updated_count",
                    "recurrence_rule_id", "text_id", "reject_counter")


def modified_at(row: Row) -> datetime:
    """When the row last changed: Updated, else Created, at one-second resolution (UTC)."""
    stamp: datetime | None = row["updated"] or row["registered"]
    return (stamp or datetime(1, 1, 1)).replace(microsecond=0)


def version_of(data: EntityData) -> Version:
    """The entity's version: a strong tag that changes whenever the stored booking it shows does (any row
    of it, its rule, its remaining dates), and its modification second (docs/decisions.md, "Conditional requests")."""
    parts = (data.row["appointment_id"], [tuple(r[k] for k in _VERSION_COLUMNS) for r in data.booking],
             sorted(data.rule.items()) if data.rule is not None else None, data.rule_dates)
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return Version(EntityTag(f'"{digest}"'), modified_at(data.row))


_MAX_LEAD = timedelta(seconds=60)


def _after_last_change(rows: Iterable[Row], now: datetime) -> datetime:
    """`now`, or the second after the rows' last change when that is this second (or a few ahead, after a
    burst of saves): every save moves Last-Modified (whole seconds) on, so If-Unmodified-Since tells a
    state from the next even within one second. A stamp further ahead is not ours to follow (clock skew,
    imported data): then `now`."""
    last = max((modified_at(r) for r in rows), default=None)
    if last is None or not now.replace(microsecond=0) <= last <= now + _MAX_LEAD:
        return now
    return last + timedelta(seconds=1)


class _WouldSave(Exception):
    """Raised after a trial save succeeded, so that its unit of work rolls back."""


async def refusal(db: Database, caller: Caller, data: SaveInput) -> DomainError | None:
    """What saving `data` would be refused with (ValidateAppointmentEntity), or None if it would save.

    The save itself runs, with every check it makes, in a unit of work that is then rolled back:
    validation cannot drift from what Save does, and nothing is written."""

    def work(conn: Connection) -> None:
        save_in(conn, caller, data)
        raise _WouldSave

    try:
        await db.transaction(work)
    except _WouldSave:
        return None
    except DomainError as exc:
        return exc
    raise AssertionError("a trial save always raises")


async def can_insert_for(db: Database, associate_ids: Sequence[int]) -> list[bool]:
    """GetCanInsertForAssociates: whether the caller may put appointments in each diary, in order.

    Anyone may put an appointment in another user's diary (it arrives as an assignment); the
    diary has to exist and belong to a user who is not disabled."""

    def work(conn: Connection) -> list[bool]:
        found = store.associates(conn, associate_ids)
        return [i in found and not found[i].disabled for i in associate_ids]

    return await db.transaction(work)


@dataclass(frozen=True, slots=True)
class _Invitee:
    key: tuple[str, int]  # ("a", associate id) or ("p", person id) for an external person
    associate_id: int
    person_id: int
    resource: bool


def _invitees(
    conn: Connection, organiser: int, participants: Iterable[ParticipantInput]
) -> dict[tuple[str, int], _Invitee]:
    """The participants other than the organiser, resolved to users, resources or external persons."""
    wanted = list(participants)
    users = store.associates(conn, [p.associate_id for p in wanted])
    people = store.persons(conn, [p.person_id for p in wanted if not p.associate_id])
    out: dict[tuple[str, int], _Invitee] = {}
    for p in wanted:
        associate_id = p.associate_id
        if not associate_id and p.person_id:
            person = people.get(p.person_id)
            if person is None:
                raise Invalid("unknown_person", person_id=p.person_id)
            associate_id = person.associate_id  # a person who is a user is invited as that user
            if not associate_id:
                out.setdefault(("p", p.person_id), _Invitee(("p", p.person_id), 0, p.person_id, False))
                continue
            users.update(store.associates(conn, [associate_id]))
        if not associate_id or associate_id == organiser:
            continue  # e-mail-only participants are not supported; the organiser has the mother row
        info = users.get(associate_id)
        if info is None:
            raise Invalid("unknown_associate", associate_id=associate_id)
        resource = info.type == int(UserType.ResourceAssociate)
        out.setdefault(("a", associate_id), _Invitee(("a", associate_id), associate_id, _person_of(info), resource))
    return out


def _base_type(type_: AppointmentType) -> AppointmentType:
    """The organiser's row type: booking types are the children's, Unknown is a diary entry."""
    return {T.BookingForDiary: T.inDiary, T.BookingForChecklist: T.inChecklist, T.Unknown: T.inDiary}.get(type_, type_)


def _status_for(completed: ActivityStatus) -> AppointmentStatus:
    return {ActivityStatus.Started: S.Started, ActivityStatus.Completed: S.Completed}.get(completed, S.NotStarted)


def _shared_values(data: SaveInput, person_contact: int) -> dict[str, Any]:
    """Columns that every row of a booking shares."""
    return dict(
        person_id=data.person_id, contact_id=data.contact_id or person_contact, task_id=data.task_id,
        private=int(data.private), start_date=data.start, end_date=data.end, active_date=data.start,
        title=data.title[:254], location=data.location[:254], is_allday=data.is_allday, is_free=data.is_free,
    )


def _own_values(data: SaveInput) -> dict[str, Any]:
    """Columns of the organiser's own row only (alarms and buffers are personal)."""
    return dict(has_alarm=data.has_alarm, alarm_lead_seconds=data.alarm_lead_seconds,
                lead_seconds=data.lead_seconds, lag_seconds=data.lag_seconds)


def _person_contact(conn: Connection, person_id: int) -> int:
    if not person_id:
        return 0
    person = store.persons(conn, [person_id]).get(person_id)
    if person is None:
        raise Invalid("unknown_person", person_id=person_id)
    return person.contact_id


def _child_values(mother: dict[str, Any], invitee: _Invitee, base: AppointmentType) -> dict[str, Any]:
    if invitee.resource:  # resources cannot answer: accepted at once
        type_, status = base, S.NotStarted
    else:
        type_ = T.BookingForChecklist if base == T.inChecklist else T.BookingForDiary
        status = S.Booking
    return dict(mother, associate_id=invitee.associate_id, invited_person_id=invitee.person_id, type=int(type_),
                status=int(status), has_alarm=False, alarm_lead_seconds=0, lead_seconds=0, lag_seconds=0,
                assigned_by=0)


def _create(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> int:
    organiser = data.associate_id or caller.associate_id
    owner = store.associates(conn, [organiser]).get(organiser)
    if owner is None:
        raise Invalid("unknown_associate", associate_id=organiser)
    invitees = _invitees(conn, organiser, data.participants)
    if not rights.may_create(caller.associate_id, organiser, has_invitees=bool(invitees)):
        raise Forbidden("book_as_other", associate_id=organiser, field="Associate")
    base = _base_type(data.type)
    status = _status_for(data.completed)
    assigned_by = 0
    if organiser != caller.associate_id and not invitees:
        status, assigned_by = S.Assignment, caller.associate_id  # spec §2.1: a row put in another's diary
    if data.recurrence is not None:
        return _create_series(conn, caller, data, now, organiser, owner, invitees, base, status, assigned_by)
    text_id = appointments.insert_text(conn, data.description, data.agenda, data.internal_notes)
    mother = dict(
        _shared_values(data, _person_contact(conn, data.person_id)), text_id=text_id, registered=now,
        registered_associate_id=caller.associate_id, mother_associate_id=organiser, mother_id=0,
    )
    own = dict(mother, **_own_values(data), associate_id=organiser, invited_person_id=_person_of(owner),
               type=int(base), status=int(status), assigned_by=assigned_by)
    mother_id = store.insert_row(conn, own)
    if invitees:
        appointments.set_mother(conn, mother_id, mother_id)
        for invitee in invitees.values():
            store.insert_row(conn, dict(_child_values(mother, invitee, base), mother_id=mother_id))
    return mother_id


def _create_series(conn: Connection, caller: Caller, data: SaveInput, now: datetime, organiser: int,
                   owner: AssociateInfo, invitees: dict[tuple[str, int], _Invitee], base: AppointmentType,
                   status: AppointmentStatus, assigned_by: int) -> int:
    """A new recurring appointment or booking: the rule and every occurrence in one unit of work (§2.7)."""
    assert data.recurrence is not None and data.start is not None
    occurrences = recurrence.starts(data.recurrence, data.start, data.is_allday)
    mother = dict(
        _shared_values(data, _person_contact(conn, data.person_id)), registered=now,
        registered_associate_id=caller.associate_id, mother_associate_id=organiser, mother_id=0,
        updated=None, updated_associate_id=0, updated_count=0, reject_reason="", reject_counter=0,
    )
    own = dict(mother, **_own_values(data), associate_id=organiser, invited_person_id=_person_of(owner),
               type=int(base), status=int(status), assigned_by=assigned_by)
    children = [_child_values(mother, i, base) for i in invitees.values()]
    text = dict(description=data.description, agenda=data.agenda, internal_notes=data.internal_notes)
    return recurrence.insert_series(conn, recurrence.rule_values(data.recurrence.rule, occurrences), occurrences,
                                    own, children, text)


def _organiser_row(conn: Connection, appointment_id: int) -> Row | None:
    """The row an update applies to: the booking's mother for a child id, else the row itself."""
    row = store.get_row(conn, appointment_id)
    if row is not None and row["mother_id"] and row["mother_id"] != row["appointment_id"]:
        return store.get_row(conn, row["mother_id"])
    return row


def _update_series(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> int:
    """Save on an occurrence: OnlyThis, ThisAndForward (the later ones too) or StopRecurrence.

    The later occurrences are those after the occurrence's time BEFORE this save moves it. The save's
    own checks (organiser only…) raise within the same unit of work, undoing a stop already written.
    """
    bookings.lock_booking_of(conn, data.appointment_id)  # answers wait; what is read next stays as read
    origin = _organiser_row(conn, data.appointment_id)
    if origin is not None and data.recurrence is not None and data.mode is not RecurrenceUpdateMode.StopRecurrence:
        return _repattern(conn, caller, data, now, origin)
    if origin is None or not origin["recurrence_rule_id"]:
        return _update(conn, caller, data, now)
    if data.mode is RecurrenceUpdateMode.StopRecurrence:
        row = bookings.get_row(conn, origin["appointment_id"])
        assert row is not None
        recurrence.stop_for(conn, caller, row, now)
        return _update(conn, caller, data, now)
    later = recurrence.later_own(conn, origin) if data.mode is RecurrenceUpdateMode.ThisAndForward else []
    saved = _update(conn, caller, data, now)
    if later and data.start is not None and data.end is not None:
        # Every later occurrence moves by the same wall-clock step and takes the same fields.
        delta, duration = data.start - origin["start_date"], data.end - data.start
        for r in later:
            try:
                start = r["start_date"] + delta
                end = start + duration
            except OverflowError:
                raise Invalid("recurrence_beyond_calendar", date=r["start_date"].date().isoformat()) from None
            _update(conn, caller, replace(data, appointment_id=r["appointment_id"], start=start, end=end), now)
    return saved


def _repattern(conn: Connection, caller: Caller, data: SaveInput, now: datetime, origin: Row) -> int:
    """A changed Recurrence on an occurrence (or one given to a plain appointment): from this occurrence
    on, the series follows the new rule (docs/decisions.md, "Changing a series' pattern").

    The old series stops here as StopRecurrence stops it (later occurrences cancelled, their invitations
    too), the occurrence takes the rest of the save, then it starts a new rule whose later dates get new
    rows with the same participants, invited afresh. The save's own checks undo everything if they fail."""
    assert data.recurrence is not None
    old_rule = origin["recurrence_rule_id"]
    if old_rule:
        row = bookings.get_row(conn, origin["appointment_id"])
        assert row is not None
        recurrence.stop_for(conn, caller, row, now)
    saved = _update(conn, caller, replace(data, recurrence=None, mode=RecurrenceUpdateMode.OnlyThis), now)
    target = store.get_row(conn, saved)
    assert target is not None
    rows = store.booking_rows(conn, saved) if target["mother_id"] else [target]
    base = _base_type(T(target["type"]))
    status = S(target["status"])
    own = dict(_new_row_like(target, caller, now),
               status=int(S.NotStarted if status in (S.Started, S.Completed) else status))
    wanted = _participants([r for r in rows if r["appointment_id"] != saved])
    children = [_child_values(own, i, base) for i in _invitees(conn, target["associate_id"], wanted).values()]
    text = dict(description=data.description, agenda=data.agenda, internal_notes=data.internal_notes)
    recurrence.restart(conn, data.recurrence, own, children, text, [r["appointment_id"] for r in rows])
    if old_rule and store.get_rule(conn, old_rule) is not None:
        recurrence.end_with_own_rows(conn, old_rule, target["associate_id"])
    return saved


def _participants(rows: Iterable[Row]) -> list[ParticipantInput]:
    """The rows' people as Save's participants: a user by associate id, an external person by person id."""
    return [ParticipantInput(r["associate_id"], 0 if r["associate_id"] else r["invited_person_id"]) for r in rows]


def _new_row_like(row: Row, caller: Caller, now: datetime) -> dict[str, Any]:
    """The columns of `row` for a row that is new now (no id, registered by the caller, never updated)."""
    values = {c.name: row[c.name] for c in appointment.columns if c.name != "appointment_id"}
    values.update(registered=now, registered_associate_id=caller.associate_id, updated=None, updated_associate_id=0,
                  updated_count=0, reject_reason="", reject_counter=0)
    return values


def _key(row: Row) -> tuple[str, int]:
    return ("a", row["associate_id"]) if row["associate_id"] else ("p", row["invited_person_id"])


def _booking_row(row: Row) -> BookingRow:
    return BookingRow(row["appointment_id"], row["mother_id"], row["associate_id"], T(row["type"]),
                      S(row["status"]), row["recurrence_rule_id"], row["start_date"], row["assigned_by"])


def _update(conn: Connection, caller: Caller, data: SaveInput, now: datetime) -> int:
    row = store.get_row(conn, data.appointment_id)
    if row is None or not store.is_visible(row, caller.associate_id):
        raise NotFound("appointment_not_found", appointment_id=data.appointment_id)
    target = row
    if row["mother_id"] and row["mother_id"] != row["appointment_id"]:
        mother = store.get_row(conn, row["mother_id"])
        if mother is None:
            raise Conflict("booking_cancelled", appointment_id=row["appointment_id"])
        target = mother
    if not rights.may_change(caller.associate_id, holding(row, target if row["mother_id"] else None)):
        raise Forbidden("not_organiser" if row["mother_id"] else "not_your_appointment",
                        appointment_id=data.appointment_id)

    target_id = target["appointment_id"]
    rows = store.booking_rows(conn, target_id) if target["mother_id"] else [target]
    now = _after_last_change(rows, now)
    children = [r for r in rows if r["appointment_id"] != target_id]
    base = _base_type(data.type) if not target["mother_id"] else _base_type(T(target["type"]))

    # The shared text.
    text = dict(description=data.description, agenda=data.agenda, internal_notes=data.internal_notes)
    text_id = target["text_id"]
    if text_id is None:
        text_id = appointments.insert_text(conn, **text)
        store.update_rows(conn, [r["appointment_id"] for r in rows], {"text_id": text_id})
    elif any(target[k] != v for k, v in text.items()):
        store.update_text(conn, text_id, **text)

    # The meeting's fields, on every row.
    shared = _shared_values(data, _person_contact(conn, data.person_id))
    changed_shared = {k: v for k, v in shared.items() if target[k] != v}
    store.update_rows(conn, [r["appointment_id"] for r in rows], changed_shared)
    own = dict(_own_values(data), type=int(base))
    status = S(target["status"])
    if status in booking.ACCEPTED_STATES:
        own["status"] = int(_status_for(data.completed))
    store.update_rows(conn, [target_id], own)
    touched = {target_id}
    if changed_shared:
        touched.update(r["appointment_id"] for r in rows)
    store.bump(conn, touched, caller.associate_id, now)

    # A new time asks the invitees again (§2.4, Move); resources stay booked.
    if "start_date" in changed_shared or "end_date" in changed_shared:
        resources = _resources(conn, children)
        moving = [_booking_row(r) for r in children if r["associate_id"] not in resources]
        changes = _move(moving)
        bookings.write_changes(conn, changes, caller.stamp(Operation.MOVE.value, RecurrenceUpdateMode.OnlyThis, now))

    # The participant list: add children for new invitees, remove those no longer listed.
    if data.participants:
        _sync_participants(conn, target, children, data, base, caller, now)
    return target_id


def holding(row: Row, mother: Row | None = None) -> rights.Holding:
    """Who holds an entity row, for rights.may_change: a child is its booking's organiser's — the owner
    of `mother`, or without it the row's `mother_associate_id` (the lists read no mother)."""
    organiser = mother["associate_id"] if mother is not None else row["mother_associate_id"]
    return booking.holding(_booking_row(row), organiser)


def _resources(conn: Connection, rows: Iterable[Row]) -> set[int]:
    found = store.associates(conn, [r["associate_id"] for r in rows])
    return {i for i, a in found.items() if a.type == int(UserType.ResourceAssociate)}


def _move(rows: Iterable[BookingRow]) -> list[booking.Change]:
    return booking.plan_each(Operation.MOVE, rows)  # e.g. an assignment has nothing to move


def _sync_participants(
    conn: Connection, target: Row, children: list[Row], data: SaveInput, base: AppointmentType, caller: Caller,
    now: datetime,
) -> None:
    target_id = target["appointment_id"]
    wanted = _invitees(conn, target["associate_id"], data.participants)
    existing = {_key(r): r for r in children}
    removed = [r["appointment_id"] for k, r in existing.items() if k not in wanted]
    store.delete_rows(conn, removed)
    added = [i for k, i in wanted.items() if k not in existing]
    if added:
        current = store.get_row(conn, target_id)
        assert current is not None
        template = _new_row_like(current, caller, now)
        for invitee in added:
            store.insert_row(conn, dict(_child_values(template, invitee, base), mother_id=target_id))
    remaining = len(existing) - len(removed) + len(added)
    if remaining and not target["mother_id"]:
        store.update_rows(conn, [target_id], {"mother_id": target_id})
    elif not remaining and target["mother_id"]:
        store.update_rows(conn, [target_id], {"mother_id": 0})
