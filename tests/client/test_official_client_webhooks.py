"""The official client's WebhookAgent registers, tests, lists and deletes a webhook; a real receiver checks."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.test_official_client import CLIENT_DIR, SERVER_ZONE, headline, node  # noqa: F401 (fixture)
from tests.e2e.webhook_support import WEBHOOK_ENV, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.server import LiveServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


@pytest.fixture
def live(node: str, backend: str, tmp_path: Path) -> Iterator[LiveServer]:  # noqa: F811
    with fresh_database(backend, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", env={**WEBHOOK_ENV, "TZ": SERVER_ZONE}).start()
        try:
            yield server
        finally:
            server.stop()


def test_the_client_registers_tests_lists_signals_and_deletes_a_webhook_whose_events_arrive_signed(
    node: str, live: LiveServer, receiver: Receiver  # noqa: F811
) -> None:
    proc = subprocess.run([node, "run.mjs", "webhooks"], cwd=CLIENT_DIR, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, TZ="Europe/Oslo", BASE_URL=live.url,
                                                RECEIVER_URL=receiver.url))
    report = f"client output:\n{proc.stdout}\n{proc.stderr}\nserver log (tail):\n{live.log()}"
    assert proc.returncode == 0, f"{headline(proc.stdout)}\n{report}"
    summary = json.loads(proc.stdout)["summary"]
    got = receiver.events()
    assert [r.event for r in got if r.event == "test"] == ["test", "test"], "SaveWebhook's and TestWebhook's"
    [custom] = [r for r in got if r.event == "window.closed"]
    assert custom.json["FieldValues"] == {"windowName": "diary"}
    assert custom.json["PrimaryKey"] == 7
    created = [r for r in got if r.event == "activity.created"]
    assert summary["appointmentId"] in {r.json["PrimaryKey"] for r in created}
    assert len(created) == 2
    for r in got:
        assert r.signed_with("client-secret")
        assert r.headers["x-client"] == "official"
        assert r.json["WebhookName"].startswith("Client Europe/Oslo")
        assert r.json["Integration"] == "npm"
