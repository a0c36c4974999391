"""A new appointment takes its task type's first task and that task's defaults (issue 17); appointments
name their task by the task list's name. Its own module: the task list starts empty here."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

AGENT = "/api/v1/Agents/Appointment/"


def task(client: httpx.Client, **members: Any) -> dict[str, Any]:
    item = client.post(AGENT + "CreateDefaultTaskListItem").json()
    item.update(members)
    r = client.post(AGENT + "SaveTaskListItem", json=item)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_without_a_task_of_its_type_a_new_appointment_names_the_task_type(ada: httpx.Client) -> None:
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntityByType", json={"Type": "Fax"}).json()
    assert entity["Task"]["TaskListItemId"] == 0 and entity["Task"]["Value"] == "Fax"


def test_a_new_appointment_takes_the_first_task_of_its_type_by_rank_and_its_defaults(ada: httpx.Client) -> None:
    task(ada, Value="Late call", Type="Phone", Rank=20)
    first = task(ada, Value="Quick call", Type="Phone", Rank=10, IsDefaultFree=True, IsDefaultAlldayEvent=True,
                 IsDefaultPublished=True, Tooltip="A short call", ColorIndex="LightGreen")
    task(ada, Value="Gone call", Type="Phone", Rank=1, Deleted=True)
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntityByType", json={"Type": "Phone"}).json()
    assert entity["Task"]["TaskListItemId"] == first["TaskListItemId"]
    assert (entity["Task"]["Value"], entity["Task"]["Type"], entity["Task"]["Tooltip"]) == (
        "Quick call", "Phone", "A short call")
    assert (entity["IsFree"], entity["IsAlldayEvent"], entity["IsPublished"]) == (True, True, True)


def test_the_defaults_of_an_appointment_task_are_those_of_create_default_appointment_entity(
        ada: httpx.Client) -> None:
    meeting = task(ada, Value="Meeting", Type="Appointment", Rank=0)
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntity").json()
    assert entity["Task"]["TaskListItemId"] == meeting["TaskListItemId"] and entity["Task"]["Value"] == "Meeting"
    assert (entity["IsFree"], entity["IsPublished"]) == (False, False)


def test_a_saved_appointment_is_listed_with_its_tasks_name(ada: httpx.Client) -> None:
    review = task(ada, Value="Design review", Type="Appointment", Rank=5)
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntity").json()
    start = datetime(2035, 3, 5, 9, 0)
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(),
                  Task={"TaskListItemId": review["TaskListItemId"]})
    saved = ada.post(AGENT + "SaveAppointmentEntity", json=entity).json()
    assert saved["Task"]["Value"] == "Design review"
    listed = ada.post(AGENT + "GetMyAppointments", json={"StartTime": saved["StartDate"],
                                                         "EndTime": saved["EndDate"]}).json()
    assert [a["Task"] for a in listed if a["AppointmentId"] == saved["AppointmentId"]] == ["Design review"]
