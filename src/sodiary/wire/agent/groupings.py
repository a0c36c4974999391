"""Lists by task heading, user group and project, and published appointments (issue 17).

Each builds one service.ListQuery, as lists.py does; a heading, group or project is a subquery of
that one statement. Ids of 0 or less list nothing: they would otherwise match every row without one.
GetDiaryByGroup's GroupType is a DiaryGroupType, documented only by its names "Userdefined, Usergroup and
ResourceHeadings": 1 (Usergroup) is served; sodiary has no user-defined diary groups nor resources
(docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import msgspec

from sodiary.service import groupings
from sodiary.service import people as people_svc
from sodiary.service.entities import ListQuery
from sodiary.wire import enums as w
from sodiary.wire.agent.entities import query_id
from sodiary.wire.agent.lists import _answer, _type, _window
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import FULL_RIGHTS, associate_carrier
from sodiary.wire.carriers.people import ProjectEntity, ProjectMember
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.errors import ApiError
from sodiary.wire.timefmt import time_context

Appointments = list[c.Appointment]
Int32 = c.Int32
USER_DEFINED, USER_GROUP, RESOURCE_HEADINGS = 0, 1, 2  # DiaryGroupType, in its documented order


class PersonAppointmentsByTaskHeadingRequest(c.PersonAppointmentsRequest):
    task_heading_id: Int32 = 0


class ContactAppointmentsByTaskHeadingRequest(c.ContactAppointmentsRequest):
    task_heading_id: Int32 = 0


class TaskHeadingRequest(c.Request):
    task_heading_id: Int32 = 0


class DiaryByGroupRequest(c.WindowRequest):
    group_id: Int32 = 0
    group_type: Int32 = 0


class ProjectAppointmentsRequest(c.WindowRequest):
    project_id: Int32 = 0


class ProjectAppointmentsByTypeRequest(ProjectAppointmentsRequest):
    appointment_type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]


class ProjectAppointmentsByTaskRequest(ProjectAppointmentsRequest):
    task_id: Int32 = 0


class ProjectAppointmentsByTasksRequest(ProjectAppointmentsRequest):
    task_ids: list[Int32] = msgspec.field(default_factory=list)


class ProjectAppointmentsByTaskHeadingRequest(ProjectAppointmentsRequest):
    task_heading_id: Int32 = 0


class ProjectMemberAppointmentsRequest(c.WindowRequest):
    person_id: Int32 = 0


class ProjectMemberAppointmentsByTypeRequest(ProjectMemberAppointmentsRequest):
    appointment_type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]


class ProjectMemberAppointmentsByTaskRequest(ProjectMemberAppointmentsRequest):
    task_id: Int32 = 0


class ProjectMemberAppointmentsByTasksRequest(ProjectMemberAppointmentsRequest):
    task_ids: list[Int32] = msgspec.field(default_factory=list)


class ProjectMemberAppointmentsByTaskHeadingRequest(ProjectMemberAppointmentsRequest):
    task_heading_id: Int32 = 0


class CanAssignToProjectMemberRequest(c.Request):
    project_id: Int32 = 0
    suggested_appointment_id: Int32 = 0


class PublishedAppointmentRequest(c.Request):
    appointment_id: Int32 = 0


class PublishedAppointmentsRequest(c.Request):
    appointment_ids: list[Int32] = msgspec.field(default_factory=list)


class PublishedProjectAppointmentsRequest(c.Request):
    project_id: Int32 = 0


class Project(c.RightsCarrier):
    """The Project agent's simple Project (spec §3.4): what sodiary keeps, the other members at their defaults."""

    project_id: Int32 = 0
    name: c.Text = ""
    description: c.Text = ""
    url: c.Text = msgspec.field(default="", name="URL")
    type: c.Text = ""
    associate_id: Int32 = 0
    associate_full_name: c.Text = ""
    type_id: Int32 = 0
    updated: c.DateText | None = None
    status_id: Int32 = 0
    status: c.Text = ""
    text_id: Int32 = 0
    publish_to: c.DateText | None = None
    publish_from: c.DateText | None = None
    is_published: bool = False
    url_name: c.Text = msgspec.field(default="", name="URLName")
    project_number: c.Text = ""
    active_erp_links: Int32 = 0
    event_id: Int32 = 0
    start_date: c.DateText | None = None


