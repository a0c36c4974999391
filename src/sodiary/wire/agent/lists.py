"""Agent methods that list appointments: diaries, task lists, a person's or a company's appointments
(spec §4.3 #33–#37 and table D). Each builds one service.ListQuery; what a row must be to show in a
diary or a task list is decided there, once.

`IncludeProjectAppointments` is accepted and has no effect (what it adds is undocumented; the project lists
are in groupings.py). A person or
company id of 0 or less lists nothing (it would otherwise match every row without one).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sodiary.domain import enums as d
from sodiary.service import entities as svc
from sodiary.service.entities import ListQuery
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import simple_carriers
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain
from sodiary.wire.timefmt import time_context

Appointments = list[c.Appointment]


async def _answer(call: Call, query: ListQuery) -> Appointments:
    return simple_carriers(await svc.find(call.db, call.caller, query), call.caller, time_context(call.request))


def _window(call: Call, req: c.WindowRequest | c.AssociatesDiaryRequest) -> dict[str, Any]:
    tc = time_context(call.request)
    window: dict[str, Any] = {"start": tc.parse(req.start_time, "StartTime"), "end": tc.parse(req.end_time, "EndTime")}
    if isinstance(req, c.WindowRequest):
        window["count"] = req.count
    return window


def _type(value: Any) -> d.AppointmentType:
    return to_domain(value, d.AppointmentType)


async def my_appointments(call: Call, req: c.WindowRequest) -> Appointments:
    return await _answer(call, ListQuery(associates=(call.caller.associate_id,), **_window(call, req)))


async def my_diary(call: Call, req: c.WindowRequest) -> Appointments:
    return await _answer(call, ListQuery(associates=(call.caller.associate_id,), shows_in="diary",
                                         **_window(call, req)))


async def my_tasks(call: Call, req: c.CountRequest) -> Appointments:
    return await _answer(call, ListQuery(associates=(call.caller.associate_id,), shows_in="tasks", count=req.count))


async def associate_diary(call: Call, req: c.AssociateDiaryRequest) -> Appointments:
    owner = req.associate_id or call.caller.associate_id
    return await _answer(call, ListQuery(associates=(owner,), shows_in="diary", **_window(call, req)))


async def associates_diary(call: Call, req: c.AssociatesDiaryRequest) -> Appointments:
    return await _answer(call, ListQuery(associates=tuple(req.associate_ids), shows_in="diary",
                                         **_window(call, req)))


async def person_diary(call: Call, req: c.PersonDiaryRequest) -> Appointments:
    tc = time_context(call.request)
    data = await svc.person_diary(call.db, call.caller, req.person_id, **_window(call, req))
    return simple_carriers(data, call.caller, tc)


def _about(member: str, build: Callable[[Call, Any], ListQuery]) -> Callable[[Call, Any], Awaitable[Appointments]]:
    """A person's or a company's list: nothing when the request's `member` id is 0 or less — after the rest of
    the request (its window, its type) was read, so that a date that is no date is a 400 whatever the id."""

    async def handler(call: Call, req: Any) -> Appointments:
        query = build(call, req)
        return [] if getattr(req, member) <= 0 else await _answer(call, query)

    return handler


def _person(build: Callable[[Call, Any], ListQuery]) -> Callable[[Call, Any], Awaitable[Appointments]]:
    return _about("person_id", build)


def _contact(build: Callable[[Call, Any], ListQuery]) -> Callable[[Call, Any], Awaitable[Appointments]]:
    return _about("contact_id", build)


METHODS: list[AgentMethod] = [
    AgentMethod("GetMyAppointments", my_appointments, c.WindowRequest, Appointments,
                summary="The current user's appointments in a window, invitations included."),
    AgentMethod("GetMyDiary", my_diary, c.WindowRequest, Appointments,
                summary="What shows in the current user's diary in a window."),
    AgentMethod("GetMyTasks", my_tasks, c.CountRequest, Appointments,
                summary="The current user's task list: their checklist rows and accepted checklist invitations."),
    AgentMethod("GetAssociateDiary", associate_diary, c.AssociateDiaryRequest, Appointments,
                summary="What shows in an associate's diary in a window."),
    AgentMethod("GetAssociatesDiary", associates_diary, c.AssociatesDiaryRequest, Appointments,
                summary="What shows in several associates' diaries in a window."),
    AgentMethod("GetPersonDiary", person_diary, c.PersonDiaryRequest, Appointments,
                summary="The diary of the user who is this person; a person who is no user is a 400."),
    AgentMethod("GetPersonAppointments",
                _person(lambda call, r: ListQuery(person_id=r.person_id, **_window(call, r))),
                c.PersonAppointmentsRequest, Appointments, summary="Appointments with a person in a window."),
    AgentMethod("GetPersonTasks", _person(lambda call, r: ListQuery(person_id=r.person_id, shows_in="tasks",
                                                                    count=r.count)),
                c.PersonTasksRequest, Appointments, summary="Task-list rows with a person."),
    AgentMethod("GetPersonAppointmentsByType",
                _person(lambda call, r: ListQuery(person_id=r.person_id, type=_type(r.appointment_type),
                                                  **_window(call, r))),
                c.PersonAppointmentsByTypeRequest, Appointments,
                summary="Appointments of one AppointmentType with a person in a window."),
    AgentMethod("GetPersonAppointmentsByTask",
                _person(lambda call, r: ListQuery(person_id=r.person_id, task_ids=(r.task_id,), **_window(call, r))),
                c.PersonAppointmentsByTaskRequest, Appointments,
                summary="Appointments of one task (TaskId) with a person in a window."),
    AgentMethod("GetPersonAppointmentsByTasks",
                _person(lambda call, r: ListQuery(person_id=r.person_id, task_ids=tuple(r.task_ids),
                                                  **_window(call, r))),
                c.PersonAppointmentsByTasksRequest, Appointments,
                summary="Appointments of any of the tasks (TaskIds) with a person in a window."),
    AgentMethod("GetContactAppointments",
                _contact(lambda call, r: ListQuery(contact_id=r.contact_id, **_window(call, r))),
                c.ContactAppointmentsRequest, Appointments, summary="Appointments with a company in a window."),
    AgentMethod("GetContactAppointmentsByType",
                _contact(lambda call, r: ListQuery(contact_id=r.contact_id, type=_type(r.appointment_type),
                                                   **_window(call, r))),
                c.ContactAppointmentsByTypeRequest, Appointments,
                summary="Appointments of one AppointmentType with a company in a window."),
    AgentMethod("GetContactAppointmentsByTask",
                _contact(lambda call, r: ListQuery(contact_id=r.contact_id, task_ids=(r.task_id,),
                                                   **_window(call, r))),
                c.ContactAppointmentsByTaskRequest, Appointments,
                summary="Appointments of one task (TaskId) with a company in a window."),
    AgentMethod("GetContactAppointmentsByTasks",
                _contact(lambda call, r: ListQuery(contact_id=r.contact_id, task_ids=tuple(r.task_ids),
                                                   **_window(call, r))),
                c.ContactAppointmentsByTasksRequest, Appointments,
                summary="Appointments of any of the tasks (TaskIds) with a company in a window."),
]
