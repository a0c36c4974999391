"""The page under a tenant prefix (`/{tenant}/`, SODIARY_TENANT): its assets and API calls keep the prefix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.databases import fresh_database
from tests.support.server import LiveServer
from tests.web.pages import sign_in, wait_settled

TENANT = "Cust12345"


@pytest.fixture
def tenant_server(tmp_path: Path) -> Iterator[LiveServer]:
    with fresh_database("sqlite", tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", env={"SODIARY_TENANT": TENANT}).start()
        try:
            yield live
        finally:
            live.stop()


def test_under_a_tenant_prefix_every_request_of_the_page_keeps_the_prefix(
    browser: Browser, tenant_server: LiveServer
) -> None:
    context = browser.new_context(timezone_id="Europe/Oslo", locale="en-GB")
    page = context.new_page()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{tenant_server.url}/{TENANT}")  # the bare prefix leads to the page
    assert page.url == f"{tenant_server.url}/{TENANT}/"
    expect(page.locator("body")).to_have_attribute("data-ready", "signin")
    sign_in(page, "ben")
    card = page.locator("li.invitation", has_text="Project kick-off")
    card.get_by_role("button", name="Accept").click()
    wait_settled(page)
    expect(page.get_by_role("status")).to_have_text("Accepted.")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("body")).to_have_attribute("data-ready", "signin")

    assert page.evaluate("getComputedStyle(document.querySelector('.top')).display") == "flex"  # app.css applied
    kinds = {url.removeprefix(f"{tenant_server.url}/{TENANT}/").split("?")[0] for url in asked}
    assert {"web/app.css", "web/app.js", "api/v1/Sodiary/Session", "api/v1/Agents/Appointment/Accept"} <= kinds
    outside = [url for url in asked if not url.startswith(f"{tenant_server.url}/{TENANT}/")
               and url != f"{tenant_server.url}/{TENANT}"]
    assert outside == []
    with tenant_server.client("ben") as ben:
        answered = ben.post("/api/v1/Agents/Appointment/GetAppointment", params={"appointmentId": 686})
    assert answered.json()["InvitationStatus"] == "Accepted"
    context.close()


def test_another_tenants_page_is_not_found(tenant_server: LiveServer) -> None:
    with httpx.Client(base_url=tenant_server.url) as client:
        assert client.get(f"/{TENANT.lower()}/").status_code == 200  # tenants match in any casing
        assert client.get("/Cust99999/").status_code == 404
        assert client.get("/Cust99999/web/app.js").status_code == 404
        assert client.get(f"/{TENANT}/web/app.js").headers["content-type"].startswith("text/javascript")
