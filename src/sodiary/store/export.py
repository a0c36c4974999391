"""Every appointment row of one diary (or of all), for `sodiary export`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from .schema import appointment, appointment_text, associate

_a = appointment.c
_t = appointment_text.c


@dataclass(frozen=True, slots=True)
class ExportedAppointment:
    appointment_id: int
    mother_id: int
    diary: str  # the user name whose diary holds the row; "" for an external person's row
    title: str
    location: str
    description: str
    agenda: str
    start: datetime  # wall clock in the server's base zone, as stored
    end: datetime
    is_allday: bool
    private: bool
    status: int
    type: int
    updated: datetime | None


def appointments(conn: Connection, user: str | None = None) -> list[ExportedAppointment]:
    query = (
        select(
            _a.appointment_id, _a.mother_id, func.coalesce(associate.c.name, "").label("diary"),
            _a.title, _a.location, func.coalesce(_t.description, ""), func.coalesce(_t.agenda, ""),
            _a.start_date, _a.end_date, _a.is_allday, _a.private, _a.status, _a.type, _a.updated,
        )
        .select_from(
            appointment.outerjoin(appointment_text, _a.text_id == _t.text_id)
            .outerjoin(associate, _a.associate_id == associate.c.associate_id)
        )
        .order_by(_a.start_date, _a.appointment_id)
    )
    if user is not None:
        query = query.where(associate.c.name == user)
    return [
        ExportedAppointment(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), bool(r[10]),
                            r[11], r[12], r[13])
        for r in conn.execute(query)
    ]


def user_id(conn: Connection, user: str) -> int | None:
    found = conn.execute(select(associate.c.associate_id).where(associate.c.name == user)).scalar()
    return int(found) if found is not None else None
