"""A webhook's own state changes reach the webhooks listening for them: webhook{id}.started|stopped|errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_webhooks_events import AGENT, book, register, start
from tests.e2e.webhook_support import SECRET, Received, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.seed import Seeder


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def state_events(receiver: Receiver, watched: int) -> list[Received]:
    return [r for r in receiver.events() if r.event.startswith("webhook.") and r.json["PrimaryKey"] == watched]


def save_state(client: httpx.Client, hook: dict[str, Any], state: str) -> None:
    r = client.post(f"{AGENT}/Webhook/SaveWebhook", json={**hook, "State": state})
    assert r.status_code == 200, r.text


def test_stopping_and_starting_a_webhook_send_stopped_then_started_to_its_watcher(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    try:
        with server.client("ada") as ada:
            watched = register(ada, receiver, Name="Watched", Events=["activity.created"])
            wid = watched["WebhookId"]
            register(ada, receiver, Name="Watcher", Events=[f"webhook{wid}.started", f"webhook{wid}.stopped"])
            save_state(ada, watched, "Stopped")
            save_state(ada, watched, "Active")
        got = receiver.wait_for(lambda g: len(state_events(receiver, wid)) >= 2)
        events = state_events(receiver, wid)
        # Both saves can fall in one second (the Timestamp's resolution), and delivery is concurrent: no order.
        assert sorted((e.json["Event"], e.json["FieldValues"]["state"]) for e in events) == [
            ("webhook.started", "Active"), ("webhook.stopped", "Stopped")]
        assert all(e.json["Entity"] == "webhook" and e.json["WebhookName"] == "Watcher" and e.signed_with(SECRET)
                   for e in events)
        assert got  # the receiver saw them
    finally:
        server.stop()


def test_a_webhook_stopped_by_a_410_sends_errors_to_its_watcher_and_nothing_to_others(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            watched = register(ada, receiver, Name="Watched", Events=["activity.created"])
            wid = watched["WebhookId"]
            register(ada, receiver, Name="Watcher", Events=[f"webhook{wid}.errors"])
            register(ada, receiver, Name="Bystander", Events=[f"webhook{wid + 100}.errors"])
            receiver.statuses.extend([410])
            book(ada, seed.user_id("tje0"))
        receiver.wait_for(lambda g: len(state_events(receiver, wid)) >= 1, timeout=60)
        [errors] = state_events(receiver, wid)
        assert errors.json["Event"] == "webhook.errors" and errors.json["WebhookName"] == "Watcher"
        assert errors.json["FieldValues"]["state"] == "Stopped"
        assert errors.json["FieldValues"]["events"] == ["activity.created"]
    finally:
        seed.close()
        server.stop()
