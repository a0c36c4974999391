"""The Project agent's ProjectEntity and REST `/api/v1/Project`: a minimal project (name, number, owner,
done, members) that appointments name by ProjectId."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENTS = "/api/v1/Agents"
_n = itertools.count(1)


def call(client: httpx.Client, agent: str, method: str, body: Any = None, **query: Any) -> httpx.Response:
    return client.post(f"{AGENTS}/{agent}/{method}", json=body, params=query)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def new_person(client: httpx.Client, firstname: str) -> int:
    return int(ok(call(client, "Person", "SavePersonEntity", {"Firstname": firstname, "Lastname": "Berg"}))["PersonId"])


def new_project(client: httpx.Client, name: str, **fields: Any) -> dict[str, Any]:
    entity = ok(call(client, "Project", "CreateDefaultProjectEntity"))
    entity.update(Name=f"{name} {next(_n)}", **fields)
    return dict(ok(call(client, "Project", "SaveProjectEntity", entity)))


def test_create_default_project_entity_is_new_unsaved_and_owned_by_the_caller(seed: Seeder, ada: httpx.Client) -> None:
    entity = ok(call(ada, "Project", "CreateDefaultProjectEntity"))
    assert entity["ProjectId"] == 0 and entity["Name"] == "" and entity["ProjectMembers"] == []
    assert entity["Associate"]["AssociateId"] == seed.user_id("ada")
    assert entity["Done"] is False and entity["IsPublished"] is False and entity["ProjectType"] is None


def test_a_saved_project_keeps_name_number_done_and_members(seed: Seeder, ada: httpx.Client) -> None:
    company = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Bro AS"}))["ContactId"]
    member = int(ok(call(ada, "Person", "SavePersonEntity", {"Firstname": "Mona", "Lastname": "Berg",
                                                            "Contact": {"ContactId": company}}))["PersonId"])
    saved = new_project(ada, "Bridge", ProjectNumber="P-7", Done=True, ProjectMembers=[{"PersonId": member}])
    again = ok(call(ada, "Project", "GetProjectEntity", projectEntityId=saved["ProjectId"]))
    assert again["Name"] == saved["Name"] and again["ProjectNumber"] == "P-7" and again["Done"] is True
    assert again["Associate"]["AssociateId"] == seed.user_id("ada")
    assert [(m["PersonId"], m["FullName"], m["ContactName"]) for m in again["ProjectMembers"]] == [
        (member, "Mona Berg", "Bro AS")]
    simple = ok(call(ada, "Project", "GetProject", projectId=saved["ProjectId"]))
    assert simple["Name"] == saved["Name"] and simple["ProjectNumber"] == "P-7"


def test_saving_a_project_again_replaces_its_members(ada: httpx.Client, ben: httpx.Client) -> None:
    first, second = new_person(ada, "First"), new_person(ada, "Second")
    saved = new_project(ada, "Members", ProjectMembers=[{"PersonId": first}])
    changed = ok(call(ben, "Project", "SaveProjectEntity",
                      saved | {"Name": "Renamed", "ProjectMembers": [{"PersonId": second}, {"PersonId": second}]}))
    assert changed["Name"] == "Renamed" and [m["PersonId"] for m in changed["ProjectMembers"]] == [second]
    again = ok(call(ada, "Project", "GetProjectEntity", projectEntityId=saved["ProjectId"]))
    assert [m["PersonId"] for m in again["ProjectMembers"]] == [second]


def test_get_project_entity_of_an_unknown_id_is_null(ada: httpx.Client) -> None:
    assert ok(call(ada, "Project", "GetProjectEntity", projectEntityId=999999)) is None


def test_a_project_without_a_name_or_with_unknown_members_is_refused_and_nothing_changes(
        seed: Seeder, ada: httpx.Client) -> None:
    saved = new_project(ada, "Kept", ProjectNumber="K-1")
    before = ok(ada.get(f"/api/v1/Project/{saved['ProjectId']}"))
    with Unchanged(seed):
        assert_error(call(ada, "Project", "SaveProjectEntity", {"Name": "  "}), 400)
        assert_error(call(ada, "Project", "SaveProjectEntity", {"Name": "x" * 255}), 400)
        assert_error(call(ada, "Project", "SaveProjectEntity", saved | {"ProjectNumber": "n" * 51}), 400)
        assert_error(call(ada, "Project", "SaveProjectEntity",
                          saved | {"ProjectMembers": [{"PersonId": 999999}]}), 400)
        assert_error(call(ada, "Project", "SaveProjectEntity",
                          saved | {"Associate": {"AssociateId": 999999}}), 400)
        assert_error(call(ada, "Project", "SaveProjectEntity", {"ProjectId": 999999, "Name": "Ghost"}), 404)
        assert_error(ada.put(f"/api/v1/Project/{saved['ProjectId']}", json=[1, 2]), 400)
        assert_error(ada.patch(f"/api/v1/Project/{saved['ProjectId']}", json={"Name": ""}), 400)
    assert ok(ada.get(f"/api/v1/Project/{saved['ProjectId']}")) == before


def test_rest_project_get_post_put_and_404(server: LiveServer, ada: httpx.Client) -> None:
    default = ok(ada.get("/api/v1/Project/default"))
    assert default["ProjectId"] == 0 and default["_Links"] == {}
    created = ok(ada.post("/api/v1/Project", json=default | {"Name": "Rest project", "ProjectNumber": "R-1"}))
    project_id = created["ProjectId"]
    assert created["_Links"]["Self"] == f"{server.url}/api/v1/Project/{project_id}"
    put = ok(ada.put(f"/api/v1/Project/{project_id}", json=created | {"ProjectNumber": "R-2", "ProjectId": 5}))
    assert put["ProjectId"] == project_id and put["ProjectNumber"] == "R-2"
    assert ok(ada.get(f"/api/v1/Project/{project_id}"))["ProjectNumber"] == "R-2"
    assert_error(ada.get("/api/v1/Project/999999"), 404, "SoNotFoundException")
    assert_error(ada.put("/api/v1/Project/999999", json=created), 404)
    assert_error(ada.patch("/api/v1/Project/999999", json={"Name": "x"}), 404)


def test_patch_changes_a_project_by_merge_patch_and_json_patch(ada: httpx.Client) -> None:
    member = new_person(ada, "Patched")
    project_id = new_project(ada, "Patch")["ProjectId"]
    merged = ok(ada.patch(f"/api/v1/Project/{project_id}", json={"ProjectNumber": "M-1"}))
    assert merged["ProjectNumber"] == "M-1" and merged["Name"].startswith("Patch")
    patched = ok(ada.patch(f"/api/v1/Project/{project_id}", json=[
        {"op": "add", "path": "/ProjectMembers/-", "value": {"PersonId": member}},
        {"op": "replace", "path": "/Done", "value": True}]))
    assert [m["PersonId"] for m in patched["ProjectMembers"]] == [member] and patched["Done"] is True


def test_projects_are_found_by_name_with_filter(ada: httpx.Client) -> None:
    wanted = new_project(ada, "Findable", ProjectNumber="F-1")
    new_project(ada, "Other")
    page = ok(ada.get("/api/v1/Project", params={"$filter": f"name eq '{wanted['Name']}'",
                                                "$select": "projectId,projectNumber"}))
    assert [(r["projectId"], r["projectNumber"], r["EntityName"]) for r in page["value"]] == [
        (wanted["ProjectId"], "F-1", "project")]
    assert_error(ada.get("/api/v1/Project", params={"$filter": "secret eq 1"}), 400)


def test_a_project_nothing_names_is_deleted_with_its_members_and_one_an_appointment_names_is_refused(
        seed: Seeder, ada: httpx.Client) -> None:
    loose = new_project(ada, "Loose", ProjectMembers=[{"PersonId": new_person(ada, "Member")}])["ProjectId"]
    assert ada.delete(f"/api/v1/Project/{loose}").status_code == 204
    assert_error(ada.get(f"/api/v1/Project/{loose}"), 404)
    named = new_project(ada, "Named")["ProjectId"]
    entity = ok(ada.get("/api/v1/Appointment/default"))
    saved = ok(ada.post("/api/v1/Appointment", json=entity | {"Project": {"ProjectId": named}}))
    assert saved["Project"]["ProjectId"] == named
    with Unchanged(seed):
        assert_error(ada.delete(f"/api/v1/Project/{named}"), 409)
        assert_error(call(ada, "Project", "DeleteProjectEntity", projectEntityId=named), 409)
        assert_error(ada.delete("/api/v1/Project/999999"), 404)
    assert ok(ada.get(f"/api/v1/Project/{named}"))["ProjectId"] == named
    one_off = new_project(ada, "Agent delete")["ProjectId"]
    assert call(ada, "Project", "DeleteProjectEntity", projectEntityId=one_off).status_code == 204
    assert ok(call(ada, "Project", "GetProjectEntity", projectEntityId=one_off)) is None


def test_the_project_resources_need_credentials(server: LiveServer) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get("/api/v1/Project/default").status_code == 401
        assert anonymous.post(f"{AGENTS}/Project/SaveProjectEntity", json={"Name": "x"}).status_code == 401