Build = Callable[[Call, Any], ListQuery]
Handler = Callable[[Call, Any], Awaitable[Appointments]]


def _about(member: str, build: Build) -> Handler:
    """Nothing when the request's `member` id is 0 or less; else the rows `build` asks for."""

    async def handler(call: Call, req: Any) -> Appointments:
        query = build(call, req)  # first: a malformed window is a 400 even when no id asks for rows
        return [] if getattr(req, member) <= 0 else await _answer(call, query)

    return handler


def _today(call: Call) -> datetime:
    """Today in the base zone, at midnight: publish dates are days."""
    tc = time_context(call.request)
    return datetime.now(tc.base).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)


# Task headings.


async def appointments_by_task_heading(call: Call, req: TaskHeadingRequest) -> Appointments:
    # No owner, window or count in the request: the caller's own rows of the heading's tasks, in time order.
    if req.task_heading_id <= 0:
        return []
    return await _answer(call, ListQuery(associates=(call.caller.associate_id,), heading_id=req.task_heading_id))


# User groups.


async def diary_by_group(call: Call, req: DiaryByGroupRequest) -> Appointments:
    if req.group_type != USER_GROUP:
        raise ApiError(400, "ArgumentException", "unknown_group_type", group_type=req.group_type)
    if req.group_id <= 0:
        return []
    return await _answer(call, ListQuery(shows_in="diary", group_id=req.group_id, **_window(call, req)))


# Projects.


def _project(**by: Any) -> Build:
    return lambda call, r: ListQuery(project_id=r.project_id, **{k: f(r) for k, f in by.items()},
                                     **_window(call, r))


def _member(**by: Any) -> Build:
    return lambda call, r: ListQuery(member_person_id=r.person_id, **{k: f(r) for k, f in by.items()},
                                     **_window(call, r))


def _by_type(r: Any) -> Any:
    return _type(r.appointment_type)


def _by_task(r: Any) -> tuple[int, ...]:
    return (r.task_id,)


def _by_tasks(r: Any) -> tuple[int, ...]:
    return tuple(r.task_ids)


def _by_heading(r: Any) -> int:
    return int(r.task_heading_id)


async def get_project(call: Call, _req: None) -> Project | None:
    project_id = query_id(call, "projectId")
    found = await groupings.project(call.db, project_id) if project_id > 0 else None
    if found is None:
        return None
    owner, project = found
    return Project(project_id=project.project_id, name=project.name, project_number=project.project_number,
                   associate_id=project.associate_id, associate_full_name=owner.full_name if owner else "",
                   table_right=FULL_RIGHTS)


async def project_entity(call: Call, project_id: int) -> ProjectEntity | None:
    found = await groupings.project(call.db, project_id) if project_id > 0 else None
    if found is None:
        return None
    owner, project = found
    members = [ProjectMember(
        projectmember_id=p.person_id, project_id=project.project_id, person_id=p.person_id,
        contact_id=p.contact_id, contact_name=p.contact_name, contact_department=p.department,
        firstname=p.firstname, lastname=p.lastname, full_name=p.full_name, email_address=p.email,
        table_right=FULL_RIGHTS) for p in await groupings.project_members(call.db, project.person_ids)]
    return ProjectEntity(project_id=project.project_id, name=project.name, project_number=project.project_number,
                         associate=associate_carrier(owner), done=project.done, project_members=members,
                         table_right=FULL_RIGHTS)


async def get_project_entity(call: Call, _req: None) -> ProjectEntity | None:
    return await project_entity(call, query_id(call, "projectEntityId"))


