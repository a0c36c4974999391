"""Writes and reads of recurring series: the rule, bulk inserts of occurrences, the rows of a series.

A series of ten years with five invitees is thousands of rows, so inserts are one executemany each
(SQLAlchemy's "insertmanyvalues" batches them and returns the new ids in parameter order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from ..domain.appointment import AppointmentRow
from .entities import DIARY_STATUS_VALUES, DIARY_TYPE_VALUES, appointment_row, column_values
from .schema import appointment, appointment_text, recurrence_rule

_a = appointment.c
_r = recurrence_rule.c


def insert_rule(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(insert(recurrence_rule).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def update_rule(conn: Connection, rule_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(recurrence_rule).where(_r.recurrence_rule_id == rule_id).values(**values))


def delete_rule(conn: Connection, rule_id: int) -> None:
    conn.execute(delete(recurrence_rule).where(_r.recurrence_rule_id == rule_id))


def _insert_many(conn: Connection, table: Any, key: Any, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(key, sort_by_parameter_order=True)
    return [int(r[0]) for r in conn.execute(stmt, list(rows))]


def insert_texts(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    return _insert_many(conn, appointment_text, appointment_text.c.text_id, rows)


def insert_rows(conn: Connection, rows: Sequence[AppointmentRow]) -> list[int]:
    """Appointment rows, their new ids in the same order."""
    return _insert_many(conn, appointment, _a.appointment_id, [column_values(r) for r in rows])


def make_mothers(conn: Connection, rule_id: int) -> None:
    """The series' rows inserted so far become booking mothers (mother_id = own id)."""
    conn.execute(update(appointment).where(_a.recurrence_rule_id == rule_id, _a.mother_id == 0)
                 .values(mother_id=_a.appointment_id))


def own_rows(conn: Connection, rule_id: int, associate_id: int) -> list[AppointmentRow]:
    """The organiser's (or the plain series owner's) rows of a series, by start."""
    q = (select(appointment)
         .where(_a.recurrence_rule_id == rule_id, _a.associate_id == associate_id,
                or_(_a.mother_id == 0, _a.mother_id == _a.appointment_id))
         .order_by(_a.start_date, _a.appointment_id))
    return [appointment_row(r) for r in conn.execute(q).mappings()]


@dataclass(frozen=True, slots=True)
class BusyRow:
    """A row that takes time in a diary, as a conflict check needs it."""

    appointment_id: int
    start_date: datetime
    end_date: datetime
    private: int
    associate_id: int


def busy(conn: Connection, associate_id: int, start: datetime, end: datetime,
         exclude_rule: int) -> list[BusyRow]:
    """Live rows of the diary that overlap [start, end] (not free, not declined/cancelled, not the series)."""
    q = (select(_a.appointment_id, _a.start_date, _a.end_date, _a.private, _a.associate_id)
         .where(_a.associate_id == associate_id, _a.start_date < end, _a.end_date > start,
                _a.is_free.is_(False), _a.status.in_(DIARY_STATUS_VALUES), _a.type.in_(DIARY_TYPE_VALUES))
         .order_by(_a.start_date, _a.appointment_id))
    if exclude_rule:
        q = q.where(_a.recurrence_rule_id != exclude_rule)
    return [BusyRow(*r) for r in conn.execute(q)]


def detach(conn: Connection, rule_id: int) -> None:
    """The rule's rows no longer belong to a series (the rule is going)."""
    conn.execute(update(appointment).where(_a.recurrence_rule_id == rule_id).values(recurrence_rule_id=0))
