"""`/{tenant}/api/v1/…` (SuperOffice Online's `Cust12345`, onsite's `SuperOffice`) reaches this installation."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.client.test_official_client import CLIENT_DIR, node  # noqa: F401  (the fixture)
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"


@pytest.fixture(scope="module")
def one_tenant(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        live = LiveServer(url, tmp_path_factory.mktemp("log") / "server.log", env={"SODIARY_TENANT": "Cust12345"})
        live.start()
        try:
            yield live
        finally:
            live.stop()


def test_an_accept_under_an_online_tenant_prefix_answers_204(tje0: httpx.Client, seed: Seeder) -> None:
    invitation = seed.booking().children["tje0"]
    assert tje0.post("/Cust12345" + ACCEPT, json={"AppointmentId": invitation}).status_code == 204


def test_the_tenant_prefix_and_the_agent_path_match_in_any_casing(tje0: httpx.Client, seed: Seeder) -> None:
    invitation = seed.booking().children["tje0"]
    response = tje0.post("/superoffice/API/v1/agents/appointment/accept", json={"AppointmentId": invitation})
    assert response.status_code == 204


def test_a_rest_read_under_the_onsite_prefix_links_back_under_the_same_prefix(ada: httpx.Client) -> None:
    response = ada.get("/SuperOffice/api/v1/Appointment/684")
    assert response.status_code == 200, response.text
    assert response.json()["_Links"]["Self"].endswith("/SuperOffice/api/v1/Appointment/684")


def test_the_openapi_document_is_served_under_a_tenant_prefix_too(server: LiveServer) -> None:
    assert httpx.get(server.url + "/Cust1/api/openapi.json", timeout=10).status_code == 200


def test_two_path_segments_before_api_are_not_a_tenant(tje0: httpx.Client) -> None:
    response = tje0.post("/a/b" + ACCEPT, json={"AppointmentId": 685})
    assert response.status_code == 404
    assert response.json()["ErrorType"] == "SoNotFoundException"


def test_a_configured_tenant_is_accepted_in_any_casing(one_tenant: LiveServer) -> None:
    with one_tenant.client("tje0") as client:
        assert client.post("/CUST12345" + ACCEPT, json={"AppointmentId": 685}).status_code == 204


def test_another_tenant_than_the_configured_one_is_not_found(one_tenant: LiveServer) -> None:
    with one_tenant.client("tje0") as client:
        response = client.post("/Cust99999" + ACCEPT, json={"AppointmentId": 685})
    assert response.status_code == 404
    assert response.json()["ErrorType"] == "SoNotFoundException"


def test_the_official_client_accepts_through_a_tenant_base_url(
    node: str,  # noqa: F811
    fresh_server: LiveServer,
) -> None:
    proc = subprocess.run([node, "run.mjs", "accept"], cwd=CLIENT_DIR, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, TZ="UTC", BASE_URL=fresh_server.url + "/Cust12345/"))
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}\n{fresh_server.log()}"
    result = json.loads(proc.stdout)
    assert result["ok"] is True and result["baseUrl"].endswith("/Cust12345/")
    assert '"path":"/Cust12345/api/v1/Agents/Appointment/Accept"' in fresh_server.log()
