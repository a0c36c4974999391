"""The task list (table `task`): TaskListItem rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .schema import task

# A task row as read (not an appointment row: those are domain/appointment.py AppointmentRow).
Row = Mapping[Any, Any]

_t = task.c


class NameTaken(Exception):
    """Another task has this name (the unique index, e.g. a concurrent save)."""


def get(conn: Connection, task_id: int) -> Row | None:
    return conn.execute(select(task).where(_t.task_id == task_id)).mappings().first()


def all_tasks(conn: Connection, include_deleted: bool) -> list[Row]:
    q = select(task)
    if not include_deleted:
        q = q.where(_t.deleted == False)  # noqa: E712 - SQL, not Python
    return list(conn.execute(q.order_by(_t.rank, _t.task_id)).mappings())


def named(conn: Connection, name: str) -> Row | None:
    """The task with this name, in any case (SuperOffice's unique index is case-insensitive)."""
    return conn.execute(select(task).where(func.lower(_t.name) == name.lower())).mappings().first()


def next_rank(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(_t.rank), 0))).scalar_one()) + 1


def insert_task(conn: Connection, values: Mapping[str, Any]) -> int:
    try:
        with conn.begin_nested():
            return int(conn.execute(insert(task).values(**values).returning(_t.task_id)).scalar_one())
    except IntegrityError:
        raise NameTaken from None


def update_task(conn: Connection, task_id: int, values: Mapping[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(update(task).where(_t.task_id == task_id).values(**values))
    except IntegrityError:
        raise NameTaken from None
