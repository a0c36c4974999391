"""Lists by task heading, user group and project, and published appointments (issue 17's leftovers).

Headings, groups and projects are administered by the CLI (service/groupings.py); the tests make them in
the server's database the same way, then talk HTTP to the real server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection

from sodiary.service import groupings
from sodiary.store.schema import associate, person
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
R = TypeVar("R")
_n = iter(range(1, 10_000))


def admin(seed: Seeder, work: Callable[[Connection], R]) -> R:
    with seed.engine.begin() as conn:
        return work(conn)


def person_of(seed: Seeder, name: str) -> int:
    with seed.engine.connect() as conn:
        return int(conn.execute(select(associate.c.person_id).where(associate.c.name == name)).scalar_one())


def kari(seed: Seeder) -> int:
    with seed.engine.connect() as conn:
        return int(conn.execute(select(person.c.person_id).where(person.c.firstname == "Kari")).scalar_one())


def task(client: httpx.Client) -> int:
    # Phone tasks: an appointment task would become every new appointment's default task in this module.
    r = client.post(AGENT + "SaveTaskListItem", json={"TaskListItemId": 0, "Value": f"Grouped task {next(_n)}",
                                                      "Type": "Phone"})
    assert r.status_code == 200, r.text
    return int(r.json()["TaskListItemId"])


def save(client: httpx.Client, day: int | None = None, **members: Any) -> dict[str, Any]:
    """An appointment of the client's user on a day of its own (2034 on), with these entity members."""
    entity = client.post(AGENT + "CreateDefaultAppointmentEntity").json()
    start = datetime(2034, 1, 2, 9, 0) + timedelta(days=day if day is not None else next(_n))
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), **members)
    r = client.post(AGENT + "SaveAppointmentEntity", json=entity)
    assert r.status_code == 200, r.text
    return dict(r.json())


def ids(r: httpx.Response) -> list[int]:
    assert r.status_code == 200, r.text
    return [row["AppointmentId"] for row in r.json()]


def window(*saved: dict[str, Any]) -> dict[str, Any]:
    return {"StartTime": min(s["StartDate"] for s in saved), "EndTime": max(s["EndDate"] for s in saved)}


# Task headings.


def test_the_task_heading_lists_hold_only_appointments_of_the_headings_tasks(ada: httpx.Client,
                                                                             seed: Seeder) -> None:
    under, other = task(ada), task(ada)
    heading = admin(seed, lambda conn: groupings.add_heading(conn, f"Heading {next(_n)}", [under]))
    who = {"Person": {"PersonId": kari(seed)}}
    inside, outside = save(ada, Task={"TaskListItemId": under}, **who), save(ada, Task={"TaskListItemId": other}, **who)
    contact = inside["Contact"]["ContactId"]
    by_person = ids(ada.post(AGENT + "GetPersonAppointmentsByTaskHeading", json={
        "PersonId": kari(seed), "TaskHeadingId": heading, **window(inside, outside)}))
    by_contact = ids(ada.post(AGENT + "GetContactAppointmentsByTaskHeading", json={
        "ContactId": contact, "TaskHeadingId": heading, **window(inside, outside)}))
    own = ids(ada.post(AGENT + "GetAppointmentsByTaskHeading", json={"TaskHeadingId": heading}))
    assert by_person == by_contact == own == [inside["AppointmentId"]]


def test_the_own_list_by_task_heading_leaves_out_other_users_appointments(ada: httpx.Client, ben: httpx.Client,
                                                                         seed: Seeder) -> None:
    under = task(ada)
    heading = admin(seed, lambda conn: groupings.add_heading(conn, f"Heading {next(_n)}", [under]))
    bens = save(ben, Task={"TaskListItemId": under})
    assert ids(ada.post(AGENT + "GetAppointmentsByTaskHeading", json={"TaskHeadingId": heading})) == []
    assert ids(ben.post(AGENT + "GetAppointmentsByTaskHeading", json={"TaskHeadingId": heading})) == [
        bens["AppointmentId"]]


