"""Webhook deliveries in GET /metrics: counted by outcome under kind=webhook, the outbox depth by kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_metrics import scrape
from tests.e2e.test_webhooks_events import book, register, rows_of
from tests.e2e.test_workers import _wait_for
from tests.e2e.webhook_support import WEBHOOK_ENV, Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def _delivered(outcome: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return ("sodiary_outbox_deliveries_total", frozenset({"kind": "webhook", "outcome": outcome}.items()))


def _depth(status: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return ("sodiary_outbox_messages", frozenset({"kind": "webhook", "status": status}.items()))


def test_webhook_deliveries_are_counted_by_outcome_and_the_webhook_outbox_depth_reported(
        backend: str, tmp_path: Path, receiver: Receiver) -> None:
    with fresh_database(backend, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", env=WEBHOOK_ENV).start()
        seed = Seeder(url)
        try:
            # The webhook kind is reported before any webhook exists (once the delivery worker first counts).
            assert _wait_for(lambda: scrape(server).get(_depth("pending")) == 0), server.log()
            with server.client("ada") as ada:
                register(ada, receiver, Events=["activity.created"])
                receiver.statuses.append(500)  # the first event fails once, then its retry gets a 200
                rows = rows_of(seed, book(ada, seed.user_id("tje0")))
            assert _wait_for(lambda: scrape(server).get(_delivered("sent")) == len(rows)), server.log()
            samples = scrape(server)
            assert samples[_delivered("retry")] == 1
            assert samples.get(_delivered("failed"), 0.0) == 0
            assert _wait_for(lambda: [scrape(server).get(_depth(s)) for s in ("pending", "sent", "failed")]
                             == [0, len(rows), 0]), server.log()
        finally:
            seed.close()
            server.stop()


def test_events_of_a_deleted_webhook_are_counted_as_discarded_not_sent(
        backend: str, tmp_path: Path, receiver: Receiver) -> None:
    with fresh_database(backend, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", env=WEBHOOK_ENV).start()
        seed = Seeder(url)
        try:
            with server.client("ada") as ada:
                hook = register(ada, receiver, Events=["activity.created"])
                receiver.statuses.extend([500] * 10)  # every row's first attempt fails; its retry waits 1 s
                rows = rows_of(seed, book(ada, seed.user_id("tje0")))
                assert _wait_for(lambda: scrape(server).get(_delivered("retry"), 0) >= len(rows)), server.log()
                r = ada.delete(f"/api/v1/Webhook/{hook['WebhookId']}")
                assert r.status_code == 204, r.text
            assert _wait_for(lambda: scrape(server).get(_delivered("discarded")) == len(rows)), server.log()
            assert scrape(server).get(_delivered("sent"), 0.0) == 0
        finally:
            seed.close()
            server.stop()
