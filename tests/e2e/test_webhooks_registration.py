"""Registering webhooks through SuperOffice's WebhookAgent and REST /api/v1/Webhook (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.webhook_support import SECRET, WEBHOOK_ENV, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Webhook"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return WEBHOOK_ENV


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def definition(receiver: Receiver, name: str = "Integration", **extra: object) -> dict[str, object]:
    return {"Name": name, "Events": ["activity.created", "activity.changed", "activity.deleted"],
            "TargetUrl": receiver.url, "Secret": SECRET, "State": "Active", "Type": "webhook", **extra}


def test_create_default_webhook_answers_an_active_unsaved_definition(ada: httpx.Client) -> None:
    r = ada.post(f"{AGENT}/CreateDefaultWebhook")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["WebhookId"] == 0
    assert body["State"] == "Active"
    assert body["Type"] == "webhook"
    assert body["Events"] == ["contact.created", "contact.deleted"]


def test_saving_a_webhook_sends_the_signed_test_event_and_stores_it(ada: httpx.Client, receiver: Receiver) -> None:
    r = ada.post(f"{AGENT}/SaveWebhook", json=definition(receiver, Headers={"X-Mine": "yes"}))
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["WebhookId"] > 0
    assert saved["TotalCalls"] == 0
    [test] = receiver.events("test")
    assert test.headers["x-hook-test"] == "true"
    assert test.headers["x-superoffice-event"] == "test"
    assert test.headers["x-superoffice-eventid"] == test.json["EventId"]
    assert test.headers["x-mine"] == "yes"
    assert test.signed_with(SECRET)
    assert test.json["WebhookName"] == "Integration"
    got = ada.post(f"{AGENT}/GetWebhook", params={"webhookId": saved["WebhookId"]})
    assert got.json()["TargetUrl"] == receiver.url
    assert got.json()["Headers"] == {"X-Mine": "yes"}


def test_a_target_that_does_not_answer_200_to_the_test_event_is_refused_and_nothing_is_stored(
        ada: httpx.Client) -> None:
    for failing in receiving([500]):
        before = ada.post(f"{AGENT}/GetAllWebhooks", json={"NameFilter": "refused-one"}).json()
        r = ada.post(f"{AGENT}/SaveWebhook", json=definition(failing, "refused-one"))
        assert r.status_code == 400, r.text
        assert "200" in r.json()["Message"]
        assert ada.post(f"{AGENT}/GetAllWebhooks", json={"NameFilter": "refused-one"}).json() == before


def test_an_http_target_is_refused_unless_allowed(database_url: str, tmp_path: Path) -> None:
    env = dict(WEBHOOK_ENV, SODIARY_WEBHOOK_ALLOW_HTTP="false")
    strict = LiveServer(database_url, tmp_path / "server.log", env=env, demo=False).start()
    try:
        with strict.client("ada") as client:
            for receiver in receiving():
                r = client.post(f"{AGENT}/SaveWebhook", json=definition(receiver))
                assert r.status_code == 400, r.text
                assert "must be secure" in r.json()["Message"]
                assert receiver.events() == []
    finally:
        strict.stop()


def test_a_loopback_target_is_refused_unless_private_targets_are_allowed(database_url: str, tmp_path: Path) -> None:
    env = dict(WEBHOOK_ENV, SODIARY_WEBHOOK_ALLOW_PRIVATE="false")
    strict = LiveServer(database_url, tmp_path / "server.log", env=env, demo=False).start()
    try:
        with strict.client("ada") as client:
            for receiver in receiving():
                r = client.post(f"{AGENT}/SaveWebhook", json=definition(receiver))
                assert r.status_code == 400, r.text
                assert "loopback" in r.json()["Message"]
                assert receiver.events() == []
    finally:
        strict.stop()


def test_a_user_who_is_not_an_administrator_may_not_register_or_list_webhooks(ben: httpx.Client,
                                                                               receiver: Receiver) -> None:
    r = ben.post(f"{AGENT}/SaveWebhook", json=definition(receiver))
    assert r.status_code == 403, r.text
    assert ben.post(f"{AGENT}/GetAllWebhooks", json={}).status_code == 403
    assert ben.get("/api/v1/Webhook").status_code == 403
    assert receiver.events() == []


def test_get_all_webhooks_filters_by_name_event_and_state(ada: httpx.Client, receiver: Receiver) -> None:
    a = ada.post(f"{AGENT}/SaveWebhook", json=definition(receiver, "filter-alpha")).json()
    b = ada.post(f"{AGENT}/SaveWebhook", json=definition(receiver, "filter-beta", Events=["contact.created"],
                                                         State="Stopped")).json()

    def names(**filters: str) -> set[str]:
        r = ada.post(f"{AGENT}/GetAllWebhooks", json=filters)
        assert r.status_code == 200, r.text
        return {w["Name"] for w in r.json() if w["Name"].startswith("filter-")}

    assert names() == {"filter-alpha", "filter-beta"}
    assert names(NameFilter="alpha") == {"filter-alpha"}
    assert names(EventFilter="contact.created") == {"filter-beta"}
    assert names(StatusFilter="Stopped") == {"filter-beta"}
    assert names(StatusFilter="Active") == {"filter-alpha"}
    rest = ada.get("/api/v1/Webhook", params={"nameFilter": "filter-", "statusFilter": "Active"})
    assert [w["WebhookId"] for w in rest.json()] == [a["WebhookId"]]
    assert b["State"] == "Stopped"


def test_rest_creates_reads_replaces_and_deletes_a_webhook(ada: httpx.Client, receiver: Receiver) -> None:
    created = ada.post("/api/v1/Webhook", json=definition(receiver, "rest-one"))
    assert created.status_code == 200, created.text
    webhook_id = created.json()["WebhookId"]
    assert created.json()["_Links"]["Self"].endswith(f"/api/v1/Webhook/{webhook_id}")
    assert ada.get(f"/api/v1/Webhook/{webhook_id}").json()["Name"] == "rest-one"
    replaced = ada.put(f"/api/v1/Webhook/{webhook_id}", json=definition(receiver, "rest-renamed", State="Stopped"))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["Name"] == "rest-renamed"
    assert ada.get(f"/api/v1/Webhook/{webhook_id}/LastError").json() == ""
    assert ada.delete(f"/api/v1/Webhook/{webhook_id}").status_code == 204
    gone = ada.get(f"/api/v1/Webhook/{webhook_id}")
    assert gone.status_code == 404
    assert gone.json()["ErrorType"] == "SoNotFoundException"
    assert ada.post(f"{AGENT}/GetWebhook", params={"webhookId": webhook_id}).json() is None


def test_delete_webhook_by_agent_removes_it(ada: httpx.Client, receiver: Receiver) -> None:
    saved = ada.post(f"{AGENT}/SaveWebhook", json=definition(receiver, "agent-delete")).json()
    r = ada.post(f"{AGENT}/DeleteWebhook", params={"WebhookId": saved["WebhookId"]})
    assert r.status_code == 204, r.text
    assert ada.post(f"{AGENT}/GetWebhook", params={"webhookId": saved["WebhookId"]}).json() is None


def test_test_webhook_reports_the_targets_answer_without_storing_anything(ada: httpx.Client) -> None:
    for failing in receiving([503]):
        r = ada.post(f"{AGENT}/TestWebhook", json={"Webhook": definition(failing, "tested")})
        assert r.status_code == 200, r.text
        assert r.json()["Success"] is False
        assert "503" in r.json()["Message"]
        ok = ada.post("/api/v1/Webhook/Test", json=definition(failing, "tested"))
        assert ok.json()["Success"] is True
        assert [e.headers["x-hook-test"] for e in failing.events()] == ["true", "true"]
    assert ada.post(f"{AGENT}/GetAllWebhooks", json={"NameFilter": "tested"}).json() == []


def test_a_webhook_without_events_is_refused(ada: httpx.Client, receiver: Receiver) -> None:
    r = ada.post(f"{AGENT}/SaveWebhook", json=definition(receiver, Events=[]))
    assert r.status_code == 400, r.text
    assert r.json()["ErrorType"] == "InvalidOperationException"


def test_by_default_nobody_is_a_webhook_administrator_not_even_the_demo_user_ada(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log").start()  # --demo, and no SODIARY_WEBHOOK_ADMINS
        try:
            with live.client("ada") as ada:
                r = ada.post(f"{AGENT}/CreateDefaultWebhook")
                assert r.status_code == 403, r.text
                assert r.json()["ErrorType"] == "SoAccessDeniedException"
                assert ada.get("/api/v1/Webhook").status_code == 403
        finally:
            live.stop()
