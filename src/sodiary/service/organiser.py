"""The organiser's side of a booking, and the cleanup of cancelled ones (spec §2.5, §2.6.5–§2.6.9).

Each use case is one unit of work. Status changes are cells of booking.TRANSITIONS; the
organiser's own (mother) row is removed or moved as a whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ..domain import booking, rights
from ..domain.audit import Stamp
from ..domain.booking import BookingRow, BookingType, Change, Operation
from ..domain.enums import AppointmentStatus, AppointmentType, RecurrenceUpdateMode
from ..domain.errors import Forbidden, Invalid, NotFound
from ..domain.preconditions import NONE as NO_PRECONDITIONS
from ..domain.preconditions import Preconditions
from ..store import bookings
from ..store import organiser as store
from ..store.database import Database
from . import answers, entities, recurrence
from .context import Caller

TAF = RecurrenceUpdateMode.ThisAndForward


@dataclass(frozen=True, slots=True)
class _Writer:
    """Writes one use case's changes with its audit stamp and history."""

    conn: Connection
    stamp: Stamp

    def changes(self, changes: Sequence[Change]) -> None:
        bookings.write_changes(self.conn, changes, self.stamp)

    def record(self, rows: Sequence[BookingRow]) -> None:
        store.record(self.conn, rows, self.stamp)


def _writer(conn: Connection, caller: Caller, operation: Operation | str, mode: RecurrenceUpdateMode) -> _Writer:
    name = operation.value if isinstance(operation, Operation) else operation
    return _Writer(conn, caller.stamp(name, mode))


def _get(conn: Connection, appointment_id: int, caller: Caller) -> BookingRow:
    """The row, with its whole booking locked first (the mother, then every child: store/bookings.py), so
    that answers and other changes of the booking wait for this one and it plans from rows that stay as
    read. Every read after this one sees the booking as it is now."""
    row = bookings.lock_booking_of(conn, appointment_id)
    if row is None or row.hidden_from(caller.associate_id):
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    return row


def _mother_of(conn: Connection, row: BookingRow) -> BookingRow | None:
    return bookings.get_row(conn, row.mother_id) if row.role is BookingType.Participant else None


def _occurrences(conn: Connection, caller: Caller, origin: BookingRow,
                 mode: RecurrenceUpdateMode) -> list[BookingRow]:
    """The organiser's rows an update mode covers. StopRecurrence first ends the series at `origin`
    (later occurrences are cancelled, service/recurrence.py), then covers `origin` only."""
    if mode is RecurrenceUpdateMode.StopRecurrence:
        recurrence.stop_for(conn, caller, origin)
    if mode is not TAF:
        return booking.in_scope(origin, [], mode)
    series = bookings.get_series_from(conn, origin)
    if len(series) > 1:
        bookings.lock_bookings(conn, [bookings.booking_id(r) for r in series])
        series = bookings.get_series_from(conn, origin)  # as they are now that they are locked
    return booking.in_scope(origin, series, mode)


def _may_change(conn: Connection, row: BookingRow, caller: int) -> bool:
    """rights.may_change for a row read here: a child is judged by its booking's organiser."""
    mother = _mother_of(conn, row)
    return rights.may_change(caller, booking.holding(row, mother.associate_id if mother else 0))


# --- Delete, DeleteAppointmentEntity ------------------------------------------------------------


async def delete(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: delete_in(conn, caller, appointment_id, mode, True))


async def delete_entity(db: Database, caller: Caller, appointment_id: int,
                        pre: Preconditions = NO_PRECONDITIONS) -> None:
    """DeleteAppointmentEntity, and REST DELETE with its preconditions checked in the same unit of work."""

    def work(conn: Connection) -> None:
        if pre != NO_PRECONDITIONS:
            entities.check_preconditions(conn, caller, appointment_id, pre)
        delete_in(conn, caller, appointment_id, RecurrenceUpdateMode.OnlyThis, False)

    await db.transaction(work)


