"""REST /api/v1/Appointment: the entity verbs with HTTP semantics (404, Last-Modified, 304/412, PATCH)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import httpx
from defusedxml import ElementTree

from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

REST = "/api/v1/Appointment"
PATCH_JSON = {"Content-Type": "application/json"}


def http_date(value: datetime) -> str:
    return format_datetime(value.replace(tzinfo=UTC), usegmt=True)


def last_modified(response: httpx.Response) -> datetime:
    return parsedate_to_datetime(response.headers["last-modified"]).astimezone(UTC).replace(tzinfo=None)


def get(server: LiveServer, appointment_id: int, user: str = "tje0", **headers: str) -> httpx.Response:
    with server.client(user) as c:
        return c.get(f"{REST}/{appointment_id}", headers={k.replace("_", "-"): v for k, v in headers.items()})


def entity(server: LiveServer, appointment_id: int, user: str = "tje0") -> dict[str, Any]:
    r = get(server, appointment_id, user)
    assert r.status_code == 200, r.text
    return dict(r.json())


def new_entity(server: LiveServer, title: str) -> dict[str, Any]:
    with server.client("tje0") as c:
        default = c.get(f"{REST}/default").json()
    default["Title"] = title
    return dict(default)


# GET


def test_get_answers_the_entity_with_self_link_and_last_modified(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    r = get(server, appointment_id)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["AppointmentId"] == appointment_id
    assert body["_Links"] == {"Self": f"{server.url}{REST}/{appointment_id}"}
    assert last_modified(r) == seed.row(appointment_id)["registered"].replace(microsecond=0)


def test_get_unknown_id_is_404_not_null(server: LiveServer) -> None:
    assert_error(get(server, 999_999), 404, "SoNotFoundException")


def test_get_id_that_is_not_an_int32_is_404(server: LiveServer) -> None:
    with server.client("tje0") as c:
        for bad in ("abc", "0", "-1", "2147483648", "1.5"):
            assert_error(c.get(f"{REST}/{bad}"), 404, "SoNotFoundException")


def test_get_is_case_insensitive_in_the_path(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        assert c.get(f"/API/v1/appointment/{appointment_id}").json()["AppointmentId"] == appointment_id


def test_get_if_modified_since_the_last_change_is_304_without_body(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    stamp = last_modified(get(server, appointment_id))
    r = get(server, appointment_id, If_Modified_Since=http_date(stamp))
    assert r.status_code == 304
    assert r.content == b""
    assert last_modified(r) == stamp


def test_get_if_modified_since_an_earlier_second_is_200(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    stamp = last_modified(get(server, appointment_id))
    r = get(server, appointment_id, If_Modified_Since=http_date(stamp - timedelta(seconds=1)))
    assert r.status_code == 200
    assert r.json()["AppointmentId"] == appointment_id


def test_get_with_an_invalid_if_modified_since_ignores_it(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    assert get(server, appointment_id, If_Modified_Since="yesterday").status_code == 200


def test_get_default_answers_a_new_unsaved_entity(server: LiveServer) -> None:
    with server.client("tje0") as c:
        r = c.get(f"{REST}/default")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["AppointmentId"] == 0
    assert body["Associate"]["AssociateId"] > 0


def test_get_as_xml(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    r = get(server, appointment_id, Accept="application/xml")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(r.content)
    assert root.tag == "AppointmentEntity"
    assert root.findtext("AppointmentId") == str(appointment_id)


def test_get_with_select_nulls_the_other_members_but_keeps_links(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        body = c.get(f"{REST}/{appointment_id}", params={"$select": "appointmentid,associate/associateid"}).json()
    assert body["AppointmentId"] == appointment_id
    assert body["Description"] is None and body["StartDate"] is None
    assert body["Associate"]["AssociateId"] > 0 and body["Associate"]["Name"] is None
    assert body["_Links"]["Self"].endswith(f"/{appointment_id}")


def test_get_with_malformed_select_is_400(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        assert_error(c.get(f"{REST}/{appointment_id}", params={"$select": "a,,b"}), 400, "ArgumentException")


def test_unauthenticated_request_is_401(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client() as c:
        r = c.get(f"{REST}/{appointment_id}")
    assert_error(r, 401)
    assert "WWW-Authenticate" in r.headers


def test_unacceptable_accept_is_406(server: LiveServer, seed: Seeder) -> None:
    assert_error(get(server, seed.plain("tje0"), Accept="image/png"), 406, "NotAcceptableException")


# POST


def test_post_without_trailing_slash_creates_and_answers_200_with_links(server: LiveServer) -> None:
    with server.client("tje0") as c:
        r = c.post(REST, json=new_entity(server, "Posted plain"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["AppointmentId"] > 0 and body["Title"] == "Posted plain"
    assert body["_Links"]["Self"] == f"{server.url}{REST}/{body['AppointmentId']}"
    assert entity(server, body["AppointmentId"])["Title"] == "Posted plain"


def test_post_with_trailing_slash_creates_without_redirect(server: LiveServer) -> None:
    with server.client("tje0") as c:
        r = c.post(REST + "/", json=new_entity(server, "Posted with slash"))
    assert r.status_code == 200, r.text  # httpx does not follow redirects: a 307 would fail here
    assert entity(server, r.json()["AppointmentId"])["Title"] == "Posted with slash"


def test_post_ignores_an_appointment_id_in_the_body(server: LiveServer, seed: Seeder) -> None:
    existing = seed.plain("tje0")
    body = new_entity(server, "Not an update")
    body["AppointmentId"] = existing
    with server.client("tje0") as c:
        created = c.post(REST, json=body).json()["AppointmentId"]
    assert created != existing
    assert entity(server, existing)["Title"] != "Not an update"


def test_post_without_an_entity_is_400_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    with Unchanged(seed), server.client("tje0") as c:
        assert_error(c.post(REST, content=b"", headers={"Content-Type": "application/json"}), 400)
        assert_error(c.post(REST, content=b"[1, 2]", headers={"Content-Type": "application/json"}), 400)


# PUT


def test_put_replaces_the_entity(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    body = entity(server, appointment_id)
    body["Title"] = "Put title"
    with server.client("tje0") as c:
        r = c.put(f"{REST}/{appointment_id}", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["Title"] == "Put title"
    assert entity(server, appointment_id)["Title"] == "Put title"


def test_put_the_url_names_the_entity_not_the_body(server: LiveServer, seed: Seeder) -> None:
    target, other = seed.plain("tje0"), seed.plain("tje0")
    body = entity(server, target)
    body["AppointmentId"] = other
    body["Title"] = "Addressed by URL"
    with server.client("tje0") as c:
        assert c.put(f"{REST}/{target}", json=body).status_code == 200
    assert entity(server, target)["Title"] == "Addressed by URL"
    assert entity(server, other)["Title"] != "Addressed by URL"


def test_put_if_unmodified_since_an_earlier_second_is_412_and_changes_nothing(
        server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    r = get(server, appointment_id)
    body = r.json()
    body["Title"] = "Too late"
    earlier = http_date(last_modified(r) - timedelta(seconds=1))
    with Unchanged(seed), server.client("tje0") as c:
        answer = c.put(f"{REST}/{appointment_id}", json=body, headers={"If-Unmodified-Since": earlier})
        assert_error(answer, 412, "PreconditionFailedException")
    assert entity(server, appointment_id)["Title"] != "Too late"


def test_put_if_unmodified_since_the_last_change_succeeds(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    r = get(server, appointment_id)
    body = r.json()
    body["Title"] = "In time"
    with server.client("tje0") as c:
        answer = c.put(f"{REST}/{appointment_id}", json=body,
                       headers={"If-Unmodified-Since": r.headers["last-modified"]})
    assert answer.status_code == 200, answer.text
    assert entity(server, appointment_id)["Title"] == "In time"


def test_put_unknown_id_is_404_and_creates_nothing(server: LiveServer, seed: Seeder) -> None:
    with Unchanged(seed), server.client("tje0") as c:
        assert_error(c.put(f"{REST}/999999", json=new_entity(server, "Nowhere")), 404, "SoNotFoundException")


# PATCH


def test_patch_with_a_json_patch_array_in_plain_json(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    ops = [{"op": "replace", "path": "title", "value": "Patched"},  # no leading slash, lower case
           {"op": "replace", "path": "/LOCATION", "value": "Room 1"}]
    with server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON)
    assert r.status_code == 200, r.text
    assert (r.json()["Title"], r.json()["Location"]) == ("Patched", "Room 1")
    stored = entity(server, appointment_id)
    assert (stored["Title"], stored["Location"]) == ("Patched", "Room 1")


def test_patch_with_a_merge_patch_object_in_plain_json(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=b'{"title": "Merged"}', headers=PATCH_JSON)
    assert r.status_code == 200, r.text
    assert entity(server, appointment_id)["Title"] == "Merged"


def test_patch_with_the_json_patch_content_type(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    ops = b'[{"op": "add", "path": "/Title", "value": "Typed patch"}]'
    with server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=ops,
                    headers={"Content-Type": "application/json-patch+json"})
    assert r.status_code == 200, r.text
    assert entity(server, appointment_id)["Title"] == "Typed patch"


def test_patch_with_the_merge_patch_content_type(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=b'{"Title": "Typed merge"}',
                    headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    assert entity(server, appointment_id)["Title"] == "Typed merge"


def test_patch_failing_test_op_is_409_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    before = entity(server, appointment_id)
    ops = [{"op": "replace", "path": "/Title", "value": "Should not stick"},
           {"op": "test", "path": "/Location", "value": "not the location"}]
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON)
        assert_error(r, 409, "JsonPatchTestFailedException")
    assert entity(server, appointment_id)["Title"] == before["Title"]


def test_patch_passing_test_op_applies_the_rest(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    current = entity(server, appointment_id)["Title"]
    ops = [{"op": "test", "path": "title", "value": current}, {"op": "replace", "path": "title", "value": "Tested"}]
    with server.client("tje0") as c:
        assert c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON).status_code == 200
    assert entity(server, appointment_id)["Title"] == "Tested"


def test_patch_move_and_copy_are_not_supported(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    ops = [{"op": "copy", "from": "/Location", "path": "/Title"}]
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON)
        assert_error(r, 400, "ArgumentException")


def test_patch_with_xml_is_415_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=b"<Title>x</Title>", headers={"Content-Type": "text/xml"})
        assert_error(r, 415, "UnsupportedMediaTypeException")


def test_patch_if_unmodified_since_an_earlier_second_is_412_and_changes_nothing(
        server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    earlier = http_date(last_modified(get(server, appointment_id)) - timedelta(seconds=1))
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=b'{"Title": "Too late"}',
                    headers={**PATCH_JSON, "If-Unmodified-Since": earlier})
        assert_error(r, 412, "PreconditionFailedException")


def test_patch_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/999999", content=b'{"Title": "x"}', headers=PATCH_JSON)
        assert_error(r, 404, "SoNotFoundException")


# DELETE


def test_delete_answers_204_and_the_entity_is_gone(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        r = c.delete(f"{REST}/{appointment_id}")
    assert r.status_code == 204
    assert r.content == b""
    assert_error(get(server, appointment_id), 404, "SoNotFoundException")


def test_delete_if_unmodified_since_an_earlier_second_is_412_and_changes_nothing(
        server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    earlier = http_date(last_modified(get(server, appointment_id)) - timedelta(seconds=1))
    with Unchanged(seed), server.client("tje0") as c:
        r = c.delete(f"{REST}/{appointment_id}", headers={"If-Unmodified-Since": earlier})
        assert_error(r, 412, "PreconditionFailedException")


def test_delete_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with Unchanged(seed), server.client("tje0") as c:
        assert_error(c.delete(f"{REST}/999999"), 404, "SoNotFoundException")


def test_patch_with_a_malformed_pointer_is_400_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    ops = [{"op": "replace", "path": "/Title~2", "value": "x"}]
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON)
        assert_error(r, 400, "ArgumentException")


def test_patch_to_something_that_is_not_an_entity_is_400(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    with Unchanged(seed), server.client("tje0") as c:
        for body in (b'[{"op": "replace", "path": "", "value": 5}]', b'"text"', b"null"):
            assert_error(c.patch(f"{REST}/{appointment_id}", content=body, headers=PATCH_JSON), 400)


def test_patch_with_a_value_of_the_wrong_type_is_400(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    ops = [{"op": "replace", "path": "/StartDate", "value": "not a date"}]
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{appointment_id}", content=json.dumps(ops), headers=PATCH_JSON)
        assert_error(r, 400, "ArgumentException")


def test_merge_patch_appends_an_object_to_an_array_member(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking("tje0", invitees=("ada",))
    ben = seed.user_id("ben")
    with server.client("tje0") as c:
        r = c.patch(f"{REST}/{booking.mother_id}", json={"participants": {"AssociateId": ben}})
    assert r.status_code == 200, r.text
    invited = {p["AssociateId"] for p in entity(server, booking.mother_id)["Participants"]}
    assert {seed.user_id("ada"), ben} <= invited


def test_patch_by_an_invitee_of_the_organisers_row_is_403_and_changes_nothing(
        server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking("ada", invitees=("tje0",))
    with Unchanged(seed), server.client("tje0") as c:
        r = c.patch(f"{REST}/{booking.mother_id}", json={"Title": "Not mine"})
        assert_error(r, 403, "SoAccessDeniedException")


def test_get_if_unmodified_since_an_earlier_second_is_412(server: LiveServer, seed: Seeder) -> None:
    appointment_id = seed.plain("tje0")
    stamp = last_modified(get(server, appointment_id))
    assert_error(get(server, appointment_id, If_Unmodified_Since=http_date(stamp - timedelta(seconds=1))), 412,
                 "PreconditionFailedException")
    assert get(server, appointment_id, If_Unmodified_Since=http_date(stamp)).status_code == 200


def test_get_simple_answers_the_simple_appointment_and_404_when_unknown(server: LiveServer, seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    with server.client("tje0") as c:
        r = c.get(f"{REST}/{b.children['tje0']}/Simple")
        assert r.status_code == 200, r.text
        simple = r.json()
        assert (simple["AppointmentId"], simple["MotherId"], simple["IsBooking"]) == (
            b.children["tje0"], b.mother_id, True)
        assert "Participants" not in simple  # the simple carrier, not the entity
        assert_error(c.get(f"{REST}/999999/Simple"), 404, "SoNotFoundException")
