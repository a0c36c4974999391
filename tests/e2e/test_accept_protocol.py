"""Accept on the wire: every listed Content-Type, Accept, Accept-Language, $select, auth, and bad input."""

from __future__ import annotations

import base64
import json

import pytest
from defusedxml import ElementTree

from sodiary.domain.enums import AppointmentStatus as S
from tests.e2e.accept_support import Unchanged, assert_error, post_accept
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def body_for(content_type: str, appointment_id: int) -> bytes:
    if content_type in ("application/json", "text/json", "application/merge-patch+json"):
        return json.dumps({"AppointmentId": appointment_id, "UpdateMode": "OnlyThis"}).encode()
    if content_type in ("application/xml", "text/xml"):
        return (f"<AcceptRequest><AppointmentId>{appointment_id}</AppointmentId>"
                "<UpdateMode>OnlyThis</UpdateMode></AcceptRequest>").encode()
    if content_type == "application/x-www-form-urlencoded":
        return f"AppointmentId={appointment_id}&UpdateMode=OnlyThis".encode()
    if content_type == "application/json-patch+json":
        return json.dumps([{"op": "add", "path": "/AppointmentId", "value": appointment_id},
                           {"op": "add", "path": "/UpdateMode", "value": "OnlyThis"}]).encode()
    raise AssertionError(content_type)


CONTENT_TYPES = [
    "application/json", "text/json", "application/xml", "text/xml", "application/x-www-form-urlencoded",
    "application/json-patch+json", "application/merge-patch+json",
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_every_listed_content_type_is_accepted(server: LiveServer, seed: Seeder, content_type: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = post_accept(c, body_for(content_type, child), f"{content_type}; charset=utf-8")
    assert r.status_code == 204, r.text
    assert seed.state(child)[0] == S.NotStarted


def test_charset_parameter_is_honoured(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    body = json.dumps({"AppointmentId": child, "UpdateMode": "OnlyThis"}).encode("utf-16")
    with server.client("tje0") as c:
        assert post_accept(c, body, "application/json; charset=utf-16").status_code == 204
    assert seed.state(child)[0] == S.NotStarted


def test_xml_request_with_namespace_and_lower_case_names(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    body = (f'<request xmlns="http://www.superoffice.net/ws/crm/NetServer/Services88">'
            f"<appointmentId>{child}</appointmentId><updateMode>1</updateMode></request>")
    with server.client("tje0") as c:
        assert post_accept(c, body, "text/xml").status_code == 204
    assert seed.state(child)[0] == S.NotStarted


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "multipart/form-data; boundary=x"])
def test_unlisted_content_type_is_415(server: LiveServer, seed: Seeder, content_type: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, body_for("application/json", child), content_type), 415)


def test_unknown_charset_is_415(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, body_for("application/json", child), "application/json; charset=klingon"), 415)


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"AppointmentId": "abc"}',
        b'{"AppointmentId": true}',
        b'{"AppointmentId": 12.5}',
        b'{"AppointmentId": -5}',
        b'{"AppointmentId": 0}',
        b'{"AppointmentId": 2147483648}',
        b'{"AppointmentId": 99999999999999999999999}',
        b'{"UpdateMode": "OnlyThis"}',
        b'{"AppointmentId": 685, "UpdateMode": "Sometimes"}',
        b'{"AppointmentId": 685, "UpdateMode": 7}',
        b"[685]",
        b"685",
        b"\xff\xfe\x00garbage",
        b"",
        b"null",
    ],
)
def test_malformed_or_wrongly_typed_bodies_are_400(server: LiveServer, seed: Seeder, body: bytes) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, body), 400)


def test_xml_with_entities_is_refused(server: LiveServer, seed: Seeder) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              b"<request><AppointmentId>&lol2;</AppointmentId></request>")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, laughs, "application/xml"), 400)


def test_external_entity_is_refused(server: LiveServer, seed: Seeder) -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           b"<request><AppointmentId>&x;</AppointmentId></request>")
    with server.client("tje0") as c, Unchanged(seed):
        body = assert_error(post_accept(c, xxe, "application/xml"), 400)
    assert "root:" not in json.dumps(body)


def test_failing_json_patch_is_refused(server: LiveServer, seed: Seeder) -> None:
    patch = json.dumps([{"op": "replace", "path": "/AppointmentId", "value": 685}])
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, patch, "application/json-patch+json"), 400)


def test_body_over_the_limit_is_413(server: LiveServer, seed: Seeder) -> None:
    big = b'{"AppointmentId": 685, "Padding": "' + b"x" * 1_100_000 + b'"}'
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, big), 413)


# --- Accept and Accept-Language ------------------------------------------------------------------------------


def test_error_as_xml_when_accept_asks_for_xml(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c:
        r = post_accept(c, json.dumps({"AppointmentId": 2_000_000_001}), Accept="application/xml")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(r.content)
    assert root.findtext("ErrorType") == "SoNotFoundException"
    assert root.findtext("Error") == "true"


def test_unacceptable_accept_is_406_and_changes_nothing(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, json.dumps({"AppointmentId": child}), Accept="image/png"), 406)


