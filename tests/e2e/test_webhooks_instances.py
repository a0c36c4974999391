"""Two server instances on one database share the webhook work: each event is delivered exactly once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_metrics import scrape
from tests.e2e.test_webhooks_events import book, register, rows_of
from tests.e2e.webhook_support import WEBHOOK_ENV as _ENV
from tests.e2e.webhook_support import Receiver, receiving
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

BOOKINGS = 12


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def test_two_instances_on_one_database_deliver_every_event_once(backend: str, tmp_path: Path,
                                                                receiver: Receiver) -> None:
    with fresh_database(backend, tmp_path) as url:
        # Both poll as often as they can, so they race for the same journal rows and the same messages.
        env = {**_ENV, "SODIARY_OUTBOX_POLL_SECONDS": "0.05"}
        first = LiveServer(url, tmp_path / "first.log", env=env).start()
        second = LiveServer(url, tmp_path / "second.log", env=env, demo=False).start()
        seed = Seeder(url)
        try:
            with first.client("ada") as a, second.client("ada") as b:
                register(a, receiver, Events=["activity.created", "activity.changed"])
                tje0 = seed.user_id("tje0")
                mothers = [book(a if i % 2 else b, tje0) for i in range(BOOKINGS)]
            expected = {row for m in mothers for row in rows_of(seed, m)}
            assert len(expected) == 2 * BOOKINGS
            receiver.wait_for(lambda got: expected <= {r.json["PrimaryKey"] for r in got
                                                       if r.event == "activity.created"}, timeout=60)
            # Quiet for a few polls of both: a second delivery would have come by now.
            time.sleep(1.0)
            created = [r.json for r in receiver.events("activity.created")]
            per_row = Counter(c["PrimaryKey"] for c in created)
            assert {row: n for row, n in per_row.items() if n != 1} == {}, "some row's event came twice"
            assert set(per_row) == expected
            assert len({c["EventId"] for c in created}) == len(created)
            with first.client("ada") as a:
                stats = a.get("/api/v1/Webhook").json()[0]
            assert (stats["TotalCalls"], stats["TotalErrors"]) == (len(created), 0)
            # Each instance counts its own calls: together they made one per row (the test events are not counted).
            sent = ("sodiary_outbox_deliveries_total", frozenset({"kind": "webhook", "outcome": "sent"}.items()))
            assert scrape(first).get(sent, 0.0) + scrape(second).get(sent, 0.0) == 2 * BOOKINGS
        finally:
            seed.close()
            second.stop()
            first.stop()
