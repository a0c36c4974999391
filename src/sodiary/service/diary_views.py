"""Read-only diary views (issue 17): several users' diary info and the caller's due alarms.

Each call is one unit of work that only reads; what a row must be to show is decided in domain/diary_views.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..domain import diary_views as rules
from ..domain.enums import AppointmentStatus as S
from ..domain.enums import AppointmentType as T
from ..store import diary_views as booking_views
from ..store import entities as store
from ..store.database import Database
from ..store.entities import Row
from ..store.schema import appointment
from .context import Caller

# The lists' own row selection and people loading, so these views cannot drift from them.
from .entities import ListData, ListQuery, People, _list, _where

_a = appointment.c


async def associates_diary_info(db: Database, caller: Caller, associate_ids: Sequence[int], start: datetime | None,
                                end: datetime | None) -> ListData:
    """The diaries of these associates in the window, pending invitations included; others' private rows left out."""

    def work(conn: Connection) -> ListData:
        where = _where(caller, ListQuery(associates=tuple(associate_ids)))
        rows = [r for r in store.window(conn, where, start, end, -1)
                if rules.in_diary_info(T(r["type"]), S(r["status"]))]
        return _list(conn, rows)

    if not associate_ids:
        return ListData([], People())
    return await db.transaction(work)


@dataclass(frozen=True, slots=True)
class Alarm:
    row_index: int  # into the ListData's rows
    alarm_time: datetime


@dataclass(frozen=True, slots=True)
class Alarms:
    data: ListData
    alarms: list[Alarm]


async def due_alarms(db: Database, caller: Caller, now: datetime, *, include_invitations: bool, include_all: bool,
                     default_lead_seconds: int) -> Alarms:
    """The caller's alarms that ring now (`now` is base-zone wall clock), by alarm time."""

    def work(conn: Connection) -> Alarms:
        own = _a.associate_id == caller.associate_id
        longest = conn.execute(select(func.max(_a.alarm_lead_seconds)).where(own)).scalar() or 0
        horizon = now + timedelta(seconds=max(longest, default_lead_seconds, 0))
        candidates = store.window(conn, own, now, horizon, -1)
        due: list[tuple[datetime, int]] = []
        for r in candidates:
            when = rules.rings(type_=T(r["type"]), status=S(r["status"]), has_alarm=bool(r["has_alarm"]),
                               start=r["start_date"], end=r["end_date"], lead_seconds=r["alarm_lead_seconds"],
                               now=now, include_invitations=include_invitations, include_all=include_all,
                               default_lead_seconds=default_lead_seconds)
            if when is not None:
                due.append((when, r["appointment_id"]))
        due.sort()
        by_id = {r["appointment_id"]: r for r in candidates}
        rows = [by_id[i] for _, i in due]
        return Alarms(_list(conn, rows), [Alarm(n, when) for n, (when, _) in enumerate(due)])

    return await db.transaction(work)


@dataclass(frozen=True, slots=True)
class SyncData:
    data: ListData  # the caller's rows; people include every participant's person
    participants: dict[int, list[Row]]  # mother id -> the booking's rows (associate, person, status)


async def my_sync(db: Database, caller: Caller, start: datetime | None, end: datetime | None) -> SyncData:
    """The caller's own diary rows in the window that a synchronised calendar holds, with each booking's people."""

    def work(conn: Connection) -> SyncData:
        own = _a.associate_id == caller.associate_id
        rows = [r for r in store.window(conn, own, start, end, -1) if rules.in_sync(T(r["type"]), S(r["status"]))]
        data = _list(conn, rows)
        booked = booking_views.rows_of_bookings(conn, {r["mother_id"] for r in rows if r["mother_id"]})
        persons = [p["invited_person_id"] for members in booked.values() for p in members]
        data.people.persons.update(store.persons(conn, persons))
        data.people.contacts.update(store.contacts(conn, [p.contact_id for p in data.people.persons.values()]))
        return SyncData(data, booked)

    return await db.transaction(work)
