"""Repository for what the organiser changes beyond a row's status: times, counters, owners.

Status changes go through bookings.write_changes (guarded, recorded); the writes here
touch the other columns, and `record` notes them in answer_history all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, insert, select, update
from sqlalchemy.engine import Connection

from ..domain.audit import Stamp
from ..domain.booking import BookingRow, Change, counter_row, is_new_decline
from ..domain.enums import AppointmentStatus
from ..domain.errors import Invalid
from .bookings import _ROW_COLUMNS, _booking_row
from .driver import DriverStatement
from .schema import answer_history, appointment, associate

_cols = appointment.c


def rows(conn: Connection, appointment_ids: Iterable[int]) -> list[BookingRow]:
    """The rows that exist among these ids, in id order."""
    ids = sorted(set(appointment_ids))
    if not ids:
        return []
    q = select(*_ROW_COLUMNS).where(_cols.appointment_id.in_(ids)).order_by(_cols.appointment_id)
    return [_booking_row(r) for r in conn.execute(q)]


def children(conn: Connection, mother_id: int) -> list[BookingRow]:
    """Every invitee's row of one booking (not the mother's own)."""
    q = select(*_ROW_COLUMNS).where(
        and_(_cols.mother_id == mother_id, _cols.appointment_id != mother_id)
    ).order_by(_cols.appointment_id)
    return [_booking_row(r) for r in conn.execute(q)]


def cancelled_rows_of(conn: Connection, associate_id: int) -> list[BookingRow]:
    """Every cancelled booking row in one diary: what CleanUpRecurringBookingDeleted removes."""
    q = select(*_ROW_COLUMNS).where(
        and_(_cols.associate_id == associate_id, _cols.status == int(AppointmentStatus.BookingDeleted))
    ).order_by(_cols.appointment_id)
    return [_booking_row(r) for r in conn.execute(q)]


def times(conn: Connection, appointment_id: int) -> tuple[datetime, datetime]:
    r = conn.execute(select(_cols.start_date, _cols.end_date).where(_cols.appointment_id == appointment_id)).one()
    return r[0], r[1]


def associate_exists(conn: Connection, associate_id: int) -> bool:
    """An enabled user who can own an appointment."""
    q = select(associate.c.associate_id).where(
        and_(associate.c.associate_id == associate_id, associate.c.disabled.is_(False))
    )
    return conn.execute(q).first() is not None


_bump_counter = (
    update(appointment)
    .where(_cols.appointment_id == bindparam("b_id"))
    .values(
        reject_counter=case(
            (_cols.reject_counter + bindparam("b_delta") < 0, 0),
            else_=_cols.reject_counter + bindparam("b_delta"),
        )
    )
)
_set_reason = (
    update(appointment).where(_cols.appointment_id == bindparam("b_id")).values(reject_reason=bindparam("b_reason"))
)
# A decline's two writes on the driver (store/driver.py): in a grouped batch on PostgreSQL they are queued with
# the answer's own, and name the rows they change, so that the answers after them in the batch trust what was
# read ahead for every other row.
_bump_counter_driven = DriverStatement(_bump_counter, changes="b_id")
_set_reason_driven = DriverStatement(_set_reason, changes="b_id")


def adjust_reject_counters(conn: Connection, row_ids: Sequence[int], delta: int) -> None:
    """RejectCounter += delta on each row (once per occurrence in the list), never below 0."""
    if row_ids:
        _bump_counter_driven.run(conn, [{"b_id": i, "b_delta": delta} for i in row_ids])


def note_declines(conn: Connection, changes: Sequence[Change], reason: str) -> None:
    """After a decline: the reason on each declined row, +1 on the mother's counter per new decline."""
    declined = [c for c in changes if is_new_decline(c)]
    if not declined:
        return
    _set_reason_driven.run(conn, [{"b_id": c.row.appointment_id, "b_reason": reason[:254]} for c in declined])
    adjust_reject_counters(conn, [counter_row(c.row) for c in declined], +1)


def shift_times(
    conn: Connection,
    row_ids: Sequence[int],
    delta: timedelta,
    *,
    now: datetime,
    actor: int,
    duration: timedelta | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Move rows by `delta` (keeping or, with `duration`, setting their length), plus `extra` columns."""
    if not row_ids:
        return
    ids = list(row_ids)
    current = conn.execute(
        select(_cols.appointment_id, _cols.start_date, _cols.end_date).where(_cols.appointment_id.in_(ids))
    ).all()
    params = []
    for appointment_id, start, end in current:
        try:
            new_start = start + delta
            new_end = new_start + duration if duration is not None else end + delta
        except OverflowError:
            raise Invalid("date_out_of_range", appointment_id=appointment_id) from None
        params.append({"b_id": appointment_id, "b_start": new_start, "b_end": new_end})
    stmt = (
        update(appointment)
        .where(_cols.appointment_id == bindparam("b_id"))
        .values(
            start_date=bindparam("b_start"),
            end_date=bindparam("b_end"),
            active_date=bindparam("b_start"),
            updated=now,
            updated_associate_id=actor,
            updated_count=_cols.updated_count + 1,
            **(extra or {}),
        )
    )
    conn.execute(stmt, params)


def set_columns(conn: Connection, appointment_id: int, *, now: datetime, actor: int, **values: Any) -> None:
    """Plain column writes on one row (owner, assigner, flags) with the update stamp."""
    conn.execute(
        update(appointment)
        .where(_cols.appointment_id == appointment_id)
        .values(updated=now, updated_associate_id=actor, updated_count=_cols.updated_count + 1, **values)
    )


def record(conn: Connection, rows_: Sequence[BookingRow], stamp: Stamp) -> None:
    """History for writes that kept a row's status (a moved mother, a new end time…)."""
    if not rows_:
        return
    conn.execute(
        insert(answer_history),
        [
            {
                "appointment_id": r.appointment_id,
                "associate_id": stamp.actor,
                "operation": stamp.operation,
                "update_mode": int(stamp.mode),
                "from_status": int(r.status),
                "to_status": int(r.status),
                "from_type": int(r.type),
                "to_type": int(r.type),
                "scheme": stamp.scheme,
                "app": stamp.app,
                "reason": "",
                "answered_at": stamp.now,
            }
            for r in rows_
        ],
    )
