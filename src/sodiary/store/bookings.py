"""Repository for booking rows: read them as domain rows, write the domain's changes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, bindparam, case, delete, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from ..domain.audit import Stamp
from ..domain.booking import BookingRow, Change
from ..domain.enums import AppointmentStatus, AppointmentType
from ..domain.errors import ConcurrentChange
from .driver import DriverStatement
from .schema import answer_history, appointment

_cols = appointment.c
_ROW_COLUMNS = (
    _cols.appointment_id,
    _cols.mother_id,
    _cols.associate_id,
    _cols.type,
    _cols.status,
    _cols.recurrence_rule_id,
    _cols.start_date,
    _cols.assigned_by,
    _cols.private,
)


def _booking_row(r: Sequence[Any]) -> BookingRow:
    return BookingRow(
        appointment_id=r[0],
        mother_id=r[1],
        associate_id=r[2],
        type=AppointmentType(r[3]),
        status=AppointmentStatus(r[4]),
        recurrence_rule_id=r[5],
        start=r[6],
        assigned_by=r[7],
        private=r[8],
    )


# The answer path: driver statements (store/driver.py), the rest of the store uses Connection.execute.
# On PostgreSQL's grouped path the first reads of a batch's answers go out as one query (store/driver.py):
# the rows of every answer in the batch, locked in the order of their ids.
_BY_IDS = _cols.appointment_id == any_(bindparam("id", type_=ARRAY(Integer)))
_by_id = DriverStatement(select(*_ROW_COLUMNS).where(_cols.appointment_id == bindparam("id")),
                         batched=select(*_ROW_COLUMNS).where(_BY_IDS))
_by_id_locked = DriverStatement(
    select(*_ROW_COLUMNS).where(_cols.appointment_id == bindparam("id")).with_for_update(),
    batched=select(*_ROW_COLUMNS).where(_BY_IDS).order_by(_cols.appointment_id).with_for_update(),
)
_CHILD_OF = and_(
    _cols.mother_id == bindparam("mother_id"),
    _cols.associate_id == bindparam("associate_id"),
    _cols.appointment_id != bindparam("mother_id"),
)
_child_of = DriverStatement(select(*_ROW_COLUMNS).where(_CHILD_OF))
_child_of_locked = DriverStatement(select(*_ROW_COLUMNS).where(_CHILD_OF).with_for_update())
_series_from = DriverStatement(select(*_ROW_COLUMNS).where(
    and_(
        _cols.recurrence_rule_id == bindparam("rule_id"),
        _cols.associate_id == bindparam("associate_id"),
        _cols.start_date >= bindparam("start"),
    )
))


def get_row(conn: Connection, appointment_id: int, *, lock: bool = False) -> BookingRow | None:
    """The row; with `lock`, locked for the rest of the unit of work (PostgreSQL: FOR UPDATE)."""
    r = (_by_id_locked if lock else _by_id).first(conn, {"id": appointment_id})
    return _booking_row(r) if r is not None else None


def get_child(conn: Connection, mother_id: int, associate_id: int, *, lock: bool = False) -> BookingRow | None:
    r = (_child_of_locked if lock else _child_of).first(conn, {"mother_id": mother_id, "associate_id": associate_id})
    return _booking_row(r) if r is not None else None


# Row locks (docs/decisions.md, "Concurrent changes of one booking"). Every unit of work that touches
# several rows takes their locks in this one order — booking by booking (the mother's id, a plain row's
# own), the mother first, then by id — so two of them never wait for each other in a cycle (deadlock).
# SQLite has no row locks and needs none: the group-commit writer runs one unit of work at a time, and
# SQLAlchemy leaves FOR UPDATE out there.
_BOOKING_KEY = case((_cols.mother_id == 0, _cols.appointment_id), else_=_cols.mother_id)
_LOCK_ORDER = (_BOOKING_KEY, _cols.appointment_id != _cols.mother_id, _cols.appointment_id)


def lock_rows(conn: Connection, appointment_ids: Sequence[int]) -> dict[int, BookingRow]:
    """Lock these rows (in the one order) and read them as they are now; ids that no longer exist are absent."""
    ids = sorted(set(appointment_ids))
    if not ids:
        return {}
    q = select(*_ROW_COLUMNS).where(_cols.appointment_id.in_(ids)).order_by(*_LOCK_ORDER).with_for_update()
    return {r[0]: _booking_row(r) for r in conn.execute(q)}


def lock_bookings(conn: Connection, booking_ids: Sequence[int]) -> dict[int, BookingRow]:
    """Lock whole bookings — each mother with every child — or plain rows, by the id of the mother /
    the plain row, in the one order; the rows as they are now."""
    ids = sorted(set(booking_ids))
    if not ids:
        return {}
    q = (select(*_ROW_COLUMNS)
         .where(or_(_cols.appointment_id.in_(ids), and_(_cols.mother_id.in_(ids), _cols.mother_id != 0)))
         .order_by(*_LOCK_ORDER).with_for_update())
    return {r[0]: _booking_row(r) for r in conn.execute(q)}


def lock_booking_of(conn: Connection, appointment_id: int) -> BookingRow | None:
    """Lock the whole booking the row belongs to (or the plain row); the row as it is now, None if gone.

    A row that joined or left a booking between the read and the lock raises ConcurrentChange: the unit
    of work starts over from a fresh read."""
    row = get_row(conn, appointment_id)
    if row is None:
        return None
    fresh = lock_bookings(conn, [booking_id(row)]).get(appointment_id)
    if fresh is not None and booking_id(fresh) != booking_id(row):
        raise ConcurrentChange()
    return fresh


def booking_id(row: BookingRow) -> int:
    """The id a row's booking is locked by: its mother's, or its own for a plain row."""
    return row.mother_id or row.appointment_id


def get_series_from(conn: Connection, row: BookingRow) -> list[BookingRow]:
    """Every row of the same rule in the same diary, from this occurrence on."""
    if row.recurrence_rule_id == 0 or row.start is None:
        return [row]
    params = {"rule_id": row.recurrence_rule_id, "associate_id": row.associate_id, "start": row.start}
    return [_booking_row(r) for r in _series_from.all(conn, params)]


_update_answer = DriverStatement(
    update(appointment)
    .where(and_(_cols.appointment_id == bindparam("b_id"), _cols.status == bindparam("b_from_status")))
    .values(
        status=bindparam("b_status"),
        type=bindparam("b_type"),
        associate_id=bindparam("b_associate_id"),
        updated=bindparam("b_now"),
        updated_associate_id=bindparam("b_actor"),
        updated_count=_cols.updated_count + 1,
    ),
    changes="b_id",
)
_delete_row = DriverStatement(
    delete(appointment).where(
        and_(_cols.appointment_id == bindparam("b_id"), _cols.status == bindparam("b_from_status"))
    ),
    changes="b_id",
)
_HISTORY_COLUMNS = [c.name for c in answer_history.c if c.name != "answer_id"]
_record_answer = DriverStatement(insert(answer_history), column_keys=_HISTORY_COLUMNS)
# PostgreSQL: the guarded UPDATE and its audit row as one statement (a data-modifying WITH), one statement
# per change instead of two: each costs the client ~40 µs on psycopg. It inserts the audit row only for a
# row the UPDATE changed, so its row count is the guard's.
_answered = _update_answer.statement.returning(_cols.appointment_id).cte("answered")  # type: ignore[attr-defined]


def _merged_answer_and_record() -> Any:
    """The same statement for many answers at once (the grouped path, store/driver.py): the parameter sets as
    one JSON array (`rows`), `json_to_recordset` into rows, one UPDATE … FROM them and one INSERT of the audit
    rows of the rows it changed. Text, because Core's UPDATE … FROM a table function with a column list needs
    more ceremony than it saves; the names and types come from the tables."""
    dialect = postgresql.dialect()
    update_params = {"b_id": _cols.appointment_id, "b_from_status": _cols.status, "b_status": _cols.status,
                     "b_type": _cols.type, "b_associate_id": _cols.associate_id, "b_now": _cols.updated,
                     "b_actor": _cols.updated_associate_id}
    history = {name: answer_history.c[name] for name in _HISTORY_COLUMNS[1:]}
    columns = {**update_params, **history}
    # VARCHAR without its length, as the single statement's casts: a value too long fails, not truncated.
    types = {name: re.sub(r"\(\d+\)", "", column.type.compile(dialect=dialect)) for name, column in columns.items()}
    record = ", ".join(f"{name} {type_}" for name, type_ in types.items())
    return text(
        f"WITH v AS (SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS v({record})), "
        "answered AS (UPDATE appointment SET status = v.b_status, type = v.b_type, associate_id = v.b_associate_id, "
        "updated = v.b_now, updated_associate_id = v.b_actor, updated_count = appointment.updated_count + 1 "
        "FROM v WHERE appointment.appointment_id = v.b_id AND appointment.status = v.b_from_status "
        "RETURNING appointment.appointment_id) "
        f"INSERT INTO answer_history ({', '.join(_HISTORY_COLUMNS)}) "
        f"SELECT answered.appointment_id, {', '.join(f'v.{name}' for name in history)} "
        "FROM answered JOIN v ON v.b_id = answered.appointment_id"
    )


_answer_and_record = DriverStatement(
    insert(answer_history).from_select(
        _HISTORY_COLUMNS,
        select(_answered.c.appointment_id,
               *(bindparam(name, type_=answer_history.c[name].type) for name in _HISTORY_COLUMNS[1:])),
    ),
    merged=_merged_answer_and_record(),
    changes="b_id",
)


def write_changes(conn: Connection, changes: Sequence[Change], stamp: Stamp, *, reason: str = "") -> None:
    """Apply the changes guarded by the status they were planned from, and record each answer.

    A row whose status moved under us (another process answered first) raises
    ConcurrentChange, and the unit of work is retried from a fresh read.
    """
    if not changes:
        return
    params = [
        {
            "b_id": c.row.appointment_id,
            "b_from_status": int(c.row.status),
            "b_status": int(c.status),
            "b_type": int(c.type),
            "b_associate_id": c.associate_id,
            "b_now": stamp.now,
            "b_actor": stamp.actor,
        }
        for c in changes
    ]
    records = [
        {
            "appointment_id": c.row.appointment_id,
            "associate_id": stamp.actor,
            "operation": stamp.operation,
            "update_mode": int(stamp.mode),
            "from_status": int(c.row.status),
            "to_status": int(c.status),
            "from_type": int(c.row.type),
            "to_type": int(c.type),
            "scheme": stamp.scheme,
            "app": stamp.app,
            "reason": reason,
            "answered_at": stamp.now,
        }
        for c in changes
    ]
    deletes = [p for p, c in zip(params, changes, strict=True) if c.delete_row]
    if not deletes and conn.dialect.name == "postgresql":
        both = [p | r for p, r in zip(params, records, strict=True)]
        if _rowcount(_answer_and_record.run(conn, both), len(changes)) != len(changes):
            raise ConcurrentChange()
        return
    updates = [p for p, c in zip(params, changes, strict=True) if not c.delete_row]
    touched = 0
    if updates:
        touched += _rowcount(_update_answer.run(conn, updates), len(updates))
    if deletes:
        touched += _rowcount(_delete_row.run(conn, deletes), len(deletes))
    if touched != len(changes):
        raise ConcurrentChange()
    _record_answer.run(conn, records)


def _rowcount(count: int, expected: int) -> int:
    # executemany on some drivers reports -1; the guard then falls back to trusting the batch.
    return expected if count < 0 else count