def test_an_unknown_or_zero_task_heading_lists_nothing(ada: httpx.Client) -> None:
    save(ada)  # a row with task 0 must not match a heading id of 0
    for heading in (0, 999_999):
        assert ids(ada.post(AGENT + "GetAppointmentsByTaskHeading", json={"TaskHeadingId": heading})) == []


def test_a_heading_naming_an_unknown_task_is_refused(seed: Seeder) -> None:
    with pytest.raises(groupings.Refused, match="no such task"):
        admin(seed, lambda conn: groupings.add_heading(conn, "Broken", [999_999]))


# User groups.


def test_the_diary_by_user_group_shows_the_members_diaries_and_nobody_elses(
        ada: httpx.Client, ben: httpx.Client, tje0: httpx.Client, seed: Seeder) -> None:
    group = admin(seed, lambda conn: groupings.add_group(conn, f"Sales {next(_n)}"))
    admin(seed, lambda conn: groupings.add_group_members(conn, group, [seed.user_id("ada"), seed.user_id("ben")]))
    day = next(_n)
    a, b, t = save(ada, day), save(ben, day), save(tje0, day)
    listed = ids(tje0.post(AGENT + "GetDiaryByGroup", json={"GroupId": group, "GroupType": 1, **window(a, b, t)}))
    assert sorted(listed) == sorted([a["AppointmentId"], b["AppointmentId"]])


