"""An invitee answers an invitation: Accept and SetSeen share one path."""

from __future__ import annotations

from functools import partial

from sqlalchemy.engine import Connection

from ..domain import booking
from ..domain.booking import Operation
from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import NotFound
from ..store import bookings
from ..store.database import Database
from .clock import utc_now
from .context import Caller


async def accept(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(partial(_answer, Operation.ACCEPT, caller, appointment_id, mode, ""))


async def set_seen(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(partial(_answer, Operation.SET_SEEN, caller, appointment_id, mode, ""))


def _answer(
    operation: Operation,
    caller: Caller,
    appointment_id: int,
    mode: RecurrenceUpdateMode,
    reason: str,
    conn: Connection,
) -> None:
    target = bookings.get_row(conn, appointment_id)
    if target is None:
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    own_child = None
    if target.role is booking.BookingType.Owner:
        own_child = bookings.get_child(conn, target.appointment_id, caller.associate_id)
    row = booking.answer_target(target, caller.associate_id, own_child)
    if row is None:
        return
    series = bookings.get_series_from(conn, row) if mode is RecurrenceUpdateMode.ThisAndForward else []
    changes = booking.plan(operation, row, booking.in_scope(row, series, mode))
    bookings.write_changes(
        conn,
        changes,
        actor=caller.associate_id,
        operation=operation.value,
        mode=mode,
        scheme=caller.scheme,
        app=caller.app,
        now=utc_now(),
        reason=reason,
    )
