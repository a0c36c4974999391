"""Activity status by identifier (issue 17): one unit of work per call, all or nothing.

Only appointments are activities in sodiary: a sale, document or to-do id, an unknown appointment id and
another user's private row name no record, and "if an invalid id is passed in (nonexistent record), no changes
will be made" [CL] — for that identifier. Another user's visible row is refused (403), and then nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from ..domain import activities as rules
from ..domain import booking
from ..domain.booking import BookingRow, Change, Operation
from ..domain.enums import ActivityStatus, RecurrenceUpdateMode
from ..domain.errors import Forbidden, Invalid, NotFound
from ..store import bookings, entities
from ..store.database import Database
from .clock import utc_now
from .context import Caller

SET_STATUS = "SetActivityStatus"


def _row(conn: Connection, caller: Caller, identifier: str) -> BookingRow | None:
    """The caller's appointment the identifier names; None when it names no record they can see."""
    activity = rules.parse(identifier)
    if activity.kind != "appointment_id":
        return None
    row = bookings.get_row(conn, activity.id)
    if row is None or row.hidden_from(caller.associate_id):
        return None
    if row.associate_id != caller.associate_id:
        raise Forbidden("not_your_appointment", appointment_id=row.appointment_id)
    return row


def _write(conn: Connection, caller: Caller, operation: str, changes: Sequence[Change], now: datetime) -> None:
    if changes:
        bookings.write_changes(conn, changes, caller.stamp(operation, RecurrenceUpdateMode.Unknown, now))


def _toggle(conn: Connection, caller: Caller, identifier: str, now: datetime) -> ActivityStatus:
    row = _row(conn, caller, identifier)
    if row is None:
        return ActivityStatus.Unknown
    status = booking.toggled(row)
    _write(conn, caller, Operation.TOGGLE.value, [Change(row=row, status=status, type=row.type,
                                                         associate_id=row.associate_id)], now)
    return booking.activity_status(status)


def _set(conn: Connection, caller: Caller, identifiers: Sequence[str], target: ActivityStatus,
         now: datetime) -> list[str]:
    """Sets each named activity; the identifiers that named no record back."""
    status = rules.status_for(target)
    changes, missing, seen = [], [], set()
    for identifier in identifiers:
        row = _row(conn, caller, identifier)
        if row is None:
            missing.append(identifier)
            continue
        if row.appointment_id in seen:
            continue
        seen.add(row.appointment_id)
        if row.status not in rules.SETTABLE:
            raise Invalid("not_applicable", operation=SET_STATUS, status=row.status.name)
        if row.status != status:
            changes.append(Change(row=row, status=status, type=row.type, associate_id=row.associate_id))
    _write(conn, caller, SET_STATUS, changes, now)
    return missing


async def toggle(db: Database, caller: Caller, identifiers: Sequence[str]) -> ActivityStatus:
    """Toggles each activity in turn; the first one's resulting status (Unknown when there is none)."""

    def work(conn: Connection) -> ActivityStatus:
        now = utc_now()
        results = [_toggle(conn, caller, i, now) for i in identifiers]
        return results[0] if results else ActivityStatus.Unknown

    return await db.transaction(work)


async def set_status(db: Database, caller: Caller, identifiers: Sequence[str], target: ActivityStatus) -> None:
    await db.transaction(lambda conn: _set(conn, caller, identifiers, target, utc_now()) and None)


async def toggle_and_set(db: Database, caller: Caller, identifiers: Sequence[str]) -> list[str]:
    """Toggles the first activity and sets the others to its result; the identifiers not toggled back.
    When the first names no record there is nothing to follow, so nothing changes and all come back."""

    def work(conn: Connection) -> list[str]:
        if not identifiers:
            return []
        now = utc_now()
        for identifier in identifiers:
            rules.parse(identifier)  # a malformed one refuses the whole call before anything is written
        result = _toggle(conn, caller, identifiers[0], now)
        if result is ActivityStatus.Unknown:
            return list(identifiers)
        return _set(conn, caller, identifiers[1:], result, now)

    return await db.transaction(work)


async def convert_to_task(db: Database, caller: Caller, appointment_id: int) -> None:
    """ConvertAppointmentToTask: the caller's own diary appointment becomes a task; a booking (two participants or
    more) stays as it is. Who may convert is who may save: the organiser of a booking, the owner, creator or
    assigner of a plain row (others: 403; another's private row: 404)."""

    def work(conn: Connection) -> None:
        row = entities.get_row(conn, appointment_id)
        if row is None or not row.visible_to(caller.associate_id):
            raise NotFound("appointment_not_found", appointment_id=appointment_id)
        if row.mother_id:
            mother = entities.get_row(conn, row.mother_id)
            if mother is None or mother.associate_id != caller.associate_id:
                raise Forbidden("not_organiser", appointment_id=appointment_id)
        elif caller.associate_id not in (row.associate_id, row.registered_associate_id, row.assigned_by):
            raise Forbidden("not_your_appointment", appointment_id=appointment_id)
        new_type = rules.task_type_after_conversion(row.type, bool(row.mother_id))
        if new_type is not None:
            entities.update_rows(conn, [appointment_id], {"type": int(new_type)})
            entities.bump(conn, [appointment_id], caller.associate_id, utc_now())

    await db.transaction(work)