def delete_in(conn: Connection, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode,
              child_means_booking: bool) -> None:
    """Within a unit of work: the organiser cancels the booking; an invitee's delete is a decline without
    a reason (§2.6.7)."""
    me = caller.associate_id
    target = _get(conn, appointment_id, caller)
    if target.role is BookingType.Owner and _may_change(conn, target, me):
        _cancel(conn, caller, target, mode)
    elif target.role is BookingType.Participant and child_means_booking and _may_change(conn, target, me):
        _cancel(conn, caller, booking.organiser_target(target, me, _mother_of(conn, target)), mode)
    elif target.role is BookingType.None_ and _may_change(conn, target, me) and not (
            _pending_assignment(target) and target.associate_id == me):
        # The owner deletes their row; the assigner takes back an assignment not yet accepted.
        rows = _occurrences(conn, caller, target, mode)
        _writer(conn, caller, Operation.DELETE, mode).changes(booking.plan_each(Operation.REMOVE, rows))
    else:
        answers.decline(conn, caller, appointment_id, mode, "", Operation.DELETE.value)


def _pending_assignment(row: BookingRow) -> bool:
    # The assignee deleting an assignment declines it: it goes back to the assigner, not away.
    return row.status in (AppointmentStatus.Assignment, AppointmentStatus.AssignmentSeen) and row.assigned_by != 0


def _cancel(conn: Connection, caller: Caller, mother: BookingRow, mode: RecurrenceUpdateMode) -> None:
    changes: list[Change] = []
    for occurrence in _occurrences(conn, caller, mother, mode):
        changes += booking.plan_each(Operation.DELETE, store.children(conn, occurrence.appointment_id))
        changes += booking.plan_each(Operation.REMOVE, [occurrence])
    _writer(conn, caller, Operation.DELETE, mode).changes(changes)


# --- CleanUp* ------------------------------------------------------------------------------------


async def clean_up(db: Database, caller: Caller, appointment_ids: list[int], mode: RecurrenceUpdateMode) -> int:
    return await db.transaction(lambda conn: _clean_up(conn, caller, appointment_ids, mode))


async def clean_up_all(db: Database, caller: Caller) -> int:
    def work(conn: Connection) -> int:
        rows = store.cancelled_rows_of(conn, caller.associate_id)
        return _remove_cancelled(conn, caller, rows, RecurrenceUpdateMode.Unknown)

    return await db.transaction(work)


def _clean_up(conn: Connection, caller: Caller, appointment_ids: list[int], mode: RecurrenceUpdateMode) -> int:
    """Only the caller's own cancelled rows go; any other listed id is passed over (docs/decisions.md)."""
    mine = [r for r in store.rows(conn, appointment_ids) if r.associate_id == caller.associate_id]
    rows: dict[int, BookingRow] = {}
    for row in mine:
        for r in _occurrences(conn, caller, row, mode):
            rows.setdefault(r.appointment_id, r)
    return _remove_cancelled(conn, caller, list(rows.values()), mode)


def _remove_cancelled(conn: Connection, caller: Caller, rows: list[BookingRow], mode: RecurrenceUpdateMode) -> int:
    changes = booking.plan_each(Operation.CLEAN_UP, rows)
    _writer(conn, caller, Operation.CLEAN_UP, mode).changes(changes)
    return len(changes)


# --- ToggleAppointmentStatus ---------------------------------------------------------------------


async def toggle_status(db: Database, caller: Caller, appointment_id: int) -> AppointmentStatus:
    def work(conn: Connection) -> AppointmentStatus:
        row = _get(conn, appointment_id, caller)
        if row.associate_id != caller.associate_id:  # completion is the row owner's own state, not a change
            raise Forbidden("not_your_appointment", appointment_id=appointment_id)
        status = booking.toggled(row)
        change = Change(row=row, status=status, type=row.type, associate_id=row.associate_id)
        _writer(conn, caller, Operation.TOGGLE, RecurrenceUpdateMode.Unknown).changes([change])
        return status

    return await db.transaction(work)


# --- Move, MoveWithEmail, MoveExtended -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewTimes:
    start: datetime
    end: datetime | None = None  # None: keep the duration
    is_allday: bool | None = None
    is_free: bool | None = None


