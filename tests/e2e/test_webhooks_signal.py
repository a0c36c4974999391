"""Custom events (WebhookAgent.SignalEvent, REST POST /api/v1/Webhook/{eventName}/{primaryKey}) and REST PATCH."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.webhook_support import SECRET, WEBHOOK_ENV, Receiver, receiving

AGENT = "/api/v1/Agents/Webhook"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return WEBHOOK_ENV


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def register(client: httpx.Client, receiver: Receiver, events: list[str], **extra: object) -> dict[str, object]:
    body = {"Name": "Custom", "Events": events, "TargetUrl": receiver.url, "Secret": SECRET, "State": "Active",
            **extra}
    r = client.post(f"{AGENT}/SaveWebhook", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_signal_event_reaches_every_webhook_listening_for_it_signed_with_its_data(ada: httpx.Client) -> None:
    listening, other = Receiver().start(), Receiver().start()
    try:
        hook = register(ada, listening, ["window.closed"], Properties={"Tenant": "t1"})
        register(ada, other, ["button.clicked"])
        r = ada.post(f"{AGENT}/SignalEvent", json={"EventName": "window.closed", "PrimaryKey": 612,
                                                   "Data": {"windowName": "foo", "widgets": 123}})
        assert r.status_code == 204, r.text
        [event] = listening.wait_for(lambda got: any(e.event == "window.closed" for e in got))[1:]
        body = event.json
        assert event.signed_with(SECRET)
        assert event.headers["x-superoffice-event"] == "window.closed"
        assert event.headers["x-superoffice-eventid"] == body["EventId"]
        assert (body["Entity"], body["PrimaryKey"], body["WebhookId"]) == ("window", 612, hook["WebhookId"])
        assert body["FieldValues"] == {"windowName": "foo", "widgets": 123}
        assert body["Changes"] == []
        assert body["Tenant"] == "t1"
        assert [e.event for e in other.events()] == ["test"]
    finally:
        listening.stop()
        other.stop()


def test_rest_signal_event_takes_the_event_and_key_from_the_path_and_the_data_from_the_body(
        ada: httpx.Client, receiver: Receiver) -> None:
    register(ada, receiver, ["button.clicked"])
    r = ada.post("/api/v1/Webhook/button.clicked/0", json={"button": "save"})
    assert r.status_code == 204, r.text
    got = receiver.wait_for(lambda got: any(e.event == "button.clicked" for e in got))
    [event] = [e.json for e in got if e.event == "button.clicked"]
    assert (event["PrimaryKey"], event["FieldValues"]) == (0, {"button": "save"})


@pytest.mark.parametrize("name", ["closed", "window.", "activity.changed", "test", "webhook7.errors", "a b.c"])
def test_an_event_name_that_is_not_a_custom_entity_verb_is_refused_and_nothing_is_sent(
        ada: httpx.Client, receiver: Receiver, name: str) -> None:
    register(ada, receiver, ["*"])
    r = ada.post(f"{AGENT}/SignalEvent", json={"EventName": name, "PrimaryKey": 1})
    assert r.status_code == 400, r.text
    assert "entity.verb" in r.text or "server itself" in r.text
    assert [e.event for e in receiver.events()] == ["test"]


def test_only_webhook_administrators_may_signal_events(ben: httpx.Client) -> None:
    r = ben.post(f"{AGENT}/SignalEvent", json={"EventName": "window.closed", "PrimaryKey": 1})
    assert r.status_code == 403, r.text
    assert ben.post("/api/v1/Webhook/window.closed/1", json={}).status_code == 403


def test_rest_signal_event_refuses_data_that_is_not_an_object(ada: httpx.Client) -> None:
    r = ada.post("/api/v1/Webhook/window.closed/1", json=[1, 2])
    assert r.status_code == 400, r.text


def test_a_json_patch_renames_a_webhook_and_keeps_the_rest(ada: httpx.Client, receiver: Receiver) -> None:
    hook = register(ada, receiver, ["activity.created"], Headers={"X-Mine": "yes"})
    url = f"/api/v1/Webhook/{hook['WebhookId']}"
    r = ada.patch(url, json=[{"op": "replace", "path": "/name", "value": "Renamed"},
                             {"op": "add", "path": "Events/-", "value": "activity.deleted"}])
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["Name"] == "Renamed"
    assert patched["Events"] == ["activity.created", "activity.deleted"]
    assert (patched["TargetUrl"], patched["Headers"], patched["Secret"]) == (receiver.url, {"X-Mine": "yes"}, SECRET)
    assert patched["_Links"]["Self"].endswith(url)
    assert ada.get(url).json()["Name"] == "Renamed"


def test_a_merge_patch_that_stops_a_webhook_makes_no_test_call(ada: httpx.Client, receiver: Receiver) -> None:
    hook = register(ada, receiver, ["activity.created"])
    r = ada.patch(f"/api/v1/Webhook/{hook['WebhookId']}", json={"State": "Stopped"},
                  headers={"Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text
    assert r.json()["State"] == "Stopped"
    assert len(receiver.events("test")) == 1  # the one at registration


def test_a_failing_patch_test_operation_answers_409_and_changes_nothing(ada: httpx.Client,
                                                                       receiver: Receiver) -> None:
    hook = register(ada, receiver, ["activity.created"])
    url = f"/api/v1/Webhook/{hook['WebhookId']}"
    r = ada.patch(url, json=[{"op": "test", "path": "/Name", "value": "Someone else"},
                             {"op": "replace", "path": "/Name", "value": "Never"}])
    assert r.status_code == 409, r.text
    assert ada.get(url).json()["Name"] == "Custom"


def test_patching_an_unknown_webhook_answers_404(ada: httpx.Client) -> None:
    r = ada.patch("/api/v1/Webhook/999999", json=[{"op": "replace", "path": "/Name", "value": "x"}])
    assert r.status_code == 404, r.text


def test_a_patch_that_empties_the_events_is_refused(ada: httpx.Client, receiver: Receiver) -> None:
    hook = register(ada, receiver, ["activity.created"])
    r = ada.patch(f"/api/v1/Webhook/{hook['WebhookId']}", json={"Events": None})
    assert r.status_code == 400, r.text
    assert ada.get(f"/api/v1/Webhook/{hook['WebhookId']}").json()["Events"] == ["activity.created"]