def test_the_diary_by_user_group_leaves_out_a_members_private_appointment(
        ada: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    group = admin(seed, lambda conn: groupings.add_group(conn, f"Private {next(_n)}"))
    admin(seed, lambda conn: groupings.add_group_members(conn, group, [seed.user_id("ben")]))
    hidden = save(ben, Private="PrivateUser")
    listed = ids(ada.post(AGENT + "GetDiaryByGroup", json={"GroupId": group, "GroupType": 1, **window(hidden)}))
    assert hidden["AppointmentId"] not in listed
    mine = ids(ben.post(AGENT + "GetDiaryByGroup", json={"GroupId": group, "GroupType": 1, **window(hidden)}))
    assert mine == [hidden["AppointmentId"]]


def test_a_group_name_is_unique(seed: Seeder) -> None:
    name = f"Unique {next(_n)}"
    admin(seed, lambda conn: groupings.add_group(conn, name))
    with pytest.raises(groupings.Refused, match="exists already"):
        admin(seed, lambda conn: groupings.add_group(conn, name))


@pytest.mark.parametrize("group_type", [0, 2, 7])
def test_a_group_type_other_than_usergroup_is_a_bad_request(ada: httpx.Client, group_type: int) -> None:
    r = ada.post(AGENT + "GetDiaryByGroup", json={"GroupId": 1, "GroupType": group_type})
    assert f"GroupType {group_type}" in assert_error(r, 400)["Message"]


# Projects.


def test_an_appointment_saved_with_a_project_reads_back_with_it_and_lists_by_project(ada: httpx.Client,
                                                                                   seed: Seeder) -> None:
    project = admin(seed, lambda conn: groupings.add_project(conn, f"Bridge {next(_n)}", "P-1"))
    other = admin(seed, lambda conn: groupings.add_project(conn, f"Tunnel {next(_n)}"))
    day = next(_n)
    inside, outside = save(ada, day, Project={"ProjectId": project}), save(ada, day, Project={"ProjectId": other})
    assert inside["Project"]["ProjectId"] == project and inside["Project"]["ProjectNumber"] == "P-1"
    r = ada.post(AGENT + "GetProjectAppointments", json={"ProjectId": project, **window(inside, outside)})
    assert ids(r) == [inside["AppointmentId"]]
    assert r.json()[0]["ProjectId"] == project and r.json()[0]["ProjectName"].startswith("Bridge")
    got = ada.get(f"/api/v1/Appointment/{inside['AppointmentId']}").json()
    assert got["Project"]["ProjectId"] == project


def test_the_project_lists_filter_by_type_task_tasks_and_heading(ada: httpx.Client, seed: Seeder) -> None:
    project = admin(seed, lambda conn: groupings.add_project(conn, f"Filtered {next(_n)}"))
    t1, t2 = task(ada), task(ada)
    heading = admin(seed, lambda conn: groupings.add_heading(conn, f"Heading {next(_n)}", [t2]))
    day = next(_n)
    first = save(ada, day, Project={"ProjectId": project}, Task={"TaskListItemId": t1})
    second = save(ada, day, Project={"ProjectId": project}, Task={"TaskListItemId": t2})
    span = {"ProjectId": project, **window(first, second)}
    assert ids(ada.post(AGENT + "GetProjectAppointmentsByTask", json={**span, "TaskId": t1})) == [
        first["AppointmentId"]]
    assert sorted(ids(ada.post(AGENT + "GetProjectAppointmentsByTasks", json={**span, "TaskIds": [t1, t2]}))) == \
        sorted([first["AppointmentId"], second["AppointmentId"]])
    assert ids(ada.post(AGENT + "GetProjectAppointmentsByTaskHeading", json={**span, "TaskHeadingId": heading})) \
        == [second["AppointmentId"]]
    assert ids(ada.post(AGENT + "GetProjectAppointmentsByType", json={**span, "AppointmentType": "inChecklist"})) \
        == []


def test_the_member_lists_hold_the_appointments_of_the_persons_projects(ada: httpx.Client, seed: Seeder) -> None:
    mine = admin(seed, lambda conn: groupings.add_project(conn, f"Member {next(_n)}"))
    not_mine = admin(seed, lambda conn: groupings.add_project(conn, f"Outsider {next(_n)}"))
    admin(seed, lambda conn: groupings.add_project_members(conn, mine, [kari(seed)]))
    t1 = task(ada)
    day = next(_n)
    inside = save(ada, day, Project={"ProjectId": mine}, Task={"TaskListItemId": t1})
    outside = save(ada, day, Project={"ProjectId": not_mine}, Task={"TaskListItemId": t1})
    span = {"PersonId": kari(seed), **window(inside, outside)}
    assert ids(ada.post(AGENT + "GetProjectMemberAppointments", json=span)) == [inside["AppointmentId"]]
    assert ids(ada.post(AGENT + "GetProjectMemberAppointmentsByTask", json={**span, "TaskId": t1})) == [
        inside["AppointmentId"]]
    assert ids(ada.post(AGENT + "GetProjectMemberAppointments", json={**span, "PersonId": 0})) == []


def test_saving_with_an_unknown_project_is_refused_and_changes_nothing(ada: httpx.Client, seed: Seeder) -> None:
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntity").json()
    entity["Project"] = {"ProjectId": 999_999}
    with Unchanged(seed):
        r = ada.post(AGENT + "SaveAppointmentEntity", json=entity)
    assert "999999" in assert_error(r, 400)["Message"]


def test_a_project_id_that_is_no_number_is_a_bad_request(ada: httpx.Client) -> None:
    entity = ada.post(AGENT + "CreateDefaultAppointmentEntity").json()
    entity["Project"] = {"ProjectId": "seven"}
    assert_error(ada.post(AGENT + "SaveAppointmentEntity", json=entity), 400)


def test_a_project_member_can_be_assigned_only_when_a_member_is_a_user(ada: httpx.Client, seed: Seeder) -> None:
    external = admin(seed, lambda conn: groupings.add_project(conn, f"External {next(_n)}"))
    admin(seed, lambda conn: groupings.add_project_members(conn, external, [kari(seed)]))
    staffed = admin(seed, lambda conn: groupings.add_project(conn, f"Staffed {next(_n)}"))
    admin(seed, lambda conn: groupings.add_project_members(conn, staffed, [person_of(seed, "tje0")]))

    def can(project: int) -> Any:
        r = ada.post(AGENT + "CanAssignToProjectMember", json={"ProjectId": project, "SuggestedAppointmentId": 0})
        assert r.status_code == 200, r.text
        return r.json()

    assert (can(staffed), can(external), can(999_999), can(0)) == (True, False, False, False)


# Published appointments.


def test_a_published_appointment_reads_back_with_its_days_and_is_listed_as_published(ada: httpx.Client,
                                                                                   seed: Seeder) -> None:
    today = date.today()
    start, end = (today - timedelta(days=1)).isoformat(), (today + timedelta(days=30)).isoformat()
    project = admin(seed, lambda conn: groupings.add_project(conn, f"Public {next(_n)}"))
    saved = save(ada, IsPublished=True, PublishFrom=start + "T15:00:00", PublishTo=end,
                 Project={"ProjectId": project})
    assert saved["IsPublished"] and saved["PublishFrom"].startswith(start + "T00:00:00")
    assert saved["PublishTo"].startswith(end)
    one = ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": saved["AppointmentId"]}).json()
    assert one["AppointmentId"] == saved["AppointmentId"] and one["IsPublished"] is True
    plain = save(ada)
    asked = [plain["AppointmentId"], saved["AppointmentId"]]
    assert ids(ada.post(AGENT + "GetPublishedAppointments", json={"AppointmentIds": asked})) == [
        saved["AppointmentId"]]
    assert saved["AppointmentId"] in ids(ada.post(AGENT + "GetMyPublishedAppointments"))
    assert ids(ada.post(AGENT + "GetPublishedProjectAppointments", json={"ProjectId": project})) == [
        saved["AppointmentId"]]


def test_an_appointment_published_only_in_the_past_is_not_published_today(ada: httpx.Client) -> None:
    past = (date.today() - timedelta(days=10)).isoformat()
    saved = save(ada, IsPublished=True, PublishFrom=past, PublishTo=past)
    r = ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": saved["AppointmentId"]})
    assert r.status_code == 200 and r.json() is None


def test_saving_without_is_published_withdraws_the_publishing(ada: httpx.Client) -> None:
    saved = save(ada, IsPublished=True)
    assert ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": saved["AppointmentId"]}).json()
    r = ada.post(AGENT + "SaveAppointmentEntity", json={**saved, "IsPublished": False})
    assert r.status_code == 200 and r.json()["IsPublished"] is False
    assert ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": saved["AppointmentId"]}).json() is None


def test_another_users_private_published_appointment_is_not_shown(ada: httpx.Client, ben: httpx.Client) -> None:
    hidden = save(ben, IsPublished=True, Private="PrivateUser")
    r = ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": hidden["AppointmentId"]})
    assert r.status_code == 200 and r.json() is None


# The operator's commands.


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODIARY_")}
    return subprocess.run([sys.executable, "-m", "sodiary.cli", *args], env=dict(env, DATABASE_URL=server.database_url),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_group_made_by_the_cli_is_the_users_group_idx_and_lists_their_diary(
        server: LiveServer, ada: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    made = cli(server, "group", "add", f"Support {next(_n)}", "--rank", "-5")
    assert made.returncode == 0, made.stderr
    group = int(made.stdout.strip())
    name = next(line.split("\t")[1] for line in cli(server, "group", "list").stdout.splitlines()
                if line.startswith(f"{group}\t"))
    joined = cli(server, "group", "member", name, "ben")
    assert joined.returncode == 0, joined.stderr
    bens = ada.post("/api/v1/Agents/Associate/GetAssociate", params={"associateId": seed.user_id("ben")}).json()
    assert bens["GroupIdx"] == group
    meeting = save(ben)
    assert ids(ada.post(AGENT + "GetDiaryByGroup", json={"GroupId": group, "GroupType": 1, **window(meeting)})) == [
        meeting["AppointmentId"]]


def test_the_cli_refuses_an_unknown_user_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    made = cli(server, "group", "add", f"Refusing {next(_n)}")
    group = int(made.stdout.strip())
    name = next(line.split("\t")[1] for line in cli(server, "group", "list").stdout.splitlines()
                if line.startswith(f"{group}\t"))
    out = cli(server, "group", "member", name, "ben", "nobody")
    assert out.returncode == 1 and "no such user: nobody" in out.stderr and "Traceback" not in out.stderr
    assert next(line for line in cli(server, "group", "list").stdout.splitlines()
                if line.startswith(f"{group}\t")).endswith("\t")


def test_headings_and_projects_made_by_the_cli_are_listed_by_it(server: LiveServer, ada: httpx.Client,
                                                                seed: Seeder) -> None:
    t = task(ada)
    heading = cli(server, "heading", "add", "Calls", "--task", str(t))
    assert heading.returncode == 0, heading.stderr
    assert f"{heading.stdout.strip()}\tCalls\t0\t{t}" in cli(server, "heading", "list").stdout.splitlines()
    project = cli(server, "project", "add", "Harbour", "--number", "H-9", "--owner", "ada").stdout.strip()
    assert cli(server, "project", "member", project, str(kari(seed))).returncode == 0
    assert f"{project}\tH-9\tHarbour\t{kari(seed)}" in cli(server, "project", "list").stdout.splitlines()
    assert cli(server, "project", "member", "999999", str(kari(seed))).returncode == 1


# Another user's rows (the authorization suite's cross-user cases for these methods live here).


@pytest.fixture(scope="module")
def bens_rows(ben: httpx.Client, seed: Seeder) -> dict[str, Any]:
    """ben's visible and private appointments with Kari, of a task under a heading, in a project Kari is a member
    of, published; ben is in a user group. The ids every list below is asked about."""
    t = task(ben)
    heading = admin(seed, lambda conn: groupings.add_heading(conn, f"Cross {next(_n)}", [t]))
    project = admin(seed, lambda conn: groupings.add_project(conn, f"Cross {next(_n)}"))
    admin(seed, lambda conn: groupings.add_project_members(conn, project, [kari(seed)]))
    group = admin(seed, lambda conn: groupings.add_group(conn, f"Cross {next(_n)}"))
    admin(seed, lambda conn: groupings.add_group_members(conn, group, [seed.user_id("ben")]))
    day = next(_n)
    members = {"Task": {"TaskListItemId": t}, "Project": {"ProjectId": project}, "Person": {"PersonId": kari(seed)},
               "IsPublished": True}
    visible, private = save(ben, day, **members), save(ben, day, Private="PrivateUser", **members)
    return {"visible": visible["AppointmentId"], "private": private["AppointmentId"], "heading": heading,
            "project": project, "group": group, "contact": visible["Contact"]["ContactId"],
            "window": window(visible, private)}


CROSS_USER: dict[str, Callable[[dict[str, Any], int], dict[str, Any]]] = {
    "GetPersonAppointmentsByTaskHeading": lambda b, kari: {"PersonId": kari, "TaskHeadingId": b["heading"],
                                                           **b["window"]},
    "GetContactAppointmentsByTaskHeading": lambda b, kari: {"ContactId": b["contact"], "TaskHeadingId": b["heading"],
                                                            **b["window"]},
    "GetDiaryByGroup": lambda b, kari: {"GroupId": b["group"], "GroupType": 1, **b["window"]},
    "GetProjectAppointments": lambda b, kari: {"ProjectId": b["project"], **b["window"]},
    "GetProjectAppointmentsByType": lambda b, kari: {"ProjectId": b["project"], "AppointmentType": "inDiary",
                                                     **b["window"]},
    "GetProjectAppointmentsByTask": lambda b, kari: {"ProjectId": b["project"], "TaskId": 0, **b["window"]},
    "GetProjectAppointmentsByTasks": lambda b, kari: {"ProjectId": b["project"], "TaskIds": [], **b["window"]},
    "GetProjectAppointmentsByTaskHeading": lambda b, kari: {"ProjectId": b["project"], "TaskHeadingId": b["heading"],
                                                            **b["window"]},
    "GetProjectMemberAppointments": lambda b, kari: {"PersonId": kari, **b["window"]},
    "GetProjectMemberAppointmentsByType": lambda b, kari: {"PersonId": kari, "AppointmentType": "inDiary",
                                                           **b["window"]},
    "GetProjectMemberAppointmentsByTask": lambda b, kari: {"PersonId": kari, "TaskId": 0, **b["window"]},
    "GetProjectMemberAppointmentsByTasks": lambda b, kari: {"PersonId": kari, "TaskIds": [], **b["window"]},
    "GetProjectMemberAppointmentsByTaskHeading": lambda b, kari: {"PersonId": kari, "TaskHeadingId": b["heading"],
                                                                  **b["window"]},
    "GetPublishedAppointments": lambda b, kari: {"AppointmentIds": [b["visible"], b["private"]]},
    "GetPublishedProjectAppointments": lambda b, kari: {"ProjectId": b["project"]},
}
BY_TASK = {"GetProjectAppointmentsByTask", "GetProjectAppointmentsByTasks", "GetProjectMemberAppointmentsByTask",
           "GetProjectMemberAppointmentsByTasks"}


@pytest.mark.parametrize("method", sorted(CROSS_USER))
def test_another_users_row_is_listed_and_their_private_one_is_not(
        ada: httpx.Client, ben: httpx.Client, seed: Seeder, bens_rows: dict[str, Any], method: str) -> None:
    body = CROSS_USER[method](bens_rows, kari(seed))
    if method in BY_TASK:  # the task the rows have
        body.update({"TaskId": task_of(ben, bens_rows["visible"])} if "TaskId" in body
                    else {"TaskIds": [task_of(ben, bens_rows["visible"])]})
    with Unchanged(seed):
        seen_by_ada = ids(ada.post(AGENT + method, json=body))
    assert bens_rows["visible"] in seen_by_ada and bens_rows["private"] not in seen_by_ada
    assert bens_rows["private"] in ids(ben.post(AGENT + method, json=body))


def task_of(client: httpx.Client, appointment_id: int) -> int:
    got = client.post(AGENT + "GetAppointment", params={"appointmentId": appointment_id}).json()
    return int(got["TaskId"])


def test_another_users_published_rows_are_not_the_callers_own(ada: httpx.Client, bens_rows: dict[str, Any]) -> None:
    mine = ids(ada.post(AGENT + "GetMyPublishedAppointments"))
    assert bens_rows["visible"] not in mine and bens_rows["private"] not in mine
    assert ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": bens_rows["visible"]}).json()[
        "AppointmentId"] == bens_rows["visible"]
    assert ada.post(AGENT + "GetPublishedAppointment", json={"AppointmentId": bens_rows["private"]}).json() is None


def test_the_project_agent_reads_a_project_with_its_owner_and_null_for_an_unknown_id(ada: httpx.Client,
                                                                                    seed: Seeder) -> None:
    project = admin(seed, lambda conn: groupings.add_project(conn, f"Read {next(_n)}", "R-2", seed.user_id("ben")))
    r = ada.post("/api/v1/Agents/Project/GetProject", params={"projectId": project})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["ProjectId"], got["ProjectNumber"], got["AssociateId"], got["AssociateFullName"]) == (
        project, "R-2", seed.user_id("ben"), "Ben Hansen")
    assert got["Name"].startswith("Read ") and got["URL"] == "" and got["IsPublished"] is False
    for unknown in (999_999, 0):
        r = ada.post("/api/v1/Agents/Project/GetProject", params={"projectId": unknown})
        assert r.status_code == 200 and r.json() is None