async def move(db: Database, caller: Caller, appointment_id: int, times: NewTimes,
               mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: move_in(conn, caller, appointment_id, times, mode, Operation.MOVE.value))


def move_in(conn: Connection, caller: Caller, appointment_id: int, times: NewTimes, mode: RecurrenceUpdateMode,
            operation: str) -> None:
    """Within a unit of work: mother and every child move together; answered invitations are asked again
    (§2.4 Move)."""
    target = _get(conn, appointment_id, caller)
    origin = booking.organiser_target(target, caller.associate_id, _mother_of(conn, target))
    if origin.start is None:
        raise Invalid("not_applicable", operation=operation, status=origin.status.name)
    delta = times.start - origin.start
    duration = None if times.end is None else times.end - times.start
    if duration is not None and duration < timedelta(0):
        raise Invalid("end_before_start", appointment_id=appointment_id)
    _shift(conn, caller, _occurrences(conn, caller, origin, mode), delta, duration, times, mode, operation)


def _shift(conn: Connection, caller: Caller, origins: list[BookingRow], delta: timedelta,
           duration: timedelta | None, times: NewTimes, mode: RecurrenceUpdateMode, operation: str) -> None:
    moved: list[BookingRow] = []
    changes: list[Change] = []
    for origin in origins:
        kids = store.children(conn, origin.appointment_id) if origin.role is BookingType.Owner else []
        moved += [origin, *kids]
        changes += booking.plan_each(Operation.MOVE, kids)
    if delta == timedelta(0) and duration is None and times.is_allday is None and times.is_free is None:
        return  # nothing to move: no write, no history
    extra = {k: v for k, v in (("is_allday", times.is_allday), ("is_free", times.is_free)) if v is not None}
    writer = _writer(conn, caller, operation, mode)
    writer.changes(changes)
    store.shift_times(conn, [r.appointment_id for r in moved], delta, now=writer.stamp.now,
                      actor=caller.associate_id, duration=duration, extra=extra)
    changed = {c.row.appointment_id for c in changes}
    writer.record([r for r in moved if r.appointment_id not in changed])


# --- AcceptRejected ------------------------------------------------------------------------------


