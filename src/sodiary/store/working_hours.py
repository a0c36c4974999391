"""Users' own working days (table `working_hours`), as the settings' text: `08:00-16:00`, `mon,tue,...`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from .schema import working_hours

_w = working_hours.c


def of(conn: Connection, associate_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """associate id -> (hours, days) for the users who have their own."""
    q = select(_w.associate_id, _w.hours, _w.days).where(_w.associate_id.in_(set(associate_ids)))
    return {r[0]: (r[1], r[2]) for r in conn.execute(q)}


def every(conn: Connection) -> dict[int, tuple[str, str]]:
    return {r[0]: (r[1], r[2]) for r in conn.execute(select(_w.associate_id, _w.hours, _w.days))}


def put(conn: Connection, associate_id: int, hours: str, days: str) -> None:
    conn.execute(delete(working_hours).where(_w.associate_id == associate_id))
    conn.execute(insert(working_hours).values(associate_id=associate_id, hours=hours, days=days))


def clear(conn: Connection, associate_id: int) -> None:
    conn.execute(delete(working_hours).where(_w.associate_id == associate_id))
