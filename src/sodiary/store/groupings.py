"""What groups appointments and users: task headings, user groups, projects with members, and the
publish rows. The list queries take the `*_subquery` selects, so each list stays one statement."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement, Select

from .schema import (
    appointment,
    associate,
    heading,
    person,
    project,
    project_member,
    publish,
    task,
    task_heading_link,
    user_group,
    user_group_member,
)

_a = appointment.c
_h = heading.c
_l = task_heading_link.c
_g = user_group.c
_m = user_group_member.c
_p = project.c
_pm = project_member.c
_pub = publish.c


class Taken(Exception):
    """A unique name or a membership exists already."""


class Missing(Exception):
    """A row the change names does not exist."""


@dataclass(frozen=True, slots=True)
class Heading:
    heading_id: int
    name: str
    rank: int
    tooltip: str
    deleted: bool
    task_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class UserGroup:
    group_id: int
    name: str
    description: str
    rank: int
    deleted: bool
    associate_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Project:
    project_id: int
    name: str
    project_number: str
    associate_id: int
    done: bool
    person_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Published:
    appointment_id: int
    publish_from: datetime | None
    publish_to: datetime | None
    event_date: datetime | None


def _insert(conn: Connection, table: Any, values: dict[str, Any]) -> int:
    try:
        with conn.begin_nested():
            key = list(table.primary_key.columns)[0]
            return int(conn.execute(insert(table).values(**values).returning(key)).scalar_one())
    except IntegrityError:
        raise Taken from None


def _link(conn: Connection, table: Any, rows: Iterable[dict[str, int]]) -> None:
    for values in rows:
        try:
            with conn.begin_nested():
                conn.execute(insert(table).values(**values))
        except IntegrityError:
            # Already linked is what was asked; a row that does not exist is refused by the caller's checks.
            pass


# Task headings.


def add_heading(conn: Connection, name: str, rank: int, tooltip: str, task_ids: Collection[int]) -> int:
    known = set(conn.execute(select(task.c.task_id).where(task.c.task_id.in_(task_ids))).scalars())
    if set(task_ids) - known:
        raise Missing(sorted(set(task_ids) - known))
    heading_id = _insert(conn, heading, {"name": name, "rank": rank, "tooltip": tooltip})
    _link(conn, task_heading_link, ({"heading_id": heading_id, "task_id": t} for t in task_ids))
    return heading_id


def headings(conn: Connection) -> list[Heading]:
    links: dict[int, list[int]] = {}
    for h, t in conn.execute(select(_l.heading_id, _l.task_id).order_by(_l.task_id)):
        links.setdefault(h, []).append(t)
    rows = conn.execute(select(heading).order_by(_h.rank, _h.heading_id)).mappings()
    return [Heading(r["heading_id"], r["name"], r["rank"], r["tooltip"], r["deleted"],
                    tuple(links.get(r["heading_id"], ()))) for r in rows]


def tasks_under(heading_id: int) -> Select[Any]:
    """The task ids under a heading, as a subquery."""
    return select(_l.task_id).where(_l.heading_id == heading_id)


# User groups.


def add_group(conn: Connection, name: str, description: str, rank: int) -> int:
    return _insert(conn, user_group, {"name": name, "description": description, "rank": rank})


def group_named(conn: Connection, name: str) -> int | None:
    return conn.execute(select(_g.group_id).where(_g.name == name)).scalar_one_or_none()


def add_members(conn: Connection, group_id: int, associate_ids: Collection[int]) -> None:
    if conn.execute(select(_g.group_id).where(_g.group_id == group_id)).first() is None:
        raise Missing(group_id)
    known = set(conn.execute(select(associate.c.associate_id).where(associate.c.associate_id.in_(associate_ids)))
                .scalars())
    if set(associate_ids) - known:
        raise Missing(sorted(set(associate_ids) - known))
    _link(conn, user_group_member, ({"group_id": group_id, "associate_id": a} for a in associate_ids))


def groups(conn: Connection) -> list[UserGroup]:
    members: dict[int, list[int]] = {}
    for g, a in conn.execute(select(_m.group_id, _m.associate_id).order_by(_m.associate_id)):
        members.setdefault(g, []).append(a)
    rows = conn.execute(select(user_group).order_by(_g.rank, _g.group_id)).mappings()
    return [UserGroup(r["group_id"], r["name"], r["description"], r["rank"], r["deleted"],
                      tuple(members.get(r["group_id"], ()))) for r in rows]


def members_of(group_id: int) -> Select[Any]:
    """The associate ids in a group, as a subquery."""
    return select(_m.associate_id).where(_m.group_id == group_id)


# Projects.


def add_project(conn: Connection, name: str, number: str, owner: int, now: datetime) -> int:
    return _insert(conn, project, {"name": name, "project_number": number, "associate_id": owner,
                                   "registered": now})


def add_project_members(conn: Connection, project_id: int, person_ids: Collection[int]) -> None:
    if conn.execute(select(_p.project_id).where(_p.project_id == project_id)).first() is None:
        raise Missing(project_id)
    known = set(conn.execute(select(person.c.person_id).where(person.c.person_id.in_(person_ids))).scalars())
    if set(person_ids) - known:
        raise Missing(sorted(set(person_ids) - known))
    _link(conn, project_member, ({"project_id": project_id, "person_id": p} for p in person_ids))


def projects(conn: Connection, ids: Collection[int] | None = None) -> dict[int, Project]:
    mq = select(_pm.project_id, _pm.person_id).order_by(_pm.person_id)
    q = select(project).order_by(_p.project_id)
    if ids is not None:
        mq, q = mq.where(_pm.project_id.in_(ids)), q.where(_p.project_id.in_(ids))
    members: dict[int, list[int]] = {}
    for p, m in conn.execute(mq):
        members.setdefault(p, []).append(m)
    return {r["project_id"]: Project(r["project_id"], r["name"], r["project_number"], r["associate_id"], r["done"],
                                     tuple(members.get(r["project_id"], ())))
            for r in conn.execute(q).mappings()}


def update_project(conn: Connection, project_id: int, name: str, number: str, owner: int, done: bool) -> None:
    conn.execute(project.update().where(_p.project_id == project_id).values(
        name=name, project_number=number, associate_id=owner, done=done))


def set_project_members(conn: Connection, project_id: int, person_ids: Collection[int]) -> None:
    """The project's members become exactly these persons (all known; the caller checked)."""
    conn.execute(delete(project_member).where(_pm.project_id == project_id))
    _link(conn, project_member, ({"project_id": project_id, "person_id": p} for p in person_ids))


