"""The Associate, Person and Contact agents and their REST resources: looking people up, adding them."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENTS = "/api/v1/Agents"


def call(client: httpx.Client, agent: str, method: str, body: Any = None, **query: Any) -> httpx.Response:
    return client.post(f"{AGENTS}/{agent}/{method}", json=body, params=query)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def new_person(client: httpx.Client, firstname: str, email: str = "", contact_id: int = 0) -> dict[str, Any]:
    entity = ok(call(client, "Person", "CreateDefaultPersonEntity"))
    entity.update(Firstname=firstname, Lastname="Olsen", Emails=[{"Value": email}] if email else [],
                  Contact={"ContactId": contact_id} if contact_id else None)
    return dict(ok(call(client, "Person", "SavePersonEntity", entity)))


# Associate agent.


def test_get_associate_answers_the_user_with_person_and_full_name(seed: Seeder, ada: httpx.Client) -> None:
    tje0 = seed.user_id("tje0")
    found = ok(call(ada, "Associate", "GetAssociate", associateId=tje0))
    assert found["AssociateId"] == tje0
    assert found["Name"] == "tje0" and found["UserName"] == "tje0"
    assert found["FullName"] == "Tore Jensen"
    assert found["PersonId"] > 0
    assert found["Type"] == "InternalAssociate"


def test_get_associate_of_an_unknown_id_is_null(ada: httpx.Client) -> None:
    assert ok(call(ada, "Associate", "GetAssociate", associateId=999999)) is None


def test_get_associate_list_keeps_the_order_asked_and_an_empty_array_lists_every_user(
        seed: Seeder, ada: httpx.Client) -> None:
    ids = [seed.user_id("ben"), 999999, seed.user_id("ada")]
    assert [a["AssociateId"] for a in ok(call(ada, "Associate", "GetAssociateList", ids))] == [ids[0], ids[2]]
    everyone = {a["Name"] for a in ok(call(ada, "Associate", "GetAssociateList", []))}
    assert {"ada", "ben", "tje0"} <= everyone


def test_get_associate_by_person_id_finds_the_user_who_is_that_person(seed: Seeder, ada: httpx.Client) -> None:
    tje0 = ok(call(ada, "Associate", "GetAssociate", associateId=seed.user_id("tje0")))
    assert ok(call(ada, "Associate", "GetAssociateByPersonId", {"PersonId": tje0["PersonId"]}))["AssociateId"] \
        == seed.user_id("tje0")
    assert ok(call(ada, "Associate", "GetAssociateByPersonId", personId=tje0["PersonId"]))["AssociateId"] \
        == seed.user_id("tje0")
    outsider = new_person(ada, "Nobody")
    assert ok(call(ada, "Associate", "GetAssociateByPersonId", personId=outsider["PersonId"])) is None


# Person agent.


def test_a_saved_person_keeps_names_company_and_e_mail_address(ada: httpx.Client) -> None:
    company = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Fjord AS", "Department": "Sales"}))
    saved = new_person(ada, "Kari", "kari@fjord.example", company["ContactId"])
    assert saved["PersonId"] > 0
    again = ok(call(ada, "Person", "GetPersonEntity", personEntityId=saved["PersonId"]))
    assert again["Firstname"] == "Kari" and again["Lastname"] == "Olsen" and again["FullName"] == "Kari Olsen"
    assert [e["Value"] for e in again["Emails"]] == ["kari@fjord.example"]
    assert again["Contact"]["ContactId"] == company["ContactId"] and again["Contact"]["Name"] == "Fjord AS"
    assert again["IsAssociate"] is False and again["Associate"] is None
    simple = ok(call(ada, "Person", "GetPerson", personId=saved["PersonId"]))
    assert simple["Email"] == "kari@fjord.example" and simple["ContactName"] == "Fjord AS"


def test_create_default_person_entity_is_new_and_unsaved(ada: httpx.Client) -> None:
    entity = ok(call(ada, "Person", "CreateDefaultPersonEntity"))
    assert entity["PersonId"] == 0 and entity["Emails"] == [] and entity["Firstname"] == ""


def test_saving_a_person_again_changes_it(ada: httpx.Client) -> None:
    saved = new_person(ada, "Per", "per@example.com")
    saved["Firstname"] = "Pål"
    saved["Emails"] = [{"Value": "pal@example.com"}]
    changed = ok(call(ada, "Person", "SavePersonEntity", saved))
    assert changed["PersonId"] == saved["PersonId"] and changed["Firstname"] == "Pål"
    assert [e["Value"] for e in changed["Emails"]] == ["pal@example.com"]


def test_a_person_without_a_name_or_with_a_bad_address_is_refused_and_nothing_is_saved(
        seed: Seeder, ada: httpx.Client) -> None:
    with Unchanged(seed):
        assert_error(call(ada, "Person", "SavePersonEntity", {"Firstname": " ", "Lastname": ""}), 400)
        body = assert_error(call(ada, "Person", "SavePersonEntity",
                                 {"Firstname": "X", "Emails": [{"Value": "not an address"}]}), 400)
        assert "not an address" in body["Message"]
        assert_error(call(ada, "Person", "SavePersonEntity", {"Firstname": "X", "Contact": {"ContactId": 999999}}),
                     404)


def test_another_users_own_person_card_cannot_be_changed(seed: Seeder, ada: httpx.Client,
                                                         tje0: httpx.Client) -> None:
    person_id = ok(call(ada, "Associate", "GetAssociate", associateId=seed.user_id("tje0")))["PersonId"]
    card = ok(call(ada, "Person", "GetPersonEntity", personEntityId=person_id))
    assert card["IsAssociate"] is True and card["Associate"]["Name"] == "tje0"
    with Unchanged(seed):
        assert_error(call(ada, "Person", "SavePersonEntity", card | {"Firstname": "Hacked"}), 403)
    assert ok(call(tje0, "Person", "SavePersonEntity", card | {"Firstname": "Tore"}))["Firstname"] == "Tore"


def test_get_person_of_an_unknown_id_is_null_and_a_bad_id_is_400(ada: httpx.Client) -> None:
    assert ok(call(ada, "Person", "GetPersonEntity", personEntityId=999999)) is None
    assert ok(call(ada, "Person", "GetPerson", personId=999999)) is None
    assert_error(call(ada, "Person", "GetPerson", personId="abc"), 400)


# Contact agent.


def test_a_saved_company_keeps_name_and_department(ada: httpx.Client) -> None:
    default = ok(call(ada, "Contact", "CreateDefaultContactEntity"))
    assert default["ContactId"] == 0
    saved = ok(call(ada, "Contact", "SaveContactEntity", default | {"Name": "Bergen Bakeri", "Department": "HQ"}))
    assert saved["ContactId"] > 0 and saved["FullName"] == "Bergen Bakeri HQ"
    assert ok(call(ada, "Contact", "GetContact", contactId=saved["ContactId"]))["Name"] == "Bergen Bakeri"
    renamed = ok(call(ada, "Contact", "SaveContactEntity", saved | {"Name": "Bergen Bakeri AS"}))
    assert ok(call(ada, "Contact", "GetContactEntity", contactEntityId=renamed["ContactId"]))["Name"] \
        == "Bergen Bakeri AS"


def test_a_company_without_a_name_is_refused(seed: Seeder, ada: httpx.Client) -> None:
    with Unchanged(seed):
        assert_error(call(ada, "Contact", "SaveContactEntity", {"Name": "  "}), 400)
        assert_error(call(ada, "Contact", "SaveContactEntity", {"ContactId": 999999, "Name": "Ghost"}), 404)


def test_unknown_agents_and_methods_are_404_naming_them(ada: httpx.Client) -> None:
    assert "Person" in assert_error(call(ada, "Person", "Teleport"), 404)["Message"]
    assert_error(call(ada, "Sale", "GetSale"), 404)


def test_agent_names_match_in_any_casing(seed: Seeder, ada: httpx.Client) -> None:
    r = ada.post(f"{AGENTS.lower()}/associate/getassociate", params={"associateId": seed.user_id("ben")})
    assert ok(r)["Name"] == "ben"


def test_the_people_agents_need_credentials(server: LiveServer) -> None:
    assert httpx.post(f"{server.url}{AGENTS}/Person/GetPerson?personId=1").status_code == 401


# REST.


def test_rest_person_get_post_put_and_404(server: LiveServer, ada: httpx.Client) -> None:
    created = ada.post("/api/v1/Person", json={"Firstname": "Rest", "Lastname": "Person",
                                               "Emails": [{"Value": "rest@example.com"}]})
    body = ok(created)
    person_id = body["PersonId"]
    assert body["_Links"] == {"Self": f"{server.url}/api/v1/Person/{person_id}"}
    assert ok(ada.get(f"/api/v1/Person/{person_id}"))["Emails"][0]["Value"] == "rest@example.com"
    changed = ok(ada.put(f"/api/v1/Person/{person_id}", json=body | {"Lastname": "Changed", "PersonId": 1}))
    assert changed["PersonId"] == person_id and changed["Lastname"] == "Changed"
    assert_error(ada.get("/api/v1/Person/999999"), 404, "SoNotFoundException")
    assert_error(ada.put("/api/v1/Person/999999", json=body), 404)
    assert ok(ada.get("/api/v1/Person/default"))["PersonId"] == 0


def test_rest_contact_and_associate(server: LiveServer, seed: Seeder, ada: httpx.Client) -> None:
    company = ok(ada.post("/api/v1/Contact", json={"Name": "Rest AS"}))
    assert ok(ada.get(f"/api/v1/contact/{company['ContactId']}"))["Name"] == "Rest AS"
    assert ok(ada.put(f"/api/v1/Contact/{company['ContactId']}", json={"Name": "Rest ASA"}))["Name"] == "Rest ASA"
    assert_error(ada.get("/api/v1/Contact/999999"), 404)
    user = ok(ada.get(f"/api/v1/Associate/{seed.user_id('tje0')}"))
    assert user["Name"] == "tje0"
    assert user["_Links"]["Self"] == f"{server.url}/api/v1/Associate/{seed.user_id('tje0')}"
    assert_error(ada.get("/api/v1/Associate/999999"), 404)


# REST collections of the address book: look people up by name.


def test_persons_are_found_by_name_with_filter(ada: httpx.Client) -> None:
    kari = new_person(ada, "Lookup", "lookup@example.com")
    body = ok(ada.get("/api/v1/Person", params={"$filter": "firstname eq 'lookup' and lastname begins 'Ols'"}))
    assert [row["PrimaryKey"] for row in body["value"]] == [kari["PersonId"]]
    assert body["value"][0] == {"PrimaryKey": kari["PersonId"], "EntityName": "person", "personId": kari["PersonId"],
                                "firstname": "Lookup", "lastname": "Olsen", "email": "lookup@example.com",
                                "contactId": 0}


def test_companies_and_users_are_found_by_name(seed: Seeder, ada: httpx.Client) -> None:
    company = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Unique Lookup Bakeri"}))
    found = ok(ada.get("/api/v1/Contact", params={"$filter": "name contains 'lookup bak'"}))
    assert [row["contactId"] for row in found["value"]] == [company["ContactId"]]
    users = ok(ada.get("/api/v1/Associate", params={"$filter": "name oneOf ('tje0', 'ben')", "$orderBy": "name"}))
    assert [(row["name"], row["associateId"]) for row in users["value"]] == \
        [("ben", seed.user_id("ben")), ("tje0", seed.user_id("tje0"))]
    assert "password" not in str(ok(ada.get("/api/v1/Associate", params={"$select": "*"}))).lower()


def test_an_address_book_filter_on_an_unknown_column_is_400(ada: httpx.Client) -> None:
    assert "position 1" in assert_error(ada.get("/api/v1/Person", params={"$filter": "password eq 'x'"}),
                                        400)["Message"]


def test_a_person_added_through_the_person_agent_can_be_invited_and_shows_among_the_participants(
        ada: httpx.Client) -> None:
    guest = new_person(ada, "Guest", "guest@example.com")
    entity = ok(ada.get("/api/v1/Appointment/default"))
    entity.update(Title="With a guest", Participants=[{"PersonId": guest["PersonId"]}])
    saved = ok(ada.post("/api/v1/Appointment", json=entity))
    participants = ok(ada.get(f"/api/v1/Appointment/{saved['AppointmentId']}/Participants",
                              params={"$filter": f"personId eq {guest['PersonId']}"}))
    assert [(row["fullName"], row["email"]) for row in participants["value"]] == [("Guest Olsen", "guest@example.com")]


def test_person_and_contact_lists_keep_the_order_asked_and_a_company_lists_its_persons(
        seed: Seeder, ada: httpx.Client, ben: httpx.Client) -> None:
    company = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Listed AS"}))
    first = new_person(ada, "First", contact_id=company["ContactId"])
    second = new_person(ada, "Second", contact_id=company["ContactId"])
    persons = ok(call(ada, "Person", "GetPersonList", [second["PersonId"], 999999, first["PersonId"]]))
    assert [p["Firstname"] for p in persons] == ["Second", "First"]
    members = ok(call(ada, "Person", "GetPersonsFromContact", {"ContactId": company["ContactId"]}))
    assert [p["PersonId"] for p in members] == [first["PersonId"], second["PersonId"]]
    assert [x["Name"] for x in ok(call(ada, "Contact", "GetContactList", [company["ContactId"], 999999]))] \
        == ["Listed AS"]
    mine = ok(call(ben, "Person", "GetMyPerson"))
    assert mine["FullName"] == "Ben Hansen" and mine["AssociateId"] == seed.user_id("ben")


def test_patch_changes_a_person_by_merge_patch_and_json_patch(ada: httpx.Client) -> None:
    person_id = new_person(ada, "Patchy")["PersonId"]
    merged = ok(ada.patch(f"/api/v1/Person/{person_id}", json={"Lastname": "Merged"}))
    assert merged["Lastname"] == "Merged" and merged["Firstname"] == "Patchy"
    patched = ok(ada.patch(f"/api/v1/Person/{person_id}",
                           json=[{"op": "replace", "path": "/Firstname", "value": "Json"}]))
    assert patched["Firstname"] == "Json" and patched["Lastname"] == "Merged"
    assert_error(ada.patch("/api/v1/Person/999999", json={"Lastname": "x"}), 404)
    company = ok(ada.post("/api/v1/Contact", json={"Name": "Patch AS"}))
    assert ok(ada.patch(f"/api/v1/Contact/{company['ContactId']}", json={"Department": "IT"}))["Department"] == "IT"


def test_a_person_nothing_names_is_deleted_and_one_in_use_is_refused(seed: Seeder, ada: httpx.Client) -> None:
    loose = new_person(ada, "Loose")["PersonId"]
    assert ada.delete(f"/api/v1/Person/{loose}").status_code == 204
    assert_error(ada.get(f"/api/v1/Person/{loose}"), 404)
    invited = new_person(ada, "Invited")["PersonId"]
    entity = ok(ada.get("/api/v1/Appointment/default"))
    ok(ada.post("/api/v1/Appointment", json=entity | {"Participants": [{"PersonId": invited}]}))
    user_person = ok(call(ada, "Associate", "GetAssociate", associateId=seed.user_id("ben")))["PersonId"]
    with Unchanged(seed):
        assert_error(ada.delete(f"/api/v1/Person/{invited}"), 409)
        assert_error(call(ada, "Person", "DeletePersonEntity", personEntityId=user_person), 409)
        assert_error(ada.delete("/api/v1/Person/999999"), 404)


def test_a_company_with_persons_is_not_deleted_and_an_empty_one_is(seed: Seeder, ada: httpx.Client) -> None:
    company = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Staffed AS"}))["ContactId"]
    new_person(ada, "Staff", contact_id=company)
    with Unchanged(seed):
        assert_error(ada.delete(f"/api/v1/Contact/{company}"), 409)
    empty = ok(call(ada, "Contact", "SaveContactEntity", {"Name": "Empty AS"}))["ContactId"]
    assert call(ada, "Contact", "DeleteContactEntity", contactEntityId=empty).status_code == 204
    assert ok(call(ada, "Contact", "GetContact", contactId=empty)) is None
