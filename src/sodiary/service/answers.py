"""An invitee answers an invitation: Accept, SetSeen and Reject share one path."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from ..domain import booking
from ..domain.booking import BookingRow, Change, Operation
from ..domain.enums import RecurrenceUpdateMode
from ..domain.errors import ConcurrentChange, NotFound
from ..store import bookings, organiser
from ..store.database import Database
from .context import Caller


async def accept(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: answer_in(conn, Operation.ACCEPT, caller, appointment_id, mode, ""),
                         short=True)


async def set_seen(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode) -> None:
    await db.transaction(lambda conn: answer_in(conn, Operation.SET_SEEN, caller, appointment_id, mode, ""),
                         short=True)


async def reject(db: Database, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode, reason: str) -> None:
    await db.transaction(lambda conn: decline(conn, caller, appointment_id, mode, reason, Operation.REJECT.value),
                         short=True)


async def set_seen_many(
    db: Database, caller: Caller, appointment_ids: list[int], mode: RecurrenceUpdateMode
) -> None:
    """One unit of work: one id that cannot be marked fails the call and nothing is marked."""

    def work(conn: Connection) -> None:
        for appointment_id in dict.fromkeys(appointment_ids):
            answer_in(conn, Operation.SET_SEEN, caller, appointment_id, mode, "")

    await db.transaction(work)


def answer_in(
    conn: Connection,
    operation: Operation,
    caller: Caller,
    appointment_id: int,
    mode: RecurrenceUpdateMode,
    reason: str = "",
    *,
    recorded_as: str = "",
    now: datetime | None = None,
) -> list[Change]:
    """An invitee's answer inside a unit of work the caller runs (this module's use cases, an iTIP reply in
    service/ical.py, the mail wrappers): the changes it wrote, stamped `now` (default: the clock's now)."""
    # An answer changes the caller's own rows only, so it locks them as it reads them (PostgreSQL: FOR
    # UPDATE; the one extra lock is the mother's, for a decline, which counts on it). It then waits for an
    # organiser's change of the booking in progress and plans from what that left (docs/decisions.md).
    lock = operation is not Operation.REJECT
    target = bookings.get_row(conn, appointment_id, lock=lock)
    if target is None or target.hidden_from(caller.associate_id):
        raise NotFound("appointment_not_found", appointment_id=appointment_id)
    own_child = None
    if target.role is booking.BookingType.Owner:
        own_child = bookings.get_child(conn, target.appointment_id, caller.associate_id, lock=lock)
    row = booking.answer_target(target, caller.associate_id, own_child)
    if row is None:
        return []
    series = bookings.get_series_from(conn, row) if mode is RecurrenceUpdateMode.ThisAndForward else []
    scope = booking.in_scope(row, series, mode)
    if not lock or len(scope) > 1:
        scope = _locked(conn, scope, with_mothers=not lock)
    changes = booking.plan(operation, scope[0], scope)
    bookings.write_changes(conn, changes, caller.stamp(recorded_as or operation.value, mode, now),
                           reason=reason)
    return changes


def _locked(conn: Connection, scope: list[BookingRow], *, with_mothers: bool) -> list[BookingRow]:
    """The rows in scope locked (with their mothers first when asked) and read again; a target that
    changed hands or vanished meanwhile makes the unit of work start over from a fresh read."""
    ids = [r.appointment_id for r in scope]
    fresh = bookings.lock_rows(conn, ids + ([booking.counter_row(r) for r in scope] if with_mothers else []))
    target = fresh.get(scope[0].appointment_id)
    if target is None or (target.associate_id, target.mother_id) != (scope[0].associate_id, scope[0].mother_id):
        raise ConcurrentChange()
    return [fresh[i] for i in ids if i in fresh]


def decline(
    conn: Connection, caller: Caller, appointment_id: int, mode: RecurrenceUpdateMode, reason: str, recorded_as: str,
    now: datetime | None = None,
) -> list[Change]:
    """Reject, and an invitee's Delete (§2.6.7): the reason is kept, each new decline counted on the mother;
    the changes made."""
    changes = answer_in(conn, Operation.REJECT, caller, appointment_id, mode, reason, recorded_as=recorded_as,
                        now=now)
    organiser.note_declines(conn, changes, reason)
    return changes