def unknown_persons(conn: Connection, person_ids: Collection[int]) -> list[int]:
    known = set(conn.execute(select(person.c.person_id).where(person.c.person_id.in_(person_ids))).scalars())
    return sorted(set(person_ids) - known)


def associate_exists(conn: Connection, associate_id: int) -> bool:
    q = select(associate.c.associate_id).where(associate.c.associate_id == associate_id)
    return conn.execute(q).first() is not None


def project_in_use(conn: Connection, project_id: int) -> bool:
    """An appointment names the project by its ProjectId."""
    return conn.execute(select(_a.appointment_id).where(_a.project_id == project_id).limit(1)).first() is not None


def delete_project(conn: Connection, project_id: int) -> None:
    conn.execute(delete(project_member).where(_pm.project_id == project_id))
    conn.execute(delete(project).where(_p.project_id == project_id))


def projects_of_member(person_id: int) -> Select[Any]:
    """The ids of the projects a person is a member of, as a subquery."""
    return select(_pm.project_id).where(_pm.person_id == person_id)


def project_has_user_member(conn: Connection, project_id: int) -> bool:
    q = (select(_pm.person_id).join(associate, associate.c.person_id == _pm.person_id)
         .where(_pm.project_id == project_id, associate.c.deleted == False, associate.c.disabled == False)  # noqa: E712
         .limit(1))
    return conn.execute(q).first() is not None


# Published appointments.


def published(conn: Connection, ids: Collection[int]) -> dict[int, Published]:
    if not ids:
        return {}
    q = select(publish).where(_pub.appointment_id.in_(ids))
    return {r["appointment_id"]: Published(r["appointment_id"], r["publish_from"], r["publish_to"], r["event_date"])
            for r in conn.execute(q).mappings()}


def set_published(conn: Connection, appointment_id: int, wanted: Published | None) -> None:
    """Publishes the appointment with these dates, or (None) withdraws it."""
    conn.execute(delete(publish).where(_pub.appointment_id == appointment_id))
    if wanted is not None:
        conn.execute(insert(publish).values(
            appointment_id=appointment_id, publish_type=1, publish_from=wanted.publish_from,
            publish_to=wanted.publish_to, event_date=wanted.event_date))


def published_on(day: datetime) -> ColumnElement[bool]:
    """The row (or its booking's mother) has a publish row valid on `day` (both ends inclusive, open if null)."""
    valid = and_(or_(_pub.publish_from.is_(None), _pub.publish_from <= day),
                 or_(_pub.publish_to.is_(None), _pub.publish_to >= day))
    return exists(select(_pub.appointment_id).where(
        or_(_pub.appointment_id == _a.appointment_id, and_(_a.mother_id != 0, _pub.appointment_id == _a.mother_id)),
        valid))

