"""A webhook may ask for the Standard Webhooks headers too (off by default): id, timestamp, signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_webhooks_events import book, register, start
from tests.e2e.webhook_support import SECRET, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.seed import Seeder


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def test_a_webhook_asking_for_standard_webhooks_gets_headers_a_receiver_can_verify_and_others_do_not(
        database: str, tmp_path: Path, receiver: Receiver) -> None:
    server = start(database, tmp_path)
    seed = Seeder(database)
    try:
        with server.client("ada") as ada:
            register(ada, receiver, Name="Standard", Events=["activity.created"],
                     Properties={"StandardWebhooks": True})
            register(ada, receiver, Name="Plain", Events=["activity.created"])
            book(ada, seed.user_id("tje0"))
        got = receiver.wait_for(lambda g: {r.json["WebhookName"] for r in g if r.event == "activity.created"}
                                >= {"Standard", "Plain"})
        standard = [r for r in got if r.event == "activity.created" and r.json["WebhookName"] == "Standard"]
        plain = [r for r in got if r.event == "activity.created" and r.json["WebhookName"] == "Plain"]
        for r in standard:
            mid, stamp = r.headers["webhook-id"], r.headers["webhook-timestamp"]
            assert mid == r.json["EventId"] and abs(int(stamp) - time.time()) < 300
            mac = hmac.new(SECRET.encode(), f"{mid}.{stamp}.".encode() + r.body, hashlib.sha256).digest()
            assert r.headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
            assert "StandardWebhooks" not in r.json and r.signed_with(SECRET)
        assert plain and all("webhook-signature" not in r.headers for r in plain)
    finally:
        seed.close()
        server.stop()
