"""The page's own helpers (GET /api/v1/Sodiary/Me and /Users) are in the OpenAPI document, as they answer."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import httpx
from jsonschema import Draft202012Validator
from playwright.sync_api import Browser

from tests.support.server import LiveServer
from tests.web.pages import open_page, sign_in

HELPERS = {"/api/v1/Sodiary/Me": "MeResult", "/api/v1/Sodiary/Users": "UserRow"}


def documented(server: LiveServer) -> dict[str, Any]:
    return dict(httpx.get(server.url + "/api/openapi.json", timeout=30).json())


def test_what_the_helpers_answer_the_signed_in_page_matches_their_documented_schemas(
    browser: Browser, demo_server: LiveServer
) -> None:
    doc = documented(demo_server)
    page = open_page(browser, demo_server)
    sign_in(page, "ben")
    for path, component in HELPERS.items():
        operation = doc["paths"][path]["get"]
        assert operation["tags"] == ["Web page"]
        assert {"200", "401", "406"} <= set(operation["responses"])
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert component in str(schema)
        assert doc["components"]["schemas"][component]["required"]
        # Asked by the page itself: the browser session's cookie is the only credential.
        answer = page.evaluate("p => fetch(p, {headers: {Accept: 'application/json'}}).then(r => r.json())",
                               path.lstrip("/"))
        Draft202012Validator({**schema, "components": doc["components"]}).validate(answer)
    me = page.evaluate("fetch('api/v1/Sodiary/Me').then(r => r.json())")
    assert me["UserName"] == "ben"


def test_the_helpers_answer_xml_when_asked_and_refuse_what_they_cannot_answer(demo_server: LiveServer) -> None:
    with demo_server.client("ada") as ada:
        me = ada.get("/api/v1/Sodiary/Me", headers={"Accept": "application/xml"})
        users = ada.get("/api/v1/Sodiary/Users", headers={"Accept": "text/xml"})
        refused = ada.get("/api/v1/Sodiary/Users", headers={"Accept": "image/png"})
    assert me.headers["content-type"].startswith("application/xml")
    assert ElementTree.fromstring(me.content).findtext("UserName") == "ada"
    names = [row.findtext("Name") for row in ElementTree.fromstring(users.content).findall("UserRow")]
    assert names == ["ada", "ben", "tje0"]
    assert refused.status_code == 406 and refused.json()["Error"] is True
