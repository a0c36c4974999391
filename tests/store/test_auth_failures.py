"""The failed-login throttle's memory in the database: what it counts, what it forgets, and that a
slot is taken atomically, so concurrent attempts (also from two processes' worth of connections)
cannot exceed the limit."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sodiary.service.throttle import Slot, Throttle, address_subject, user_subject
from sodiary.store import auth_failures
from sodiary.store.database import Database
from sodiary.store.schema import auth_failure


def rows(db: Database) -> int:
    return int(db.run_sync(lambda conn: conn.execute(select(func.count()).select_from(auth_failure)).scalar_one()))


def test_attempts_come_back_per_subject_oldest_first_and_only_within_the_window(db: Database) -> None:
    db.run_sync(lambda conn: auth_failures.add(conn, ["a", "b"], at=10.0))
    db.run_sync(lambda conn: auth_failures.add(conn, ["a"], at=5.0))
    found = db.run_sync(lambda conn: auth_failures.since(conn, ["a", "b", "c"], start=4.0))
    assert found == {"a": [5.0, 10.0], "b": [10.0]}
    assert db.run_sync(lambda conn: auth_failures.since(conn, ["a"], start=5.0)) == {"a": [10.0]}


def test_a_reservation_forgets_every_failure_older_than_the_window(db: Database) -> None:
    throttle = Throttle(db, window=60, per_user=2, per_address=5)
    db.run_sync(lambda conn: auth_failures.add(conn, ["x", "y"], at=1.0))
    slot = db.run_sync(lambda conn: throttle.reserve_in(conn, 100.0, "192.0.2.1"))
    assert slot.wait == 0 and len(slot.ids) == 1
    assert rows(db) == 1


def test_the_attempt_after_the_limit_is_refused_until_the_oldest_counted_one_is_a_window_old(db: Database) -> None:
    throttle = Throttle(db, window=60, per_user=2, per_address=5)

    async def go() -> list[Slot]:
        return [await throttle.reserve(now, "192.0.2.1", "ben") for now in (1.0, 2.0, 3.0)]

    first, second, third = asyncio.run(go())
    assert (first.wait, second.wait) == (0, 0)
    assert (third.wait, third.limited, third.ids) == (58, "user", ())
    assert rows(db) == 4  # two attempts, each counted for the name and the address; the refused one for none


def test_a_success_gives_back_its_slot_and_forgets_the_names_failures_but_not_the_addresses(db: Database) -> None:
    throttle = Throttle(db, window=60, per_user=2, per_address=5)

    async def go() -> tuple[int, int]:
        await throttle.reserve(1.0, "192.0.2.1", "Tje0")  # failed: its rows stay
        attempt = await throttle.reserve(2.0, "192.0.2.1", "tje0")
        locked = (await throttle.reserve(3.0, "192.0.2.9", "tje0")).wait
        await throttle.release(attempt, "TJE0")
        return locked, (await throttle.reserve(3.0, "192.0.2.9", "tje0")).wait

    assert asyncio.run(go()) == (58, 0)
    left = db.run_sync(lambda conn: auth_failures.since(
        conn, [address_subject("192.0.2.1"), user_subject("tje0")], start=0.0))
    assert left == {address_subject("192.0.2.1"): [1.0], user_subject("tje0"): [3.0]}


def test_two_hundred_concurrent_attempts_through_two_engines_admit_exactly_the_limit(db: Database) -> None:
    # A second Database on the same database is a second process's engine: its own connections
    # (PostgreSQL) or its own writer taking turns on the file (SQLite).
    other = Database(db.url, pool_size=4)
    other.start()
    try:
        per_user = Throttle(db, window=60, per_user=10, per_address=1000)
        per_user_there = Throttle(other, window=60, per_user=10, per_address=1000)
        per_address = Throttle(db, window=60, per_user=1000, per_address=50)
        per_address_there = Throttle(other, window=60, per_user=1000, per_address=50)

        async def go() -> tuple[list[Slot], list[Slot]]:
            guesses = [(per_user if n % 2 else per_user_there).reserve(100.0, f"198.51.100.{n}", "ben")
                       for n in range(200)]
            names = [(per_address if n % 2 else per_address_there).reserve(100.0, "203.0.113.7", f"name{n}")
                     for n in range(200)]
            return list(await asyncio.gather(*guesses)), list(await asyncio.gather(*names))

        one_user, one_address = asyncio.run(go())
    finally:
        other.stop()
    assert sum(1 for s in one_user if not s.wait) == 10
    assert {s.limited for s in one_user if s.wait} == {"user"}
    assert sum(1 for s in one_address if not s.wait) == 50
    assert {s.limited for s in one_address if s.wait} == {"address"}
