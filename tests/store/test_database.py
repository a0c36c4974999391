"""Units of work: each commits or fails alone, in groups on SQLite, with retries on PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Connection

from sodiary.domain.audit import Stamp
from sodiary.domain.booking import Operation, change_for
from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import RecurrenceUpdateMode
from sodiary.domain.errors import ConcurrentChange
from sodiary.store import bookings, group_commit
from sodiary.store.database import Database, retryable
from sodiary.store.group_commit import WriterLock
from sodiary.store.migrate import upgrade
from sodiary.store.schema import contact


def add_contact(name: str, fail: bool = False):  # type: ignore[no-untyped-def]
    def work(conn: Connection) -> int:
        conn.execute(insert(contact).values(name=name))
        if fail:
            raise ValueError(name)
        return 1

    return work


def names(db: Database) -> list[str]:
    return sorted(db.run_sync(lambda conn: [r[0] for r in conn.execute(select(contact.c.name))]))


def test_a_failing_unit_rolls_back_alone_among_many(db: Database) -> None:
    async def go() -> list[object]:
        works = [add_contact(f"c{i}", fail=(i % 3 == 0)) for i in range(30)]
        return await asyncio.gather(*(db.transaction(w) for w in works), return_exceptions=True)

    results = asyncio.run(go())
    assert [isinstance(r, ValueError) for r in results] == [i % 3 == 0 for i in range(30)]
    assert names(db) == sorted(f"c{i}" for i in range(30) if i % 3)


def test_results_come_back_to_their_callers(db: Database) -> None:
    async def go() -> list[int]:
        def count_after_insert(i: int):  # type: ignore[no-untyped-def]
            def work(conn: Connection) -> int:
                conn.execute(insert(contact).values(name=f"n{i}"))
                return i

            return work

        return list(await asyncio.gather(*(db.transaction(count_after_insert(i)) for i in range(50))))

    assert asyncio.run(go()) == list(range(50))
    assert db.run_sync(lambda conn: conn.execute(select(func.count()).select_from(contact)).scalar_one()) == 50


def test_a_lone_failing_unit_changes_nothing(db: Database) -> None:
    with pytest.raises(ValueError):
        asyncio.run(db.transaction(add_contact("x", fail=True)))
    assert names(db) == []


def test_concurrent_answers_to_one_row_are_written_once(db: Database, backend: str) -> None:
    """Two invitees' processes racing on the same row: the status guard lets one write, the other re-reads."""
    from sodiary.service import demo

    loaded = db.run_sync(demo.load)
    child = 685
    tje0 = loaded.users["tje0"]

    def accept(conn: Connection) -> bool:
        row = bookings.get_row(conn, child)
        assert row is not None
        change = change_for(Operation.ACCEPT, row)
        if change.is_noop:
            return False
        stamp = Stamp(tje0, "test", "", row.start or demo.utc_now(), "Accept", RecurrenceUpdateMode.OnlyThis)
        bookings.write_changes(conn, [change], stamp)
        return True

    async def go() -> list[bool]:
        return list(await asyncio.gather(*(db.transaction(accept) for _ in range(8))))

    results = asyncio.run(go())
    assert results.count(True) == 1
    history = db.run_sync(lambda conn: conn.exec_driver_sql(
        "SELECT count(*) FROM answer_history WHERE appointment_id = 685").scalar_one())
    assert history == 1


def test_a_stale_write_is_detected(db: Database) -> None:
    from sodiary.service import demo

    db.run_sync(demo.load)

    def stale(conn: Connection) -> None:
        row = bookings.get_row(conn, 685)
        assert row is not None
        stamp = Stamp(1, "test", "", demo.utc_now(), "Accept", RecurrenceUpdateMode.OnlyThis)
        bookings.write_changes(conn, [change_for(Operation.ACCEPT, row)], stamp)
        # Planned from the old status again: the guard must refuse.
        bookings.write_changes(conn, [change_for(Operation.REJECT, row)], replace(stamp, operation="Reject"))

    with pytest.raises(ConcurrentChange):
        db.run_sync(stale)
    assert db.run_sync(lambda conn: bookings.get_row(conn, 685)).status == S.Booking  # type: ignore[union-attr]


# ---- SQLite: group commit and several processes on one file ---------------------------------------


def sqlite_database(path: Path) -> Database:
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    database.start()
    return database


def test_a_failing_unit_does_not_keep_the_write_lock(tmp_path: Path) -> None:
    """A batch whose only unit failed still ends its transaction: other writers need not wait."""
    db = sqlite_database(tmp_path / "one.db")
    try:
        with pytest.raises(ValueError):
            asyncio.run(db.transaction(add_contact("x", fail=True)))
        other = sqlite3.connect(tmp_path / "one.db", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" at once if the server still held it
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        db.stop()


def test_units_wait_for_their_commit_and_share_it(tmp_path: Path) -> None:
    """Many concurrent units: every caller gets its result, and they share far fewer commits than units."""
    db = sqlite_database(tmp_path / "one.db")
    commits = 0

    def count_commit(_conn: object) -> None:
        nonlocal commits
        commits += 1

    event.listen(db.engine, "commit", count_commit)
    try:
        async def go() -> list[int]:
            return list(await asyncio.gather(*(db.transaction(add_contact(f"c{i}")) for i in range(100))))

        assert asyncio.run(go()) == [1] * 100
        assert names(db) == sorted(f"c{i}" for i in range(100))
        assert 1 <= commits < 100
    finally:
        db.stop()


def test_two_servers_on_one_sqlite_file_take_turns(tmp_path: Path) -> None:
    """Two Databases (as two worker processes would have) writing one file at once: nothing is refused or lost."""
    path = tmp_path / "shared.db"
    first, second = sqlite_database(path), sqlite_database(path)

    def load(db: Database, prefix: str) -> list[int]:
        async def go() -> list[int]:
            return list(await asyncio.gather(*(db.transaction(add_contact(f"{prefix}{i}")) for i in range(300))))

        return asyncio.run(go())

    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(load, (first, second), ("a", "b")))
        assert results == [[1] * 300, [1] * 300]
        assert len(names(first)) == 600
    finally:
        first.stop()
        second.stop()


