"""New, unsaved entities: CreateDefaultAppointmentEntity… and CreateAppointmentEntityFromExisting."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ...domain.appointment import AppointmentRow
from ...domain.enums import AppointmentStatus, TaskType
from ...domain.errors import Invalid
from ...store.database import Database
from ..context import Caller
from .model import EntityData, load_people, person_of, task_type_of, type_for_task
from .reads import load
from .write import base_type, child_row, invitees, participants_of

S = AppointmentStatus


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
    people = load_people(conn, associates=[owner, caller.associate_id])
    info = people.associates.get(owner)
    if info is None:
        raise Invalid("unknown_associate", associate_id=owner)
    start = next_half_hour(local_now)
    row = AppointmentRow(
        associate_id=owner, invited_person_id=person_of(info), type=type_for_task(task_type), status=S.NotStarted,
        start_date=start, end_date=start + timedelta(hours=1), active_date=start,
        registered_associate_id=caller.associate_id, mother_associate_id=owner,
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
    data = load(conn, caller, appointment_id)
    if data is None:
        return None
    source = data.mother or data.row  # the meeting as its organiser holds it
    owner = owner_id or caller.associate_id
    # Everyone in the meeting but the new owner: the old organiser too, when someone else copies it.
    wanted = participants_of([r for r in data.booking if r.associate_id != owner])
    people = load_people(conn, associates=[owner, caller.associate_id, *(p.associate_id for p in wanted)],
                         persons=[source.person_id, *(r.invited_person_id for r in data.booking)],
                         contacts=[source.contact_id])
    info = people.associates.get(owner)
    if info is None:
        raise Invalid("unknown_associate", associate_id=owner)
    start = datetime.combine(local_now.date(), source.start_date.time())
    base = base_type(source.type)
    row = replace(
        source, appointment_id=0, mother_id=0, associate_id=owner, invited_person_id=person_of(info),
        type=base, status=S.NotStarted, start_date=start,
        end_date=start + (source.end_date - source.start_date), active_date=start, original_start_date=None,
        recurrence_rule_id=0, registered=None, registered_associate_id=caller.associate_id,
        mother_associate_id=owner, updated=None, updated_associate_id=0, updated_count=0, reject_counter=0,
        reject_reason="", assigned_by=0,
    )
    children = [child_row(row, i, base) for i in invitees(conn, owner, wanted).values()]
    return EntityData(row, [row, *children], None, [], False, people, task_type_of(base))
