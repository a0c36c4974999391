"""The OpenAPI document describes what the server really does, and the docs page renders it offline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from sodiary.wire.agent.methods import ALL_METHODS
from sodiary.wire.agent.table import implemented
from sodiary.wire.openapi import REF, endpoints_markdown, response_type
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
REQUEST_TYPES = {
    "application/json", "text/json", "application/xml", "text/xml", "application/x-www-form-urlencoded",
    "application/json-patch+json", "application/merge-patch+json",
}
ENDPOINTS_MD = Path(__file__).resolve().parents[2] / "docs" / "endpoints.md"


def fetch(server: LiveServer) -> dict[str, Any]:
    with server.client() as c:  # no credentials: the document is public
        r = c.get("/api/openapi.json")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    return dict(r.json())


def schema_of(tp: Any) -> dict[str, Any]:
    (schema,), _ = msgspec.json.schema_components([tp], ref_template=REF)
    return dict(schema)


def test_document_is_valid_openapi_3_1(server: LiveServer) -> None:
    doc = fetch(server)
    assert doc["openapi"].startswith("3.1")
    validate(doc)  # raises on any structural error, including unresolvable $refs


def test_all_113_agent_methods_are_listed(server: LiveServer) -> None:
    paths = fetch(server)["paths"]
    assert len(ALL_METHODS) == 113
    for name in ALL_METHODS:
        assert list(paths[AGENT + name]) == ["post"], name


def test_every_implemented_method_has_its_request_and_response_schemas(server: LiveServer) -> None:
    doc = fetch(server)
    components = doc["components"]["schemas"]
    for method in implemented():
        op = doc["paths"][AGENT + method.name]["post"]
        if method.request is not None:
            content = op["requestBody"]["content"]
            assert set(content) == REQUEST_TYPES, method.name
            request = schema_of(method.request)
            if not op["requestBody"]["required"]:  # no member required: no body (or `null`) binds as `{}`
                request = {"anyOf": [request, {"type": "null"}]}
            assert all(c["schema"] == request for c in content.values()), method.name
        if method.response is None:
            assert "204" in op["responses"] and "200" not in op["responses"], method.name
        else:
            expected = schema_of(response_type(method))  # nullable when the handler may answer `null`
            documented = op["responses"]["200"]["content"]["application/json"]["schema"]
            if documented != expected:  # $select can change it: the whole answer, or the selected one
                branches = expected["anyOf"] if list(expected) == ["anyOf"] else [expected]
                assert all(b in documented["anyOf"] for b in branches), method.name
                assert len(documented["anyOf"]) > len(branches), method.name  # and the selected shape
        for name in re.findall(r'"#/components/schemas/([^"]+)"', msgspec.json.encode(op).decode()):
            assert name in components, (method.name, name)


def test_implemented_methods_document_the_error_answers_in_the_error_shape(server: LiveServer) -> None:
    doc = fetch(server)
    for method in implemented():
        responses = doc["paths"][AGENT + method.name]["post"]["responses"]
        for status in ("400", "401", "403", "404", "406", "409", "413", "429"):
            assert responses[status]["$ref"].startswith("#/components/responses/"), (method.name, status)
    error = doc["components"]["responses"]["BadRequest"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}
    assert set(doc["components"]["schemas"]["ErrorBody"]["required"]) == {
        "Error", "ErrorType", "Message", "ErrorMessage", "ErrorSource"}


def test_unimplemented_methods_are_listed_as_501_and_not_deprecated(server: LiveServer) -> None:
    doc = fetch(server)
    done = {m.name for m in implemented()}
    missing = [name for name in ALL_METHODS if name not in done]
    assert missing
    for name in missing:
        op = doc["paths"][AGENT + name]["post"]
        assert op["deprecated"] is False
        assert "not implemented" in op["description"]
        assert set(op["responses"]) == {"400", "401", "403", "406", "429", "501"}
        assert "200" not in op["responses"] and "204" not in op["responses"]


def test_every_agent_and_rest_operation_takes_select(server: LiveServer) -> None:
    for path, item in fetch(server)["paths"].items():
        for verb, op in item.items():
            if op["tags"] in (["Sessions"], ["Web page"]):
                continue  # the login routes answer tickets and cookies, the page's helpers who is who: not entities
            assert "$select" in [p["name"] for p in op["parameters"]], (path, verb)


def test_security_schemes_name_every_way_to_authenticate(server: LiveServer) -> None:
    schemes = fetch(server)["components"]["securitySchemes"]
    assert schemes["Basic"] == {"type": "http", "scheme": "basic", "description": schemes["Basic"]["description"]}
    assert (schemes["SOTicket"]["type"], schemes["SOTicket"]["name"]) == ("apiKey", "Authorization")
    assert (schemes["Bearer"]["scheme"], schemes["Bearer"]["bearerFormat"]) == ("bearer", "JWT")
    assert schemes["SOAppToken"]["name"] == "SO-AppToken"
    assert schemes["XSRF"]["name"] == "X-XSRF-TOKEN"


def test_an_empty_call_to_every_agent_method_answers_a_documented_status(server: LiveServer) -> None:
    doc = fetch(server)
    with server.client("tje0") as c:
        for name in ALL_METHODS:
            r = c.post(AGENT + name, content=b"{}", headers={"Content-Type": "application/json"})
            documented = doc["paths"][AGENT + name]["post"]["responses"]
            assert str(r.status_code) in documented, (name, r.status_code, r.text)


def test_an_unauthenticated_call_answers_the_documented_401(server: LiveServer) -> None:
    doc = fetch(server)
    with server.client() as c:
        r = c.post(AGENT + "Accept", json={"AppointmentId": 1})
    assert r.status_code == 401
    assert "401" in doc["paths"][AGENT + "Accept"]["post"]["responses"]
    assert r.json()["Error"] is True


def test_docs_page_is_html_that_needs_no_network(server: LiveServer) -> None:
    with server.client() as c:
        r = c.get("/api/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<html" in r.text and 'fetch("openapi.json")' in r.text
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', r.text), "the page must not load anything remote"


def test_committed_endpoint_list_is_up_to_date() -> None:
    assert ENDPOINTS_MD.read_text(encoding="utf-8") == endpoints_markdown(), (
        "docs/endpoints.md is stale: run `python -m sodiary.wire.openapi --endpoints-md`")


def test_rest_operations_are_documented_with_their_http_semantics(server: LiveServer) -> None:
    paths = fetch(server)["paths"]
    item = paths["/api/v1/Appointment/{id}"]
    assert set(item) == {"get", "put", "patch", "delete"}
    assert {"200", "304", "404"} <= set(item["get"]["responses"])
    assert "Last-Modified" in item["get"]["responses"]["200"]["headers"]
    assert {"200", "404", "409", "412"} <= set(item["patch"]["responses"])
    assert set(item["patch"]["requestBody"]["content"]) == {
        "application/json", "text/json", "application/json-patch+json", "application/merge-patch+json"}
    assert {"204", "404", "412"} <= set(item["delete"]["responses"])
    assert "200" in paths["/api/v1/Appointment"]["post"]["responses"]
    assert "get" in paths["/api/v1/Appointment/default"]


def test_every_rest_operation_answers_a_documented_status(server: LiveServer, seed: Seeder) -> None:
    doc = fetch(server)
    with server.client("tje0") as c:
        for path, item in doc["paths"].items():
            if not path.startswith("/api/v1/Appointment"):
                continue
            for verb, op in item.items():
                for appointment_id in (seed.plain("tje0"), 999_999):
                    url = path.replace("{id}", str(appointment_id))
                    body = b"{}" if "requestBody" in op else b""
                    r = c.request(verb.upper(), url, content=body, headers={"Content-Type": "application/json"})
                    assert str(r.status_code) in op["responses"], (verb, url, r.status_code, r.text)


def test_login_routes_are_documented_with_their_bodies_and_who_may_call_them(server: LiveServer) -> None:
    paths = fetch(server)["paths"]
    login = paths["/api/v1/Sodiary/Login"]["post"]
    assert {} in login["security"] and {"Basic": []} in login["security"]  # a body, or Basic
    assert login["requestBody"]["required"] is False
    ticket = {"$ref": REF.format(name="TicketResult")}
    assert login["responses"]["200"]["content"]["application/json"]["schema"] == ticket
    assert {"200", "400", "401", "429"} <= set(login["responses"])
    assert set(paths["/api/v1/Sodiary/Session"]) == {"post", "delete"}
    assert paths["/api/v1/Sodiary/Session"]["delete"]["security"] == [{"XSRF": []}]
    assert paths["/api/v1/Sodiary/Logout"]["post"]["security"] == [{"SOTicket": []}]


def test_every_login_route_answers_a_documented_status(server: LiveServer) -> None:
    doc = fetch(server)
    routes = [(path, verb, op) for path, item in doc["paths"].items() if path.startswith("/api/v1/Sodiary/")
              for verb, op in item.items()]
    assert len(routes) == 6  # Login, Logout, Session (open, close); the page's Me and Users
    for user in (None, "tje0"):
        with server.client(user) as c:
            for path, verb, op in routes:
                r = c.request(verb.upper(), path)
                assert str(r.status_code) in op["responses"], (user, verb, path, r.status_code, r.text)


# The document is what the server does (issue 12, item 9).


def validator(doc: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """Validates against one schema of the document, its `#/components/...` references resolved."""
    return Draft202012Validator({**schema, "components": doc["components"]})


def answer_schema(doc: dict[str, Any], path: str, verb: str = "post") -> dict[str, Any]:
    return dict(doc["paths"][path][verb]["responses"]["200"]["content"]["application/json"]["schema"])


def test_a_selected_entity_matches_its_documented_schema(server: LiveServer, seed: Seeder) -> None:
    doc = fetch(server)
    booking = seed.booking(organiser="ada", invitees=("tje0",))
    with server.client("ada") as c:
        r = c.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": booking.mother_id,
                                                            "$select": "Title,Associate/AssociateId"})
    assert r.status_code == 200, r.text
    entity = r.json()
    assert entity["Title"] and entity["Associate"]["AssociateId"] == seed.user_id("ada")
    assert entity["AppointmentId"] is None and entity["Associate"]["FullName"] is None  # nulled, not omitted
    assert validator(doc, answer_schema(doc, AGENT + "GetAppointmentEntity")).is_valid(entity)
    # The whole entity's schema alone does not allow the nulls: the selected shape has its own component.
    assert not validator(doc, {"$ref": REF.format(name="AppointmentEntity")}).is_valid(entity)
    assert validator(doc, {"$ref": REF.format(name="AppointmentEntity.Selected")}).is_valid(entity)


def test_a_selected_list_and_a_selected_rest_answer_match_their_documented_schemas(
        server: LiveServer, seed: Seeder) -> None:
    doc = fetch(server)
    appointment_id = seed.plain("tje0")
    with server.client("tje0") as c:
        diary = c.post(AGENT + "GetMyDiary", params={"$select": "AppointmentId"}, json={})
        rest = c.get(f"/api/v1/Appointment/{appointment_id}", params={"$select": "Title"})
        simple = c.get(f"/api/v1/Appointment/{appointment_id}/Simple", params={"$select": "nothing"})
    assert diary.status_code == rest.status_code == simple.status_code == 200
    assert diary.json() and all(a["AppointmentId"] and a["StartDate"] is None for a in diary.json())
    assert validator(doc, answer_schema(doc, AGENT + "GetMyDiary")).is_valid(diary.json())
    assert rest.json()["StartDate"] is None and rest.json()["_Links"]  # _Links is always kept
    assert validator(doc, answer_schema(doc, "/api/v1/Appointment/{id}", "get")).is_valid(rest.json())
    assert validator(doc, answer_schema(doc, "/api/v1/Appointment/{id}/Simple", "get")).is_valid(simple.json())


def test_a_move_without_new_start_time_is_refused_and_the_document_requires_it(
        server: LiveServer, seed: Seeder) -> None:
    doc = fetch(server)
    booking = seed.booking(organiser="ada", invitees=("tje0",))
    with server.client("ada") as c:
        r = c.post(AGENT + "Move", json={"AppointmentId": booking.mother_id})
    assert r.status_code == 400 and "NewStartTime" in r.json()["Message"]
    op = doc["paths"][AGENT + "Move"]["post"]
    assert op["requestBody"]["required"] is True
    assert doc["components"]["schemas"]["MoveRequest"]["required"] == ["AppointmentId", "NewStartTime"]
    move_data = doc["components"]["schemas"]["AppointmentMoveData"]["required"]
    assert set(move_data) == {"AppointmentId", "NewStartTime"}
    assert doc["components"]["schemas"]["MoveExtendedRequest"]["required"] == ["AppointmentMoveData"]


def _required(doc: dict[str, Any], op: dict[str, Any]) -> list[str]:
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref", "")
    return list(doc["components"]["schemas"][ref.rsplit("/", 1)[-1]].get("required", [])) if ref else []


def test_an_empty_body_is_refused_for_a_missing_member_exactly_when_the_document_requires_one(
        server: LiveServer) -> None:
    doc = fetch(server)
    checked = 0
    with server.client("tje0") as c:
        for method in implemented():
            op = doc["paths"][AGENT + method.name]["post"]
            if method.request is None or method.query:
                continue
            required = _required(doc, op)
            assert op["requestBody"]["required"] is bool(required), method.name
            r = c.post(AGENT + method.name, json={})
            missing = r.status_code == 400 and re.search(r"missing required field|is required", r.json()["Message"])
            if required:
                assert missing, (method.name, r.status_code, r.text)
                assert any(name in r.json()["Message"] for name in required), (method.name, r.text)
            else:
                assert not missing, (method.name, r.status_code, r.text)
            checked += 1
    assert checked > 40


def test_query_parameters_the_handlers_need_are_documented_as_required(server: LiveServer) -> None:
    doc = fetch(server)
    with server.client("tje0") as c:
        for name, param in (("GetAppointmentEntity", "appointmentEntityId"), ("GetAppointment", "appointmentId"),
                            ("DeleteAppointmentEntity", "AppointmentEntityId")):
            documented = {p["name"]: p for p in doc["paths"][AGENT + name]["post"]["parameters"]}
            assert documented[param]["required"] is True, name
            assert documented["$select"]["required"] is False, name
            r = c.post(AGENT + name)
            assert r.status_code == 400 and param.lower() in r.json()["Message"].lower(), (name, r.text)


VERBS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")


def test_an_undocumented_method_on_a_rest_or_login_route_is_405_naming_the_allowed_ones(
        server: LiveServer, seed: Seeder) -> None:
    doc = fetch(server)
    appointment_id = seed.plain("tje0")
    checked = 0
    with server.client("tje0") as c:
        for path, item in doc["paths"].items():
            if path.startswith(AGENT):
                continue
            documented = {verb.upper() for verb in item}
            allow = documented | ({"HEAD"} if "GET" in documented else set())
            for verb in VERBS:
                if verb in documented:
                    continue
                url = (path.replace("{id}", str(appointment_id)).replace("{eventName}", "window.closed")
                       .replace("{primaryKey}", "5"))
                r = c.request(verb, url, headers={"Accept-Language": "nb"})
                assert r.status_code == 405, (verb, path, r.status_code, r.text)
                assert set(r.headers["Allow"].split(", ")) == allow, (verb, path, r.headers["Allow"])
                assert r.json()["ErrorType"] == "MethodNotAllowedException" and r.json()["Error"] is True
                assert r.headers["Content-Language"] == "nb"
                checked += 1
    assert checked >= 25


def test_a_get_of_an_agent_method_is_405_allowing_post(server: LiveServer) -> None:
    with server.client("tje0") as c:
        r = c.get(AGENT + "Accept")
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.json()["ErrorType"] == "MethodNotAllowedException"


def test_docs_page_puts_authentication_first_with_a_working_curl_example(server: LiveServer) -> None:
    with server.client() as c:
        page = c.get("/api/docs").text
    assert page.index('id="authentication"') < page.index("<h2>Operations</h2>")
    assert "-u tje0:Tje0" in page and '{"AppointmentId": 685, "UpdateMode": "OnlyThis"}' in page
    assert 'name="viewport"' in page and "@media (max-width" in page
