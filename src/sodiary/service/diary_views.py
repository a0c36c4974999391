"""Read-only diary views (issue 17): several users' diary info and the caller's due alarms.

Each call is one unit of work that only reads; what a row must be to show is decided in domain/diary_views.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from ..domain import diary_views as rules
from ..domain.appointment import ListQuery
from ..store import diary_views as booking_views
from ..store import entities as store
from ..store.database import Database
from ..store.diary_views import Member
from .context import Caller

# The lists' own row selection and people loading, so these views cannot drift from them.
from .entities import ListData, People, list_data


async def associates_diary_info(db: Database, caller: Caller, associate_ids: Sequence[int], start: datetime | None,
                                end: datetime | None) -> ListData:
    """The diaries of these associates in the window, pending invitations included; others' private rows left out."""

    def work(conn: Connection) -> ListData:
        query = ListQuery(associates=tuple(associate_ids), start=start, end=end)
        rows = [r for r in store.list_rows(conn, caller.associate_id, query) if rules.in_diary_info(r.type, r.status)]
        return list_data(conn, rows)

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
        longest = store.longest_alarm_lead(conn, caller.associate_id)
        horizon = now + timedelta(seconds=max(longest, default_lead_seconds, 0))
        candidates = store.own_rows_in(conn, caller.associate_id, now, horizon)
        due: list[tuple[datetime, int]] = []
        for r in candidates:
            when = rules.rings(type_=r.type, status=r.status, has_alarm=r.has_alarm,
                               start=r.start_date, end=r.end_date, lead_seconds=r.alarm_lead_seconds,
                               now=now, include_invitations=include_invitations, include_all=include_all,
                               default_lead_seconds=default_lead_seconds)
            if when is not None:
                due.append((when, r.appointment_id))
        due.sort()
        by_id = {r.appointment_id: r for r in candidates}
        rows = [by_id[i] for _, i in due]
        return Alarms(list_data(conn, rows), [Alarm(n, when) for n, (when, _) in enumerate(due)])

    return await db.transaction(work)


@dataclass(frozen=True, slots=True)
class SyncData:
    data: ListData  # the caller's rows; people include every participant's person
    participants: dict[int, list[Member]]  # mother id -> the booking's rows (associate, person, status)


async def my_sync(db: Database, caller: Caller, start: datetime | None, end: datetime | None) -> SyncData:
    """The caller's own diary rows in the window that a synchronised calendar holds, with each booking's people."""

    def work(conn: Connection) -> SyncData:
        rows = [r for r in store.own_rows_in(conn, caller.associate_id, start, end) if rules.in_sync(r.type, r.status)]
        data = list_data(conn, rows)
        booked = booking_views.rows_of_bookings(conn, {r.mother_id for r in rows if r.mother_id})
        persons = [p.invited_person_id for members in booked.values() for p in members]
        data.people.persons.update(store.persons(conn, persons))
        data.people.contacts.update(store.contacts(conn, [p.contact_id for p in data.people.persons.values()]))
        return SyncData(data, booked)

    return await db.transaction(work)