def test_the_writer_lock_excludes_another_holder(tmp_path: Path) -> None:
    path = str(tmp_path / "x.db-writer-lock")
    one, two = WriterLock(path), WriterLock(path)
    try:
        assert one.try_acquire()
        assert not two.try_acquire()
        one.release()
        assert two.try_acquire()
        two.release()
    finally:
        one.close()
        two.close()


def test_a_unit_is_answered_only_after_the_wal_is_flushed(tmp_path: Path) -> None:
    """Committed is not yet durable: the caller waits for the fdatasync of the WAL that holds its unit.

    (On a slow disk, where the flush runs on its own thread and the loop could answer early.)"""
    db = sqlite_database(tmp_path / "one.db")
    group = db._group  # the writer under test
    assert group is not None
    flushing, release = threading.Event(), threading.Event()
    real_sync = group._wal.sync

    def slow_sync() -> None:
        flushing.set()
        release.wait(10)
        real_sync()

    group._wal.sync = slow_sync  # type: ignore[method-assign]
    group._wal.last_seconds = 1.0  # a slow disk: the flush goes to its thread
    try:
        async def go() -> tuple[bool, list[str], int]:
            call = asyncio.ensure_future(db.transaction(add_contact("durable")))
            while not flushing.is_set():
                await asyncio.sleep(0.01)
            answered_early = call.done()
            committed = names(db)  # another connection already sees it: committed, being flushed
            release.set()
            return answered_early, committed, await call

        answered_early, committed, result = asyncio.run(go())
        assert not answered_early
        assert committed == ["durable"]
        assert result == 1
    finally:
        release.set()
        db.stop()


@pytest.mark.parametrize(("synchronous", "flushes"), [("FULL", True), ("EXTRA", True), ("NORMAL", False)])
def test_the_writer_flushes_the_wal_itself_only_when_durability_is_asked(
    tmp_path: Path, synchronous: str, flushes: bool
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'one.db'}", synchronous=synchronous)
    upgrade(db.engine)
    db.start()
    try:
        group = db._group
        assert group is not None
        assert (group._wal._path is not None) is flushes
        asyncio.run(db.transaction(add_contact("x")))
        assert names(db) == ["x"]
    finally:
        db.stop()


def test_a_serialization_failure_from_the_driver_is_retried(db: Database, backend: str) -> None:
    """The answer path talks to the driver directly: its unwrapped 40001/40P01 must still be retried."""
    import psycopg

    attempts = 0

    def flaky(conn: Connection) -> int:
        nonlocal attempts
        attempts += 1
        conn.execute(insert(contact).values(name=f"try{attempts}"))
        if attempts == 1:
            raise psycopg.errors.SerializationFailure("could not serialize access")
        if attempts == 2:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return attempts

    if backend == "sqlite":  # one writer: nothing to retry, the unit's own failure is its caller's
        with pytest.raises(psycopg.errors.SerializationFailure):
            asyncio.run(db.transaction(flaky))
        assert names(db) == []
        return
    assert asyncio.run(db.transaction(flaky)) == 3
    assert names(db) == ["try3"], "the failed attempts were rolled back"


def test_other_failures_are_not_retried() -> None:
    import psycopg

    assert retryable(ConcurrentChange())
    assert retryable(psycopg.errors.SerializationFailure())
    assert retryable(psycopg.errors.DeadlockDetected())
    assert not retryable(psycopg.errors.UniqueViolation())
    assert not retryable(ValueError("mine"))


def test_a_wal_under_writes_that_never_pause_is_started_over_instead_of_growing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers that never leave the file a quiet moment: the checkpointer finishes its checkpoints under their
    lock, so the WAL is written over from its beginning and stays far smaller than what was written."""
    monkeypatch.setattr(group_commit, "WAL_RESTART_FRAMES", 64)
    monkeypatch.setattr(group_commit, "CHECKPOINT_SECONDS", 0.01)
    path = tmp_path / "busy.db"
    db = sqlite_database(path)
    wal = Path(f"{path}-wal")
    text = "x" * 3000  # most of a 4 KiB page per unit
    written = 4 * 1500 * len(text)

    async def writer(prefix: str) -> None:
        for i in range(1500):
            await db.transaction(add_contact(f"{prefix}{i}{text}"))

    async def go() -> None:
        await asyncio.gather(*(writer(p) for p in "abcd"))

    try:
        asyncio.run(go())
        assert wal.stat().st_size < written / 4, f"the WAL grew to {wal.stat().st_size} bytes of {written} written"
        assert len(names(db)) == 6000
    finally:
        db.stop()