@pytest.mark.parametrize("accept", ["application/json; charset=utf-8", "text/json", "*/*", "application/xml",
                                    "text/xml", "image/png, application/*;q=0.1"])
def test_acceptable_accept_headers_get_the_204(server: LiveServer, seed: Seeder, accept: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert post_accept(c, json.dumps({"AppointmentId": child}), Accept=accept).status_code == 204


def test_messages_in_norwegian_for_accept_language_nb(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c:
        r = post_accept(c, json.dumps({"AppointmentId": 2_000_000_002}), Accept_Language="nb-NO, en;q=0.5")
    body = assert_error(r, 404)
    assert body["Message"].startswith("Avtale med id")
    assert r.headers["content-language"] == "nb"


def test_messages_in_english_by_default_and_for_unknown_languages(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c:
        r = post_accept(c, json.dumps({"AppointmentId": 2_000_000_002}), Accept_Language="sv")
    assert assert_error(r, 404)["Message"].startswith("Appointment id")


# --- $select ------------------------------------------------------------------------------------------------


def test_select_as_in_the_docs_example_is_fine_on_a_204(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = c.post("/api/v1/Agents/Appointment/Accept?$select=name,department,category/id",
                   json={"AppointmentId": child, "UpdateMode": "OnlyThis"})
    assert r.status_code == 204


@pytest.mark.parametrize("select", ["name,,department", "name/", "na me", "a;b", "/x"])
def test_malformed_select_is_400(server: LiveServer, seed: Seeder, select: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        r = c.post("/api/v1/Agents/Appointment/Accept", params={"$select": select}, json={"AppointmentId": child})
        assert_error(r, 400)


# --- authentication -------------------------------------------------------------------------------------------


def test_no_credentials_is_401_with_a_challenge(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        r = post_accept(c, json.dumps({"AppointmentId": child}))
    assert_error(r, 401)
    assert "Basic" in r.headers["www-authenticate"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic " + base64.b64encode(b"tje0:wrong").decode(),
        "Basic " + base64.b64encode(b"nobody:Tje0").decode(),
        "Basic !!!not-base64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic",
        "Digest abc",
    ],
)
def test_bad_credentials_are_401(server: LiveServer, seed: Seeder, authorization: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        r = post_accept(c, json.dumps({"AppointmentId": child}), Authorization=authorization)
    assert_error(r, 401)
    assert r.headers["www-authenticate"]


def test_user_names_are_case_insensitive(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("TJE0", "Tje0") as c:
        assert post_accept(c, json.dumps({"AppointmentId": child})).status_code == 204


def test_passwords_are_case_sensitive(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0", "tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, json.dumps({"AppointmentId": child})), 401)


# --- routing --------------------------------------------------------------------------------------------------


def test_get_on_an_agent_method_is_405(server: LiveServer) -> None:
    with server.client("tje0") as c:
        r = c.get("/api/v1/Agents/Appointment/Accept")
    assert_error(r, 405)
    assert r.headers["allow"] == "POST"


def test_method_names_are_case_insensitive(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert c.post("/api/v1/Agents/Appointment/accept", json={"appointmentId": child}).status_code == 204


def test_paths_are_case_insensitive_as_in_asp_net(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert c.post("/API/V1/agents/appointment/ACCEPT", json={"appointmentId": child}).status_code == 204
    assert seed.state(child)[0] == S.NotStarted


def test_unknown_agent_method_is_404(server: LiveServer) -> None:
    with server.client("tje0") as c:
        assert_error(c.post("/api/v1/Agents/Appointment/Teleport", json={}), 404, "SoNotFoundException")


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_400(server: LiveServer, seed: Seeder, depth: int) -> None:
    body = b'{"AppointmentId": 685, "X": ' + b"[" * depth + b"]" * depth + b"}"
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, body), 400)


def test_deeply_nested_xml_is_400(server: LiveServer, seed: Seeder) -> None:
    body = b"<r><AppointmentId>685</AppointmentId>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</r>"
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, body, "application/xml"), 400)


def test_sql_metacharacters_are_just_data(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        r = post_accept(c, b"AppointmentId=685%27%3B+DROP+TABLE+appointment%3B--", "application/x-www-form-urlencoded")
        assert_error(r, 400)


def test_invalid_utf8_is_400(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, b'{"AppointmentId": 685, "UpdateMode": "\xc3\x28"}'), 400)


def test_many_first_requests_with_the_same_new_credentials_all_succeed(fresh_server: LiveServer) -> None:
    """A cold cache: concurrent requests share one password check and every one is answered."""
    from concurrent.futures import ThreadPoolExecutor

    def call(_: int) -> int:
        with fresh_server.client("ben") as c:
            return c.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 686}).status_code

    with ThreadPoolExecutor(24) as pool:
        assert set(pool.map(call, range(48))) == {204}


def test_concurrent_wrong_passwords_all_get_401(fresh_server: LiveServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def call(_: int) -> int:
        with fresh_server.client("ben", "wrong") as c:
            return c.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 686}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(call, range(8))) <= {401, 429}
