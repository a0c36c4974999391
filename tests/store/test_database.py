"""Units of work: each commits or fails alone, in groups on SQLite, with retries on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from sodiary.domain.booking import Operation, change_for
from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import RecurrenceUpdateMode
from sodiary.domain.errors import ConcurrentChange
from sodiary.store import bookings
from sodiary.store.database import Database
from sodiary.store.migrate import upgrade
from sodiary.store.schema import contact
from tests.support.databases import fresh_database


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(backend, tmp_path) as url:
        database = Database(url, pool_size=4)
        upgrade(database.engine)
        database.start()
        try:
            yield database
        finally:
            database.stop()


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
        bookings.write_changes(conn, [change], actor=tje0, operation="Accept", mode=RecurrenceUpdateMode.OnlyThis,
                               scheme="test", app="", now=row.start or demo.utc_now())
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
        bookings.write_changes(conn, [change_for(Operation.ACCEPT, row)], actor=1, operation="Accept",
                               mode=RecurrenceUpdateMode.OnlyThis, scheme="test", app="", now=demo.utc_now())
        # Planned from the old status again: the guard must refuse.
        bookings.write_changes(conn, [change_for(Operation.REJECT, row)], actor=1, operation="Reject",
                               mode=RecurrenceUpdateMode.OnlyThis, scheme="test", app="", now=demo.utc_now())

    with pytest.raises(ConcurrentChange):
        db.run_sync(stale)
    assert db.run_sync(lambda conn: bookings.get_row(conn, 685)).status == S.Booking  # type: ignore[union-attr]