async def create_default_project(call: Call, _req: None) -> ProjectEntity:
    return ProjectEntity(associate=associate_carrier(await people_svc.associate(call.db, call.caller.associate_id)),
                         table_right=FULL_RIGHTS)


async def save_project_entity(call: Call, entity: ProjectEntity) -> ProjectEntity | None:
    owner = entity.associate.associate_id if entity.associate is not None else 0
    saved = await groupings.save_project(call.db, call.caller.associate_id, groupings.ProjectInput(
        entity.project_id, (entity.name or "").strip(), (entity.project_number or "").strip(), owner,
        entity.done, tuple(m.person_id for m in entity.project_members)))
    return await project_entity(call, saved)


async def delete_project_entity(call: Call, _req: None) -> None:
    await groupings.delete_project(call.db, query_id(call, "projectEntityId"))


async def can_assign_to_project_member(call: Call, req: CanAssignToProjectMemberRequest) -> bool:
    return req.project_id > 0 and await groupings.can_assign_to_project_member(call.db, req.project_id)


# Published appointments.


async def published_appointment(call: Call, req: PublishedAppointmentRequest) -> c.Appointment | None:
    if req.appointment_id <= 0:
        return None
    found = await _answer(call, ListQuery(appointment_ids=(req.appointment_id,), published_on=_today(call)))
    return found[0] if found else None


async def published_appointments(call: Call, req: PublishedAppointmentsRequest) -> Appointments:
    wanted = tuple(i for i in dict.fromkeys(req.appointment_ids) if i > 0)
    if not wanted:
        return []
    found = {a.appointment_id: a for a in
             await _answer(call, ListQuery(appointment_ids=wanted, published_on=_today(call)))}
    return [found[i] for i in wanted if i in found]  # in the order asked


async def my_published_appointments(call: Call, _req: None) -> Appointments:
    return await _answer(call, ListQuery(associates=(call.caller.associate_id,), published_on=_today(call)))


async def published_project_appointments(call: Call, req: PublishedProjectAppointmentsRequest) -> Appointments:
    if req.project_id <= 0:
        return []
    return await _answer(call, ListQuery(project_id=req.project_id, published_on=_today(call)))


