"""The agent's list methods: task lists, several diaries, a person's diary, a person's or a company's
appointments by type and by task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sodiary.domain.enums import AppointmentType as T
from sodiary.store.schema import associate, person
from tests.e2e.accept_support import assert_error
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"


def listed(client: httpx.Client, method: str, body: dict[str, Any]) -> list[int]:
    r = client.post(AGENT + method, json=body)
    assert r.status_code == 200, r.text
    return [row["AppointmentId"] for row in r.json()]


def around(seed: Seeder, *ids: int) -> dict[str, Any]:
    """A window from an hour before the first of these rows to an hour after the last."""
    starts = [seed.row(i)["start_date"] for i in ids]
    return {"StartTime": (min(starts) - timedelta(hours=1)).isoformat(),
            "EndTime": (max(starts) + timedelta(hours=2)).isoformat()}


@pytest.fixture(scope="module")
def people(seed: Seeder) -> dict[str, int]:
    """Person ids: the demo users' own and Kari, an external person at Fjord Consulting AS."""
    with seed.engine.connect() as conn:
        found = {r[0]: r[1] for r in conn.execute(select(associate.c.name, associate.c.person_id))}
        found["kari"] = conn.execute(select(person.c.person_id).where(person.c.firstname == "Kari")).scalar_one()
    return found


_day = iter(range(1, 10_000))


def booking_with(ada: httpx.Client, seed: Seeder, person_id: int, task_id: int = 0) -> dict[str, Any]:
    """ada books tje0 about the person (and a task), on a day of its own; the saved entity."""
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntity").json()
    start = datetime(2032, 5, 3, 9, 0) + timedelta(days=next(_day))
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), Title="Review",
                  Participants=[{"AssociateId": seed.user_id("tje0")}], Person={"PersonId": person_id},
                  Task={"TaskListItemId": task_id})
    r = ada.post(AGENT + "SaveAppointmentEntity", json=entity)
    assert r.status_code == 200, r.text
    return dict(r.json())


def window(saved: dict[str, Any]) -> dict[str, Any]:
    return {"StartTime": saved["StartDate"], "EndTime": saved["EndDate"], "Count": -1}


def test_my_tasks_are_the_callers_checklist_rows_not_diary_rows(tje0: httpx.Client, seed: Seeder) -> None:
    task = seed.plain("tje0", type_=T.inChecklist)
    diary = seed.plain("tje0", type_=T.inDiary)
    others = seed.plain("ben", type_=T.inChecklist)
    mine = listed(tje0, "GetMyTasks", {"Count": -1})
    assert task in mine and diary not in mine and others not in mine
    assert len(listed(tje0, "GetMyTasks", {"Count": 1})) == 1


def test_associates_diary_lists_several_diaries_in_one_window(tje0: httpx.Client, seed: Seeder) -> None:
    ben_row, ada_row = seed.plain("ben"), seed.plain("ada")
    ids = {name: seed.user_id(name) for name in ("ben", "ada")}
    span = around(seed, ben_row, ada_row)
    both = listed(tje0, "GetAssociatesDiary", {"AssociateIds": [ids["ben"], ids["ada"]], **span})
    assert ben_row in both and ada_row in both
    only_ben = listed(tje0, "GetAssociatesDiary", {"AssociateIds": [ids["ben"]], **span})
    assert ben_row in only_ben and ada_row not in only_ben
    assert listed(tje0, "GetAssociatesDiary", {"AssociateIds": [], **around(seed, ben_row)}) == []


def test_person_diary_is_the_diary_of_the_user_who_is_that_person(
    tje0: httpx.Client, seed: Seeder, people: dict[str, int]
) -> None:
    ben_row = seed.plain("ben")
    body = {"PersonId": people["ben"], **around(seed, ben_row), "Count": -1}
    assert ben_row in listed(tje0, "GetPersonDiary", body)


def test_person_diary_of_a_person_who_is_no_user_is_a_400(tje0: httpx.Client, people: dict[str, int]) -> None:
    body = assert_error(tje0.post(AGENT + "GetPersonDiary", json={"PersonId": people["kari"]}), 400)
    assert "not a user" in body["Message"]
    assert_error(tje0.post(AGENT + "GetPersonDiary", json={"PersonId": 987_654}), 400)


def test_contact_appointments_are_every_row_with_that_company_and_by_type_only_that_type(
    ada: httpx.Client, seed: Seeder, people: dict[str, int]
) -> None:
    saved = booking_with(ada, seed, people["kari"])
    mother, contact = saved["AppointmentId"], saved["Contact"]["ContactId"]
    rows = listed(ada, "GetContactAppointments", {"ContactId": contact, **window(saved)})
    assert mother in rows and len(rows) == 2  # the organiser's row and tje0's invitation
    by_type = {"ContactId": contact, **window(saved)}
    assert listed(ada, "GetContactAppointmentsByType", {**by_type, "AppointmentType": "inDiary"}) == [mother]
    invitations = listed(ada, "GetContactAppointmentsByType", {**by_type, "AppointmentType": "BookingForDiary"})
    assert len(invitations) == 1 and invitations[0] != mother
    assert listed(ada, "GetContactAppointments", {"ContactId": 0, **window(saved)}) == []


def test_person_appointments_by_task_and_by_tasks_match_the_task_id(
    ada: httpx.Client, seed: Seeder, people: dict[str, int]
) -> None:
    saved = booking_with(ada, seed, people["kari"], task_id=3)
    base = {"PersonId": people["kari"], "IncludeProjectAppointments": True, **window(saved)}
    assert len(listed(ada, "GetPersonAppointmentsByTask", {**base, "TaskId": 3})) == 2
    assert listed(ada, "GetPersonAppointmentsByTask", {**base, "TaskId": 4}) == []
    assert len(listed(ada, "GetPersonAppointmentsByTasks", {**base, "TaskIds": [4, 3]})) == 2
    assert listed(ada, "GetPersonAppointmentsByType", {**base, "AppointmentType": "inDiary"}) == [
        saved["AppointmentId"]]
    assert listed(ada, "GetPersonAppointmentsByTask", {**base, "PersonId": 0, "TaskId": 3}) == []


def test_person_tasks_are_task_list_rows_with_that_person(
    ada: httpx.Client, seed: Seeder, people: dict[str, int]
) -> None:
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntityByType", json={"Type": "ToDo"}).json()
    entity.update(Person={"PersonId": people["kari"]}, Title="Call Kari")
    r = ada.post(AGENT + "SaveAppointmentEntity", json=entity)
    assert r.status_code == 200, r.text
    todo = r.json()["AppointmentId"]
    diary = booking_with(ada, seed, people["kari"])["AppointmentId"]
    tasks = listed(ada, "GetPersonTasks", {"PersonId": people["kari"], "Count": -1})
    assert todo in tasks and diary not in tasks
