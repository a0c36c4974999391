"""Reads for whole appointments: rows with their text, the people around them, diary queries.

Rows come back as domain/appointment.py `AppointmentRow`s (the appointment columns plus `description`,
`agenda` and `internal_notes` from the shared text), rules as `RecurrenceRuleRow`s. Writes of whole rows
are here too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select

from ..domain import booking
from ..domain.appointment import COLUMN_FIELDS, AppointmentRow, ListQuery, RecurrenceRuleRow
from ..domain.enums import AppointmentStatus, AppointmentType
from . import groupings
from .schema import (
    appointment,
    appointment_text,
    associate,
    contact,
    person,
    recurrence_rule,
    user_group,
    user_group_member,
)

_a = appointment.c
# The domain's rule of what occupies a diary, as the numbers the queries compare.
DIARY_STATUS_VALUES = sorted(int(s) for s in booking.DIARY_STATES)
DIARY_TYPE_VALUES = sorted(int(t) for t in booking.DIARY_TYPES)
_t = appointment_text.c

_ROWS = select(
    appointment,
    func.coalesce(_t.description, "").label("description"),
    func.coalesce(_t.agenda, "").label("agenda"),
    func.coalesce(_t.internal_notes, "").label("internal_notes"),
).select_from(appointment.outerjoin(appointment_text, _a.text_id == _t.text_id))


@dataclass(frozen=True, slots=True)
class PersonInfo:
    person_id: int
    firstname: str
    lastname: str
    email: str
    contact_id: int
    contact_name: str
    department: str
    associate_id: int = 0  # the user this person is, if any
    associate_name: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.firstname, self.lastname) if p)


@dataclass(frozen=True, slots=True)
class AssociateInfo:
    associate_id: int
    name: str
    type: int
    disabled: bool
    person: PersonInfo | None
    group_id: int = 0  # GroupIdx: the first of the user's groups by rank, 0 for none

    @property
    def full_name(self) -> str:
        return (self.person.full_name if self.person else "") or self.name


@dataclass(frozen=True, slots=True)
class ContactInfo:
    contact_id: int
    name: str
    department: str


def visible_to(associate_id: int) -> ColumnElement[bool]:
    """Private rows are seen by their owner only (docs/decisions.md; AppointmentRow.visible_to)."""
    return or_(_a.private == 0, _a.associate_id == associate_id)


def appointment_row(values: Mapping[Any, Any]) -> AppointmentRow:
    """A row read from the database (the appointment's columns, and the text's where it was joined)."""
    return AppointmentRow(**{**values, "type": AppointmentType(values["type"]),
                             "status": AppointmentStatus(values["status"])})


def _rows(conn: Connection, q: Select[Any]) -> list[AppointmentRow]:
    return [appointment_row(r) for r in conn.execute(q).mappings()]


def column_values(row: AppointmentRow) -> dict[str, Any]:
    """The row's columns to insert: every column, but the id only when the row names one (demo data);
    a new row's 0 lets the database give it."""
    skip = "" if row.appointment_id else "appointment_id"
    return {name: getattr(row, name) for name in COLUMN_FIELDS if name != skip}