async def accept_rejected(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> int:
    """The id whose entity is returned: the booking's mother, or the assignment itself."""
    return await db.transaction(lambda conn: _accept_rejected(conn, caller, appointment_id, mode))


def _accept_rejected(conn: Connection, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> int:
    me = caller.associate_id
    target = _get(conn, appointment_id, caller)
    if target.role is BookingType.None_:
        # An assignment: declined, it is back in the assigner's diary; only they acknowledge it.
        if not rights.may_change(me, booking.holding(target)):
            raise Forbidden("not_your_appointment", appointment_id=appointment_id)
        rows = _occurrences(conn, caller, target, mode)
        changes = [booking.change_for(Operation.ACCEPT_REJECTED, target)]
        _acknowledge(conn, caller, changes + booking.plan_each(Operation.ACCEPT_REJECTED, rows[1:]), mode)
        return target.appointment_id
    mother = booking.organiser_target(target, me, _mother_of(conn, target))
    declined: list[BookingRow] = []
    for occurrence in _occurrences(conn, caller, mother, mode):
        kids = store.children(conn, occurrence.appointment_id)
        if target.role is BookingType.Participant:
            # A child id acknowledges that invitee's decline (and theirs in later occurrences).
            kids = [k for k in kids if k.associate_id == target.associate_id]
        declined += kids
    if target.role is BookingType.Participant:
        booking.step_for(Operation.ACCEPT_REJECTED, target)  # the addressed row itself must be declined
    _acknowledge(conn, caller, booking.plan_each(Operation.ACCEPT_REJECTED, declined), mode)
    return mother.appointment_id


def _acknowledge(conn: Connection, caller: Caller, changes: list[Change], mode: RecurrenceUpdateMode) -> None:
    _writer(conn, caller, Operation.ACCEPT_REJECTED, mode).changes(changes)
    store.adjust_reject_counters(conn, [booking.counter_row(c.row) for c in changes], -1)


# --- AssignTo ------------------------------------------------------------------------------------


async def assign_to(db: Database, caller: Caller, appointment_id: int, assignee: int,
                    mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: _assign_to(conn, caller, appointment_id, assignee, mode))


def _assign_to(conn: Connection, caller: Caller, appointment_id: int, assignee: int,
               mode: RecurrenceUpdateMode) -> None:
    target = _get(conn, appointment_id, caller)
    if target.role is not BookingType.None_ and not _may_change(conn, target, caller.associate_id):
        raise Forbidden("not_organiser", appointment_id=appointment_id)  # 403 before "not assignable" (400)
    if assignee <= 0 or not store.associate_exists(conn, assignee):
        raise Invalid("unknown_assignee", associate_id=assignee)
    changes = [booking.assign(r, caller.associate_id, assignee) for r in _occurrences(conn, caller, target, mode)]
    writer = _writer(conn, caller, Operation.ASSIGN, mode)
    writer.changes(changes)
    for c in changes:
        store.set_columns(conn, c.row.appointment_id, now=writer.stamp.now, actor=caller.associate_id,
                          assigned_by=caller.associate_id, reject_reason="")


# --- UpdateAppointment, UpdateAppointmentWithMode ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Update:
    appointment_id: int
    start: datetime | None
    end: datetime | None
    status: AppointmentStatus | None  # None / 0: keep
    type: AppointmentType | None
    associate_id: int  # 0: keep


_ROW_TYPES = frozenset({AppointmentType.inDiary, AppointmentType.inChecklist})


async def update(db: Database, caller: Caller, values: Update, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: update_in(conn, caller, values, mode))


def update_in(conn: Connection, caller: Caller, values: Update, mode: RecurrenceUpdateMode) -> None:
    """Within a unit of work: the light-weight update (§2.6.8) within the booking rules (docs/decisions.md)."""
    me = caller.associate_id
    row = _get(conn, values.appointment_id, caller)
    # A row's own state (Status, Type) is its owner's; a plain row may also be updated by whoever may
    # change it (rights.may_change: the assigner of a pending assignment). A booking's rows are updated
    # through the owner's own row: the organiser's mother, an invitee's child (whose times stay, below).
    if row.associate_id != me and not (row.role is BookingType.None_ and _may_change(conn, row, me)):
        raise Forbidden("not_your_appointment", appointment_id=row.appointment_id)
    writer = _writer(conn, caller, "UpdateAppointment", mode)
    new_status = values.status if values.status not in (None, AppointmentStatus.UnknownOrPostIt) else row.status
    new_type = values.type if values.type not in (None, AppointmentType.Unknown) else row.type
    new_owner = values.associate_id or row.associate_id
    if (new_status, new_type, new_owner) != (row.status, row.type, row.associate_id):
        accepted = booking.ACCEPTED_STATES
        if new_status != row.status and (new_status not in accepted or row.status not in accepted):
            raise Invalid("use_booking_operation", appointment_id=row.appointment_id, field="Status")
        if new_type != row.type and (new_type not in _ROW_TYPES or row.type not in _ROW_TYPES):
            raise Invalid("use_booking_operation", appointment_id=row.appointment_id, field="Type")
        if new_owner != row.associate_id and (row.role is not BookingType.None_
                                              or not store.associate_exists(conn, new_owner)):
            raise Invalid("use_booking_operation", appointment_id=row.appointment_id, field="AssociateId")
        writer.changes([Change(row=row, status=new_status, type=new_type, associate_id=new_owner)])
    if values.start is None or row.start is None:
        return  # no StartTime: the times stay
    end = values.end
    if end is not None and end < values.start:
        raise Invalid("end_before_start", appointment_id=row.appointment_id)
    start_now, end_now = store.times(conn, row.appointment_id)
    if values.start == start_now and end in (None, end_now):
        return  # the times as they are: the client sends every member back
    duration = None if end is None else end - values.start
    if row.role is BookingType.Participant:
        raise Forbidden("not_organiser", appointment_id=row.appointment_id)
    _shift(conn, caller, _occurrences(conn, caller, row, mode), values.start - row.start, duration,
           NewTimes(values.start, end), mode, "UpdateAppointment")