METHODS: list[AgentMethod] = [
    AgentMethod("GetPersonAppointmentsByTaskHeading",
                _about("person_id", lambda call, r: ListQuery(person_id=r.person_id, heading_id=r.task_heading_id,
                                                              **_window(call, r))),
                PersonAppointmentsByTaskHeadingRequest, Appointments,
                summary="Appointments with a person in a window whose task is under the task heading."),
    AgentMethod("GetContactAppointmentsByTaskHeading",
                _about("contact_id", lambda call, r: ListQuery(contact_id=r.contact_id, heading_id=r.task_heading_id,
                                                               **_window(call, r))),
                ContactAppointmentsByTaskHeadingRequest, Appointments,
                summary="Appointments with a company in a window whose task is under the task heading."),
    AgentMethod("GetAppointmentsByTaskHeading", appointments_by_task_heading, TaskHeadingRequest, Appointments,
                summary="The caller's own appointments whose task is under the task heading."),
    AgentMethod("GetDiaryByGroup", diary_by_group, DiaryByGroupRequest, Appointments,
                summary="What shows in the diaries of a user group's members in a window (GroupType 1, "
                        "Usergroup)."),
    AgentMethod("GetProjectAppointments", _about("project_id", _project()), ProjectAppointmentsRequest,
                Appointments, summary="Appointments of a project in a window."),
    AgentMethod("GetProjectAppointmentsByType", _about("project_id", _project(type=_by_type)),
                ProjectAppointmentsByTypeRequest, Appointments,
                summary="Appointments of a project of one AppointmentType in a window."),
    AgentMethod("GetProjectAppointmentsByTask", _about("project_id", _project(task_ids=_by_task)),
                ProjectAppointmentsByTaskRequest, Appointments,
                summary="Appointments of a project of one task (TaskId) in a window."),
    AgentMethod("GetProjectAppointmentsByTasks", _about("project_id", _project(task_ids=_by_tasks)),
                ProjectAppointmentsByTasksRequest, Appointments,
                summary="Appointments of a project of any of the tasks (TaskIds) in a window."),
    AgentMethod("GetProjectAppointmentsByTaskHeading", _about("project_id", _project(heading_id=_by_heading)),
                ProjectAppointmentsByTaskHeadingRequest, Appointments,
                summary="Appointments of a project whose task is under the task heading, in a window."),
    AgentMethod("GetProjectMemberAppointments", _about("person_id", _member()), ProjectMemberAppointmentsRequest,
                Appointments, summary="Appointments of the projects the person is a member of, in a window."),
    AgentMethod("GetProjectMemberAppointmentsByType", _about("person_id", _member(type=_by_type)),
                ProjectMemberAppointmentsByTypeRequest, Appointments,
                summary="Appointments of one AppointmentType of the projects the person is a member of."),
    AgentMethod("GetProjectMemberAppointmentsByTask", _about("person_id", _member(task_ids=_by_task)),
                ProjectMemberAppointmentsByTaskRequest, Appointments,
                summary="Appointments of one task of the projects the person is a member of."),
    AgentMethod("GetProjectMemberAppointmentsByTasks", _about("person_id", _member(task_ids=_by_tasks)),
                ProjectMemberAppointmentsByTasksRequest, Appointments,
                summary="Appointments of any of the tasks of the projects the person is a member of."),
    AgentMethod("GetProjectMemberAppointmentsByTaskHeading", _about("person_id", _member(heading_id=_by_heading)),
                ProjectMemberAppointmentsByTaskHeadingRequest, Appointments,
                summary="Appointments under the task heading of the projects the person is a member of."),
    AgentMethod("CanAssignToProjectMember", can_assign_to_project_member, CanAssignToProjectMemberRequest, bool,
                summary="True when the project exists and has a member who is an active user."),
    AgentMethod("GetPublishedAppointment", published_appointment, PublishedAppointmentRequest,
                c.Appointment | None, summary="The appointment if it is published today, else null."),
    AgentMethod("GetPublishedAppointments", published_appointments, PublishedAppointmentsRequest, Appointments,
                summary="Of the ids, the appointments published today, in the order asked."),
    AgentMethod("GetMyPublishedAppointments", my_published_appointments, None, Appointments,
                summary="The caller's appointments published today."),
    AgentMethod("GetPublishedProjectAppointments", published_project_appointments,
                PublishedProjectAppointmentsRequest, Appointments,
                summary="A project's appointments published today."),
]

# The Project agent: the minimal project a ProjectId names (`POST /api/v1/Agents/Project/GetProject`).
PROJECT_METHODS: list[AgentMethod] = [
    AgentMethod("GetProject", get_project, None, Project, query={"projectId": Int32},
                summary="The project with the id (name, number, owner), or null."),
    AgentMethod("GetProjectEntity", get_project_entity, None, ProjectEntity, query={"projectEntityId": Int32},
                summary="The ProjectEntity with the id (name, number, owner, done, members), or null."),
    AgentMethod("CreateDefaultProjectEntity", create_default_project, None, ProjectEntity,
                summary="A new, unsaved ProjectEntity owned by the caller."),
    AgentMethod("SaveProjectEntity", save_project_entity, ProjectEntity, ProjectEntity,
                summary="Creates (ProjectId 0) or updates a project: name, number, owner, done and its members "
                        "(exactly the PersonIds of ProjectMembers)."),
    AgentMethod("DeleteProjectEntity", delete_project_entity, None, None, query={"projectEntityId": Int32},
                summary="Deletes the project; refused (409) while an appointment names it."),
]
