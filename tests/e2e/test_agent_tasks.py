"""The task list (issue 17): CreateDefaultTaskListItem, SaveTaskListItem, GetTaskListItem, GetTaskListItems."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
_n = iter(range(1, 10_000))


def save(client: httpx.Client, **members: Any) -> httpx.Response:
    item = client.post(AGENT + "CreateDefaultTaskListItem").json()
    item.update(Value=f"Task {next(_n)}", **members)
    return client.post(AGENT + "SaveTaskListItem", json=item)


def test_a_default_item_is_an_unsaved_appointment_task_ranked_last(ada: httpx.Client) -> None:
    before = ada.post(AGENT + "CreateDefaultTaskListItem").json()
    assert before["TaskListItemId"] == 0 and before["Type"] == "Appointment" and before["Direction"] == "Unknown"
    saved = save(ada, Rank=before["Rank"]).json()
    assert ada.post(AGENT + "CreateDefaultTaskListItem").json()["Rank"] == saved["Rank"] + 1


def test_a_saved_item_reads_back_with_every_member(ada: httpx.Client) -> None:
    r = save(ada, Type="Phone", Direction="Outgoing", Tooltip="Call them", IsDefaultFree=True,
             IsDefaultAlldayEvent=False, ColorIndex="LightGreen", DefaultVideomeetingStatus="VideoMeetingOff")
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["TaskListItemId"] > 0
    got = ada.post(AGENT + "GetTaskListItem", params={"taskListItemId": saved["TaskListItemId"]}).json()
    assert got == saved
    assert (got["Type"], got["Direction"], got["Tooltip"], got["IsDefaultFree"], got["ColorIndex"],
            got["DefaultVideomeetingStatus"]) == ("Phone", "Outgoing", "Call them", True, "LightGreen",
                                                  "VideoMeetingOff")


def test_saving_an_existing_item_replaces_it(ada: httpx.Client) -> None:
    saved = save(ada).json()
    r = ada.post(AGENT + "SaveTaskListItem", json={**saved, "Value": "Renamed " + saved["Value"], "Rank": 7})
    assert r.status_code == 200
    got = ada.post(AGENT + "GetTaskListItem", params={"taskListItemId": saved["TaskListItemId"]}).json()
    assert got["Value"] == "Renamed " + saved["Value"] and got["Rank"] == 7


def test_a_name_in_use_in_any_case_is_a_conflict(ada: httpx.Client, seed: Seeder) -> None:
    saved = save(ada).json()
    with Unchanged(seed):
        r = ada.post(AGENT + "SaveTaskListItem", json={"TaskListItemId": 0, "Value": saved["Value"].upper()})
    assert "exists already" in assert_error(r, 409)["Message"]


def test_an_item_needs_a_name(ada: httpx.Client) -> None:
    assert_error(ada.post(AGENT + "SaveTaskListItem", json={"TaskListItemId": 0, "Value": "  "}), 400)


def test_a_bad_direction_or_video_status_is_refused(ada: httpx.Client) -> None:
    assert_error(save(ada, Direction="Sideways"), 400)
    assert_error(save(ada, DefaultVideomeetingStatus="Maybe"), 400)


def test_saving_an_unknown_id_is_not_found(ada: httpx.Client) -> None:
    r = ada.post(AGENT + "SaveTaskListItem", json={"TaskListItemId": 999_999, "Value": "Ghost"})
    assert_error(r, 404)


def test_an_unknown_item_reads_as_null(ada: httpx.Client) -> None:
    r = ada.post(AGENT + "GetTaskListItem", params={"taskListItemId": 999_999})
    assert r.status_code == 200 and r.json() is None


def test_the_list_is_by_rank_and_leaves_out_deleted_items_unless_asked(ada: httpx.Client) -> None:
    late, early = save(ada, Rank=900).json(), save(ada, Rank=899).json()
    gone = save(ada, Rank=901, Deleted=True).json()
    listed = [i["TaskListItemId"] for i in ada.post(AGENT + "GetTaskListItems", json={}).json()]
    assert listed.index(early["TaskListItemId"]) < listed.index(late["TaskListItemId"])
    assert gone["TaskListItemId"] not in listed
    every = ada.post(AGENT + "GetTaskListItems", json={"IncludeDeleted": True}).json()
    assert gone["TaskListItemId"] in [i["TaskListItemId"] for i in every]


def test_every_user_sees_the_same_task_list(ada: httpx.Client, ben: httpx.Client) -> None:
    saved = save(ada).json()
    got = ben.post(AGENT + "GetTaskListItem", params={"taskListItemId": saved["TaskListItemId"]}).json()
    assert got["Value"] == saved["Value"]