def get_rows(conn: Connection, ids: Iterable[int]) -> dict[int, AppointmentRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {r.appointment_id: r for r in _rows(conn, _ROWS.where(_a.appointment_id.in_(wanted)))}


def get_row(conn: Connection, appointment_id: int) -> AppointmentRow | None:
    return get_rows(conn, [appointment_id]).get(appointment_id)


def booking_rows(conn: Connection, mother_id: int) -> list[AppointmentRow]:
    """The mother and every child of a booking, mother first."""
    q = _ROWS.where(_a.mother_id == mother_id).order_by((_a.appointment_id != mother_id), _a.appointment_id)
    return _rows(conn, q)


def records(conn: Connection, mother_id: int, rule_id: int) -> list[AppointmentRow]:
    """Every row of a booking and/or a recurring series; 0 = that criterion is not used."""
    if mother_id == 0 and rule_id == 0:
        return []
    conds = []
    if mother_id:
        conds.append(_a.mother_id == mother_id)
    if rule_id:
        conds.append(_a.recurrence_rule_id == rule_id)
    q = _ROWS.where(or_(*conds)).order_by(_a.start_date, (_a.appointment_id != _a.mother_id), _a.appointment_id)
    return _rows(conn, q)


# What shows in a diary / a task list: the listed states (domain/booking.py) of the list's own type.
_LISTED_STATUS_VALUES = sorted(int(s) for s in booking.LISTED_STATES)
_SHOWS_IN = {
    "diary": and_(_a.type == int(AppointmentType.inDiary), _a.status.in_(_LISTED_STATUS_VALUES)),
    "tasks": and_(_a.type == int(AppointmentType.inChecklist), _a.status.in_(_LISTED_STATUS_VALUES)),
}


def list_where(associate_id: int, q: ListQuery) -> ColumnElement[bool]:
    """The condition of a list query as `associate_id` asks it (others' private rows left out)."""
    parts: list[ColumnElement[bool]] = [visible_to(associate_id)]
    if q.associates is not None:
        parts.append(_a.associate_id.in_(q.associates))
    if q.person_id is not None:
        parts.append(_a.person_id == q.person_id)
    if q.contact_id is not None:
        parts.append(_a.contact_id == q.contact_id)
    if q.shows_in:
        parts.append(_SHOWS_IN[q.shows_in])
    if q.type is not None:
        parts.append(_a.type == int(q.type))
    if q.task_ids is not None:
        parts.append(_a.task_id.in_(q.task_ids))
    if q.heading_id is not None:
        parts.append(_a.task_id.in_(groupings.tasks_under(q.heading_id)))
    if q.group_id is not None:
        parts.append(_a.associate_id.in_(groupings.members_of(q.group_id)))
    if q.project_id is not None:
        parts.append(_a.project_id == q.project_id)
    if q.member_person_id is not None:
        parts.append(_a.project_id.in_(groupings.projects_of_member(q.member_person_id)))
    if q.published_on is not None:
        parts.append(groupings.published_on(q.published_on))
    if q.appointment_ids is not None:
        parts.append(_a.appointment_id.in_(q.appointment_ids))
    return and_(*parts)


def list_rows(conn: Connection, associate_id: int, q: ListQuery) -> list[AppointmentRow]:
    """The rows of a list query, by start, in its window and up to its count."""
    return window(conn, list_where(associate_id, q), q.start, q.end, q.count)


def series_rows(conn: Connection, associate_id: int, rule_ids: Collection[int]) -> list[AppointmentRow]:
    """Every row of these series in the associate's diary table as the associate sees it, by start."""
    where = and_(list_where(associate_id, ListQuery(associates=(associate_id,))),
                 _a.recurrence_rule_id.in_(sorted(rule_ids)))
    return window(conn, where, None, None, -1)


def own_rows_in(conn: Connection, associate_id: int, start: datetime | None, end: datetime | None
                ) -> list[AppointmentRow]:
    """Every row of the associate's diary table (private ones too) that overlaps [start, end]."""
    return window(conn, _a.associate_id == associate_id, start, end, -1)


def listed_rows_of(conn: Connection, associate_id: int, start: datetime, end: datetime) -> list[AppointmentRow]:
    """What fills a diary's days (service/calendar_days.py): the associate's own listed rows (domain/booking.py
    LISTED_STATES) of the diary and the task list alike, private ones too, that overlap [start, end]."""
    where = and_(_a.associate_id == associate_id,
                 _a.type.in_([int(AppointmentType.inDiary), int(AppointmentType.inChecklist)]),
                 _a.status.in_(_LISTED_STATUS_VALUES))
    return window(conn, where, start, end, -1)


def rows_taking_time(conn: Connection, associate_ids: Collection[int], start: datetime, end: datetime
                     ) -> list[AppointmentRow]:
    """The associates' rows that are not free time (any type and status) and overlap [start, end]."""
    where = and_(_a.associate_id.in_(sorted(associate_ids)), _a.is_free.is_(False))
    return window(conn, where, start, end, -1)


def all_rows(conn: Connection) -> list[AppointmentRow]:
    """Every appointment row, by start (the operator's export)."""
    return window(conn, _a.appointment_id.isnot(None), None, None, -1)


def longest_alarm_lead(conn: Connection, associate_id: int) -> int:
    """The longest alarm lead time (seconds) of the associate's rows; 0 if none."""
    q = select(func.max(_a.alarm_lead_seconds)).where(_a.associate_id == associate_id)
    return int(conn.execute(q).scalar() or 0)


def window(
    conn: Connection,
    where: ColumnElement[bool],
    start: datetime | None,
    end: datetime | None,
    count: int,
) -> list[AppointmentRow]:
    """Rows matching `where` that overlap [start, end], by start; count <= 0 = all."""
    q: Select[Any] = _ROWS.where(where)
    if start is not None:
        q = q.where(_a.end_date >= start)
    if end is not None:
        q = q.where(_a.start_date <= end)
    q = q.order_by(_a.start_date, _a.appointment_id)
    if count > 0:
        q = q.limit(count)
    return _rows(conn, q)


def has_conflict(conn: Connection, row: AppointmentRow) -> bool:
    """Another live row of the same diary overlaps this one."""
    if row.associate_id == 0 or row.is_free:
        return False
    q = select(func.count()).select_from(appointment).where(
        _a.associate_id == row.associate_id,
        _a.appointment_id != row.appointment_id,
        _a.start_date < row.end_date,
        _a.end_date > row.start_date,
        _a.is_free.is_(False),
        _a.status.in_(DIARY_STATUS_VALUES),
        _a.type.in_(DIARY_TYPE_VALUES),
    )
    return bool(conn.execute(q).scalar_one())


def get_rule(conn: Connection, rule_id: int) -> RecurrenceRuleRow | None:
    return get_rules(conn, [rule_id]).get(rule_id)


def get_rules(conn: Connection, ids: Iterable[int]) -> dict[int, RecurrenceRuleRow]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    q = select(recurrence_rule).where(recurrence_rule.c.recurrence_rule_id.in_(wanted))
    return {r["recurrence_rule_id"]: RecurrenceRuleRow(**r) for r in conn.execute(q).mappings()}


def rule_dates(conn: Connection, rule_id: int, associate_id: int) -> list[datetime]:
    """The starts of the associate's occurrences of the series; cancelled ones are no longer part of it."""
    q = (
        select(_a.start_date)
        .where(_a.recurrence_rule_id == rule_id, _a.associate_id == associate_id, _a.status != int(booking.CANCELLED))
        .order_by(_a.start_date)
    )
    return [r[0] for r in conn.execute(q)]


def _person_select() -> Select[Any]:
    p, c = person.c, contact.c
    return select(
        p.person_id, p.firstname, p.lastname, p.email, p.contact_id,
        func.coalesce(c.name, "").label("contact_name"), func.coalesce(c.department, "").label("department"),
    ).select_from(person.outerjoin(contact, p.contact_id == c.contact_id))


def persons(conn: Connection, ids: Iterable[int]) -> dict[int, PersonInfo]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    users = {
        r[0]: (r[1], r[2])
        for r in conn.execute(
            select(associate.c.person_id, associate.c.associate_id, associate.c.name).where(
                associate.c.person_id.in_(wanted)
            )
        )
    }
    out = {}
    for r in conn.execute(_person_select().where(person.c.person_id.in_(wanted))).mappings():
        user = users.get(r["person_id"], (0, ""))
        out[r["person_id"]] = PersonInfo(**dict(r), associate_id=user[0], associate_name=user[1])
    return out


def associates(conn: Connection, ids: Iterable[int]) -> dict[int, AssociateInfo]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    a = associate.c
    m, g = user_group_member.c, user_group.c
    first_group = (select(m.group_id).join(user_group, g.group_id == m.group_id)
                   .where(m.associate_id == a.associate_id).order_by(g.rank, g.group_id).limit(1).scalar_subquery())
    q = (select(a.associate_id, a.name, a.type, a.disabled, a.person_id, func.coalesce(first_group, 0))
         .where(a.associate_id.in_(wanted)))
    rows_list = list(conn.execute(q))
    people = persons(conn, (r[4] for r in rows_list if r[4]))
    return {r[0]: AssociateInfo(r[0], r[1], r[2], bool(r[3]), people.get(r[4]) if r[4] else None, int(r[5]))
            for r in rows_list}


def contacts(conn: Connection, ids: Iterable[int]) -> dict[int, ContactInfo]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    c = contact.c
    q = select(c.contact_id, c.name, c.department).where(c.contact_id.in_(wanted))
    return {r[0]: ContactInfo(r[0], r[1], r[2]) for r in conn.execute(q)}


# Writes.


def insert_row(conn: Connection, row: AppointmentRow) -> int:
    """Insert the row's columns (not its text: `text_id` names it); the new id back."""
    stmt = insert(appointment).values(**column_values(row))
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def update_rows(conn: Connection, ids: Collection[int], values: Mapping[str, Any]) -> None:
    if ids and values:
        conn.execute(update(appointment).where(_a.appointment_id.in_(sorted(ids))).values(**values))


def bump(conn: Connection, ids: Collection[int], actor: int, now: datetime) -> None:
    """Mark rows as changed by `actor` now."""
    if ids:
        conn.execute(
            update(appointment)
            .where(_a.appointment_id.in_(sorted(ids)))
            .values(updated=now, updated_associate_id=actor, updated_count=_a.updated_count + 1)
        )


def delete_rows(conn: Connection, ids: Collection[int]) -> None:
    if ids:
        conn.execute(delete(appointment).where(_a.appointment_id.in_(sorted(ids))))


def update_text(conn: Connection, text_id: int, **values: str) -> None:
    conn.execute(update(appointment_text).where(_t.text_id == text_id).values(**values))


def where_all(*conds: ColumnElement[bool]) -> ColumnElement[bool]:
    return and_(*conds)


def lock_organiser_row(conn: Connection, appointment_id: int) -> None:
    """Hold the row an update of `appointment_id` applies to (the booking's mother, else the row itself)
    until the unit of work ends, so that a check made after this sees every earlier write (PostgreSQL
    reads committed data per statement). SQLite needs none: its writer runs one unit at a time."""
    mother = conn.execute(select(_a.mother_id).where(_a.appointment_id == appointment_id)).scalar()
    target = mother or appointment_id
    conn.execute(select(_a.appointment_id).where(_a.appointment_id == target).with_for_update()).all()
