"""The failed-login throttle's memory in the database: what it counts, what it forgets."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sodiary.service.throttle import Throttle, address_subject, user_subject
from sodiary.store import auth_failures
from sodiary.store.database import Database
from sodiary.store.schema import auth_failure


def rows(db: Database) -> int:
    return int(db.run_sync(lambda conn: conn.execute(select(func.count()).select_from(auth_failure)).scalar_one()))


def test_failures_come_back_per_subject_oldest_first_and_only_within_the_window(db: Database) -> None:
    db.run_sync(lambda conn: auth_failures.record(conn, ["a", "b"], at=10.0, forget_before=0.0))
    db.run_sync(lambda conn: auth_failures.record(conn, ["a"], at=5.0, forget_before=0.0))
    found = db.run_sync(lambda conn: auth_failures.since(conn, ["a", "b", "c"], start=4.0))
    assert found == {"a": [5.0, 10.0], "b": [10.0]}
    assert db.run_sync(lambda conn: auth_failures.since(conn, ["a"], start=5.0)) == {"a": [10.0]}


def test_recording_a_failure_forgets_every_failure_older_than_the_window(db: Database) -> None:
    db.run_sync(lambda conn: auth_failures.record(conn, ["a", "b"], at=1.0, forget_before=0.0))
    db.run_sync(lambda conn: auth_failures.record(conn, ["c"], at=100.0, forget_before=40.0))
    assert rows(db) == 1


def test_a_success_forgets_the_names_failures_but_not_the_addresses(db: Database) -> None:
    throttle = Throttle(db, window=60, per_user=2, per_address=5)

    async def go() -> tuple[int, int]:
        for now in (1.0, 2.0):
            await throttle.failed(now, "192.0.2.1", "Tje0")
        locked = await throttle.retry_after(3.0, "192.0.2.9", "tje0")
        await throttle.succeeded("TJE0")
        return locked, await throttle.retry_after(3.0, "192.0.2.9", "tje0")

    assert asyncio.run(go()) == (58, 0)
    left = db.run_sync(lambda conn: auth_failures.since(conn, [address_subject("192.0.2.1"), user_subject("tje0")],
                                                        start=0.0))
    assert list(left) == [address_subject("192.0.2.1")]
