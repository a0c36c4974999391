"""Reads for the diary views (issue 17)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.engine import Connection

from .entities import Row
from .schema import appointment

_a = appointment.c


def rows_of_bookings(conn: Connection, mother_ids: Collection[int]) -> dict[int, list[Row]]:
    """Who is in each of these bookings (every row's associate, person and status), the mother first;
    one query for a whole sync window."""
    found: dict[int, list[Row]] = {m: [] for m in mother_ids}
    if not found:
        return found
    q = (select(_a.appointment_id, _a.mother_id, _a.associate_id, _a.invited_person_id, _a.status)
         .where(_a.mother_id.in_(sorted(found)))
         .order_by(_a.mother_id, _a.appointment_id != _a.mother_id, _a.appointment_id))
    for row in conn.execute(q).mappings():
        found[row["mother_id"]].append(row)
    return found
