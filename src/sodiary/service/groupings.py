"""Use cases of task headings, user groups, projects and published appointments; one unit of work each.

The lists themselves are entities.find with a ListQuery; what is here reads and administers the
groupings (the CLI's `heading`, `group` and `project` commands) and answers CanAssignToProjectMember.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..domain import people as rules
from ..domain.errors import Invalid, NotFound
from ..store import groupings as store
from ..store.database import Database
from ..store.entities import AssociateInfo, PersonInfo, associates, persons
from .clock import utc_now


class Refused(Exception):
    """An administrative change that cannot be made, with the reason for the operator."""


def add_heading(conn: Connection, name: str, task_ids: Sequence[int], rank: int = 0, tooltip: str = "") -> int:
    name = name.strip()
    if not name:
        raise Refused("a heading needs a name")
    try:
        return store.add_heading(conn, name, rank, tooltip, list(dict.fromkeys(task_ids)))
    except store.Missing as exc:
        raise Refused(f"no such task: {exc.args[0]}") from None


def add_group(conn: Connection, name: str, description: str = "", rank: int = 0) -> int:
    name = name.strip()
    if not name:
        raise Refused("a group needs a name")
    try:
        return store.add_group(conn, name, description, rank)
    except store.Taken:
        raise Refused(f"a group named {name!r} exists already") from None


def add_group_members(conn: Connection, group_id: int, associate_ids: Sequence[int]) -> None:
    try:
        store.add_members(conn, group_id, list(dict.fromkeys(associate_ids)))
    except store.Missing as exc:
        raise Refused(f"no such group or user: {exc.args[0]}") from None


def add_project(conn: Connection, name: str, number: str = "", owner: int = 0) -> int:
    name = name.strip()
    if not name:
        raise Refused("a project needs a name")
    return store.add_project(conn, name, number, owner, utc_now())


def add_project_members(conn: Connection, project_id: int, person_ids: Sequence[int]) -> None:
    try:
        store.add_project_members(conn, project_id, list(dict.fromkeys(person_ids)))
    except store.Missing as exc:
        raise Refused(f"no such project or person: {exc.args[0]}") from None


async def project(db: Database, project_id: int) -> tuple[AssociateInfo | None, store.Project] | None:
    """The project with its owner (None when there is none), or None for an unknown id."""

    def work(conn: Connection) -> tuple[AssociateInfo | None, store.Project] | None:
        found = store.projects(conn, [project_id]).get(project_id)
        if found is None:
            return None
        return associates(conn, [found.associate_id]).get(found.associate_id), found

    return await db.transaction(work)


async def can_assign_to_project_member(db: Database, project_id: int) -> bool:
    """An appointment of the project can be assigned to one of its members: the project exists and has a
    member who is an active user (sodiary has no project guides, so the suggestion itself adds no rule)."""

    def work(conn: Connection) -> bool:
        return project_id in store.projects(conn, [project_id]) and store.project_has_user_member(conn, project_id)

    return await db.transaction(work)


@dataclass(frozen=True, slots=True)
class ProjectInput:
    project_id: int  # 0: a new project
    name: str
    number: str
    owner: int  # 0: the caller, for a new project; none, for an existing one
    done: bool
    person_ids: tuple[int, ...]


async def save_project(db: Database, caller_associate_id: int, data: ProjectInput) -> int:
    """Creates or updates a project with its members (exactly the persons given); its id.

    Projects are shared data, as persons and companies are: every signed-in user saves them."""
    rules.check_project(data.name, data.number)
    members = tuple(dict.fromkeys(p for p in data.person_ids))

    def work(conn: Connection) -> int:
        project_id = data.project_id
        if project_id and project_id not in store.projects(conn, [project_id]):
            raise NotFound("project_not_found", project_id=project_id)
        if unknown := store.unknown_persons(conn, members):
            raise Invalid("project_unknown_members", person_ids=", ".join(map(str, unknown[:20])))
        owner = data.owner or (0 if project_id else caller_associate_id)
        if owner and not store.associate_exists(conn, owner):
            raise Invalid("project_unknown_owner", associate_id=owner)
        if project_id:
            store.update_project(conn, project_id, data.name, data.number, owner, data.done)
        else:
            project_id = store.add_project(conn, data.name, data.number, owner, utc_now())
            if data.done:
                store.update_project(conn, project_id, data.name, data.number, owner, True)
        store.set_project_members(conn, project_id, members)
        return project_id

    return await db.transaction(work)


async def delete_project(db: Database, project_id: int) -> None:
    def work(conn: Connection) -> None:
        if project_id not in store.projects(conn, [project_id]):
            raise NotFound("project_not_found", project_id=project_id)
        rules.may_delete_project(project_id, store.project_in_use(conn, project_id))
        store.delete_project(conn, project_id)

    await db.transaction(work)


async def project_members(db: Database, person_ids: Sequence[int]) -> list[PersonInfo]:
    """The members' persons (with their companies), in the order given."""

    def work(conn: Connection) -> list[PersonInfo]:
        found = persons(conn, person_ids)
        return [found[i] for i in person_ids if i in found]

    return await db.transaction(work)
