"""Reads of whole appointments: one entity (with its booking, rule and people), the lists, versions.

Every read leaves out what the caller may not see: another associate's private row does not exist for them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import astuple
from datetime import datetime

from sqlalchemy.engine import Connection

from ...domain.appointment import AppointmentRow, ListQuery
from ...domain.errors import Invalid, NotFound
from ...domain.preconditions import EntityTag, Preconditions, Version
from ...store import entities as store
from ...store.database import Database
from ..context import Caller
from .model import EntityData, ListData, load_people, task_type_of


async def get_entity(db: Database, caller: Caller, appointment_id: int) -> EntityData | None:
    """The row as an entity, or None when it does not exist or is another user's private row."""
    return await db.transaction(lambda conn: load(conn, caller, appointment_id))


def load(conn: Connection, caller: Caller, appointment_id: int) -> EntityData | None:
    """Within a unit of work: the row as an entity, or None (unknown, or another user's private row)."""
    row = store.get_row(conn, appointment_id)
    if row is None or not row.visible_to(caller.associate_id):
        return None
    rows = store.booking_rows(conn, row.mother_id) if row.mother_id else [row]
    rule = store.get_rule(conn, row.recurrence_rule_id)
    dates = store.rule_dates(conn, rule.recurrence_rule_id, row.associate_id) if rule else []
    people = load_people(
        conn,
        associates=[x for r in rows for x in (r.associate_id, r.registered_associate_id, r.updated_associate_id,
                                              r.assigned_by, r.mother_associate_id)],
        persons=[row.person_id, *(r.invited_person_id for r in rows)],
        contacts=[row.contact_id],
    )
    return EntityData(row, rows, rule, dates, store.has_conflict(conn, row), people, task_type_of(row.type))


def current(conn: Connection, caller: Caller, appointment_id: int, pre: Preconditions) -> EntityData:
    """Within a unit of work that is about to change the entity: the entity, its booking locked for the rest
    of the unit (so what is checked is what is written), NotFound when the caller cannot see it, and
    PreconditionFailed when the request's preconditions do not hold for it."""
    store.lock_organiser_row(conn, appointment_id)
    stored = load(conn, caller, appointment_id)
    if stored is None:
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    pre.check(appointment_id, version_of(stored))
    return stored


def check_preconditions(conn: Connection, caller: Caller, appointment_id: int, pre: Preconditions) -> None:
    """Within another use case's unit of work (Delete): the entity exists for the caller (else NotFound)
    and the preconditions hold for it (else PreconditionFailed); the booking stays locked until the end."""
    current(conn, caller, appointment_id, pre)


async def get_appointments(db: Database, caller: Caller, ids: Sequence[int]) -> ListData:
    """Simple rows for the ids, in the order asked; unknown and invisible ids are left out."""

    def work(conn: Connection) -> ListData:
        found = store.get_rows(conn, ids)
        seen: set[int] = set()
        rows = []
        for i in ids:
            r = found.get(i)
            if r is not None and i not in seen and r.visible_to(caller.associate_id):
                rows.append(r)
                seen.add(i)
        return list_data(conn, rows)

    return await db.transaction(work)


async def get_records(db: Database, caller: Caller, mother_id: int, rule_id: int) -> ListData:
    def work(conn: Connection) -> ListData:
        rows = [r for r in store.records(conn, mother_id, rule_id) if r.visible_to(caller.associate_id)]
        return list_data(conn, rows)

    return await db.transaction(work)


async def find(db: Database, caller: Caller, query: ListQuery) -> ListData:
    return await db.transaction(lambda conn: list_data(conn, store.list_rows(conn, caller.associate_id, query)))


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
        return list_data(conn, store.list_rows(conn, caller.associate_id, query))

    return await db.transaction(work)


async def organizer_name(db: Database, caller: Caller, appointment_id: int) -> str | None:
    """The organiser's full name for a booking row (mother or child); None if unknown or invisible."""

    def work(conn: Connection) -> str | None:
        row = store.get_row(conn, appointment_id)
        if row is None or not row.visible_to(caller.associate_id):
            return None
        owner = row.associate_id
        if row.is_child:
            mother = store.get_row(conn, row.mother_id)
            owner = mother.associate_id if mother is not None else row.mother_associate_id
        info = store.associates(conn, [owner]).get(owner)
        return info.full_name if info is not None else None

    return await db.transaction(work)


def list_data(conn: Connection, rows: list[AppointmentRow]) -> ListData:
    """The rows of a list with the people they mention and their recurrence rules."""
    return ListData(rows, load_people(
        conn,
        associates=[x for r in rows for x in (r.associate_id, r.registered_associate_id, r.assigned_by)],
        persons=[r.person_id for r in rows],
        contacts=[r.contact_id for r in rows],
    ), store.get_rules(conn, {r.recurrence_rule_id for r in rows}))


async def can_insert_for(db: Database, associate_ids: Sequence[int]) -> list[bool]:
    """GetCanInsertForAssociates: whether the caller may put appointments in each diary, in order.

    Anyone may put an appointment in another user's diary (it arrives as an assignment); the
    diary has to exist and belong to a user who is not disabled."""

    def work(conn: Connection) -> list[bool]:
        found = store.associates(conn, associate_ids)
        return [i in found and not found[i].disabled for i in associate_ids]

    return await db.transaction(work)


# Versions: what ETag and Last-Modified say, and what conditional requests are checked against.

# Every stored column of a booking's rows that an entity shows and that some write changes; the shared text
# and the organiser's own fields change only by Save, which always counts the organiser's row up.
_VERSION_COLUMNS = ("appointment_id", "mother_id", "associate_id", "type", "status", "updated", "updated_count",
                    "recurrence_rule_id", "text_id", "reject_counter")


def modified_at(row: AppointmentRow) -> datetime:
    """When the row last changed: Updated, else Created, at one-second resolution (UTC)."""
    stamp = row.updated or row.registered
    return (stamp or datetime(1, 1, 1)).replace(microsecond=0)


def version_of(data: EntityData) -> Version:
    """The entity's version: a strong tag that changes whenever the stored booking it shows does (any row
    of it, its rule, its remaining dates), and its modification second (docs/decisions.md, "Conditional requests")."""
    parts = (data.row.appointment_id,
             [tuple(_number(getattr(r, k)) for k in _VERSION_COLUMNS) for r in data.booking],
             astuple(data.rule) if data.rule is not None else None, data.rule_dates)
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()
    return Version(EntityTag(f'"{digest}"'), modified_at(data.row))


def _number(value: object) -> object:
    """Enum members as their numbers, so that a tag does not depend on how a column is typed in Python."""
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else value


def last_modified(rows: Iterable[AppointmentRow]) -> datetime | None:
    return max((modified_at(r) for r in rows), default=None)
