"""Reads for the diary views (issue 17)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..domain.enums import AppointmentStatus
from .schema import appointment

_a = appointment.c


@dataclass(frozen=True, slots=True)
class Member:
    """One row of a booking as a synchronised calendar lists its people."""

    appointment_id: int
    mother_id: int
    associate_id: int
    invited_person_id: int
    status: AppointmentStatus


def rows_of_bookings(conn: Connection, mother_ids: Collection[int]) -> dict[int, list[Member]]:
    """Who is in each of these bookings (every row's associate, person and status), the mother first;
    one query for a whole sync window."""
    found: dict[int, list[Member]] = {m: [] for m in mother_ids}
    if not found:
        return found
    q = (select(_a.appointment_id, _a.mother_id, _a.associate_id, _a.invited_person_id, _a.status)
         .where(_a.mother_id.in_(sorted(found)))
         .order_by(_a.mother_id, _a.appointment_id != _a.mother_id, _a.appointment_id))
    for r in conn.execute(q):
        found[r[1]].append(Member(r[0], r[1], r[2], r[3], AppointmentStatus(r[4])))
    return found
