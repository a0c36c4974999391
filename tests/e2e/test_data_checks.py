"""What the long schemathesis run's data checks found (issue 12): the OpenAPI document and the binder agree on
which JSON types a member may have — a number for a boolean or an enum is taken and documented, a number or
an object where a list or an object is due is refused (docs/decisions.md, "Numbers for booleans and enums")."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema

from tests.e2e.accept_support import assert_error

AGENT = "/api/v1/Agents/Appointment/"


def document_allows(client: httpx.Client, path: str, body: Any) -> bool:
    doc = client.get("/api/openapi.json").json()
    schema = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": doc["components"]})
    return bool(validator.is_valid(body))


def test_a_number_where_a_boolean_is_due_is_allowed_by_the_document_and_taken_by_the_server(
    ada: httpx.Client,
) -> None:
    body = {"IncludeDeleted": 1}
    assert document_allows(ada, AGENT + "GetTaskListItems", body)
    assert ada.post(AGENT + "GetTaskListItems", json=body).status_code == 200


def test_an_enum_number_is_allowed_by_the_document_and_taken_by_the_server(ada: httpx.Client) -> None:
    body = {"AppointmentIds": [], "UpdateMode": 1}
    assert document_allows(ada, AGENT + "SetSeenMany", body)
    assert ada.post(AGENT + "SetSeenMany", json=body).status_code == 204


def test_a_number_the_enum_does_not_define_is_refused_by_the_document_and_the_server(ada: httpx.Client) -> None:
    body = {"AppointmentIds": [], "UpdateMode": 17}
    assert not document_allows(ada, AGENT + "SetSeenMany", body)
    assert_error(ada.post(AGENT + "SetSeenMany", json=body), 400, "ArgumentException")


def test_a_number_where_a_list_of_ids_is_due_is_a_400(ada: httpx.Client) -> None:
    assert_error(ada.post(AGENT + "GetPublishedAppointments", json={"AppointmentIds": 0}), 400, "ArgumentException")


def test_a_number_for_the_body_of_a_people_list_is_a_400(ada: httpx.Client) -> None:
    assert_error(ada.post("/api/v1/Agents/Person/GetPersonList", json=0), 400, "ArgumentException")



def test_an_empty_date_where_null_is_allowed_reads_as_null_as_the_document_says(ada: httpx.Client) -> None:
    body = {"StartTime": "", "EndTime": "", "Count": 5}
    assert document_allows(ada, AGENT + "GetMyDiary", body)
    empty = ada.post(AGENT + "GetMyDiary", json=body)
    assert empty.status_code == 200, empty.text
    assert empty.json() == ada.post(AGENT + "GetMyDiary", json={"StartTime": None, "EndTime": None, "Count": 5}).json()


def test_an_empty_date_that_must_be_given_is_refused_by_the_document_and_the_server(ada: httpx.Client) -> None:
    body = {"AppointmentId": 1, "NewStartTime": ""}
    assert not document_allows(ada, AGENT + "Move", body)
    assert_error(ada.post(AGENT + "Move", json=body), 400, "ArgumentException")


def test_a_json_null_for_the_body_of_a_login_with_basic_credentials_is_a_400(ada: httpx.Client) -> None:
    r = ada.post("/api/v1/Sodiary/Login", content=b"null", headers={"Content-Type": "application/json"})
    assert_error(r, 400, "ArgumentException")


def test_a_blank_date_is_refused_by_the_document_and_the_server(ada: httpx.Client) -> None:
    body = {"StartTime": "", "EndTime": "\r"}
    assert not document_allows(ada, AGENT + "GetMySyncAppointments", body)
    assert_error(ada.post(AGENT + "GetMySyncAppointments", json=body), 400, "ArgumentException")


def test_field_properties_three_levels_deep_are_allowed_by_the_document_and_taken_by_the_server(
    ada: httpx.Client,
) -> None:
    body = {"AppointmentEntity": {"VisibleFor": [{"FieldProperties": {"Mask": {"FieldRight": {"Mask": 1}}}}]}}
    assert document_allows(ada, AGENT + "ValidateAppointmentEntity", body)
    assert ada.post(AGENT + "ValidateAppointmentEntity", json=body).status_code == 200


def test_field_properties_nested_deeper_than_the_document_says_are_refused_by_both(ada: httpx.Client) -> None:
    body = {"AppointmentEntity": {"VisibleFor": [{"FieldProperties": {"": {"": {"": {}}}}}]}}
    assert not document_allows(ada, AGENT + "ValidateAppointmentEntity", body)
    assert_error(ada.post(AGENT + "ValidateAppointmentEntity", json=body), 400, "ArgumentException")


def test_an_object_where_a_list_of_participants_is_due_is_a_400(ada: httpx.Client) -> None:
    body = {"AppointmentEntity": {"VisibleFor": {}}}
    assert not document_allows(ada, AGENT + "ValidateAppointmentEntity", body)
    assert_error(ada.post(AGENT + "ValidateAppointmentEntity", json=body), 400, "ArgumentException")


def test_one_xml_element_where_a_list_is_due_is_still_a_list_of_one(ada: httpx.Client) -> None:
    body = ("<GetPublishedAppointmentsRequest><AppointmentIds><int>1</int></AppointmentIds>"
            "</GetPublishedAppointmentsRequest>")
    response = ada.post(AGENT + "GetPublishedAppointments", content=body,
                        headers={"Content-Type": "application/xml", "Accept": "application/json"})
    assert response.status_code == 200


def test_a_date_that_is_no_date_is_a_400_even_for_company_zero(ada: httpx.Client) -> None:
    body = {"StartTime": None, "EndTime": "AAA", "Count": -1, "ContactId": 0}
    assert_error(ada.post(AGENT + "GetContactAppointments", json=body), 400, "ArgumentException")


def test_a_publish_date_that_is_no_date_is_a_400_though_the_entity_is_not_published(ada: httpx.Client) -> None:
    entity = {"StartDate": "2033-01-10T09:00:00", "EndDate": "2033-01-10T10:00:00", "IsPublished": False,
              "PublishFrom": "AAA"}
    assert not document_allows(ada, AGENT + "ValidateAppointmentEntity", {"AppointmentEntity": entity})
    body = assert_error(ada.post(AGENT + "ValidateAppointmentEntity", json={"AppointmentEntity": entity}), 400,
                        "ArgumentException")
    assert "AppointmentEntity.PublishFrom" in body["Message"]


def test_rest_validate_refuses_a_publish_date_that_is_no_date(ada: httpx.Client) -> None:
    entity = {"StartDate": "2033-01-10T09:00:00", "EndDate": "2033-01-10T10:00:00", "PublishTo": "31.12.2033"}
    assert_error(ada.post("/api/v1/Appointment/Validate", json=entity), 400, "ArgumentException")


def test_every_date_the_document_allows_still_binds(ada: httpx.Client) -> None:
    for date in ("2033-01-10T09:00", "2033-01-10T09:00:00.1234567Z", "2032-02-29T00:00:00+18:00",
                 "+010000-01-01T00:00:00.000Z"):
        entity = {"StartDate": "2033-01-10T09:00:00", "EndDate": "2033-01-10T10:00:00", "PublishFrom": date}
        assert document_allows(ada, AGENT + "ValidateAppointmentEntity", {"AppointmentEntity": entity}), date
        r = ada.post(AGENT + "ValidateAppointmentEntity", json={"AppointmentEntity": entity})
        assert r.status_code == 200, (date, r.text)


def a_company(client: httpx.Client) -> str:
    created = client.post("/api/v1/Contact", json={"Name": "Patch AS"})
    assert created.status_code in (200, 201), created.text
    return f"/api/v1/Contact/{created.json()['ContactId']}"


def test_a_merge_patch_with_nul_in_a_member_the_entity_lacks_is_refused_by_both(ada: httpx.Client) -> None:
    body = {"": {"": {"": "a\u0000b"}}}
    assert not document_allows_patch(ada, "/api/v1/Contact/{id}", body)
    assert_error(ada.patch(a_company(ada), json=body), 400, "ArgumentException")


def test_a_merge_patch_nested_deeper_than_its_document_allows_is_a_400(ada: httpx.Client) -> None:
    deep: Any = 1
    for _ in range(9):
        deep = [deep]
    assert not document_allows_patch(ada, "/api/v1/Contact/{id}", {"Unknown": deep})
    assert_error(ada.patch(a_company(ada), json={"Unknown": deep}), 400, "ArgumentException")


def test_a_merge_patch_of_a_participant_list_is_allowed_by_the_document(ada: httpx.Client) -> None:
    body = {"Participants": [{"Associate": {"AssociateId": 2, "FieldProperties": {"x": {"FieldRight": {"Mask": 1}}}}}]}
    assert document_allows_patch(ada, "/api/v1/Appointment/{id}", body)


def document_allows_patch(client: httpx.Client, path: str, body: Any) -> bool:
    doc = client.get("/api/openapi.json").json()
    schema = doc["paths"][path]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": doc["components"]})
    return bool(validator.is_valid(body))
