"""An invitee answers an invitation: Accept, SetSeen and Reject share one path."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from ..domain import booking
from ..domain.booking import Change, Operation
from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import NotFound
from ..store import bookings, organiser
from ..store.database import Database
from .context import Caller


async def accept(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: _answer(conn, Operation.ACCEPT, caller, appointment_id, mode, ""))


async def set_seen(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: _answer(conn, Operation.SET_SEEN, caller, appointment_id, mode, ""))


async def reject(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode, reason: str) -> None:
    await db.transaction(lambda conn: decline(conn, caller, appointment_id, mode, reason, Operation.REJECT.value))


async def set_seen_many(
    db: Database, caller: Caller, appointment_ids: list[int], mode: RecurrenceUpdateMode
) -> None:
    """One unit of work: one id that cannot be marked fails the call and nothing is marked."""

    def work(conn: Connection) -> None:
        for appointment_id in dict.fromkeys(appointment_ids):
            _answer(conn, Operation.SET_SEEN, caller, appointment_id, mode, "")

    await db.transaction(work)


def _answer(
    conn: Connection,
    operation: Operation,
    caller: Caller,
    appointment_id: int,
    mode: RecurrenceUpdateMode,
    reason: str,
    *,
    recorded_as: str = "",
) -> list[Change]:
    target = bookings.get_row(conn, appointment_id)
    if target is None or target.hidden_from(caller.associate_id):
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    own_child = None
    if target.role is booking.BookingType.Owner:
        own_child = bookings.get_child(conn, target.appointment_id, caller.associate_id)
    row = booking.answer_target(target, caller.associate_id, own_child)
    if row is None:
        return []
    series = bookings.get_series_from(conn, row) if mode is RecurrenceUpdateMode.ThisAndForward else []
    changes = booking.plan(operation, row, booking.in_scope(row, series, mode))
    bookings.write_changes(conn, changes, caller.stamp(recorded_as or operation.value, mode), reason=reason)
    return changes


def decline(
    conn: Connection, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode, reason: str, recorded_as: str
) -> None:
    """Reject, and an invitee's Delete (§2.6.7): the reason is kept, each new decline counted on the mother."""
    changes = _answer(conn, Operation.REJECT, caller, appointment_id, mode, reason, recorded_as=recorded_as)
    organiser.note_declines(conn, changes, reason)
