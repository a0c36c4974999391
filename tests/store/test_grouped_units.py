"""Short units of work grouped into one transaction (PostgreSQL: pg_group_commit.py; SQLite groups every
unit): each still commits or fails alone, and a unit sees what the units before it in its batch wrote."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from sodiary.domain.audit import Stamp
from sodiary.domain.booking import Operation, change_for
from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import RecurrenceUpdateMode
from sodiary.domain.errors import ConcurrentChange, NotFound
from sodiary.service import demo
from sodiary.store import bookings
from sodiary.store.database import Database
from sodiary.store.schema import answer_history, appointment, contact


def _history_count(db: Database, appointment_id: int) -> int:
    return db.run_sync(lambda conn: conn.execute(
        select(func.count()).select_from(answer_history).where(answer_history.c.appointment_id == appointment_id)
    ).scalar_one())


def _accept(appointment_id: int, actor: int, *, stale: bool = False, refuse: bool = False):  # type: ignore[no-untyped-def]
    """An answer unit on the driver statements; `stale` plans from a status the row does not have,
    `refuse` fails after reading, before writing."""

    def work(conn: Connection) -> bool:
        row = bookings.get_row(conn, appointment_id, lock=True)
        if row is None or refuse:
            raise NotFound("appointment_not_found", appointment_id=appointment_id)
        if stale:
            row = replace(row, status=S.Started)
        change = change_for(Operation.ACCEPT, row)
        if change.is_noop:
            return False
        stamp = Stamp(actor, "test", "", demo.utc_now(), "Accept", RecurrenceUpdateMode.OnlyThis)
        bookings.write_changes(conn, [change], stamp)
        return True

    return work


def _invitations(db: Database, count: int) -> tuple[list[int], int]:
    """`count` bookings by ada, each with tje0 invited: tje0's rows, and tje0's id."""

    def load(conn: Connection) -> tuple[list[int], int]:
        d = demo.load(conn)
        start = demo.utc_now().replace(microsecond=0)
        mothers = [demo.book(conn, d, "ada", ["tje0"], start + timedelta(hours=i + 1), "Batch", "Batch", 0, 0)
                   for i in range(count)]
        tje0 = d.users["tje0"]
        children = [conn.execute(select(appointment.c.appointment_id).where(
            appointment.c.mother_id == m, appointment.c.associate_id == tje0)).scalar_one() for m in mothers]
        return children, tje0

    return db.run_sync(load)


def test_answers_in_one_batch_to_one_row_are_written_once(db: Database) -> None:
    """Every unit after the first sees the first one's write (sent ahead of its own read) and does nothing."""
    (child,), tje0 = _invitations(db, 1)

    async def go() -> list[bool]:
        return list(await asyncio.gather(*(db.transaction(_accept(child, tje0), short=True) for _ in range(8))))

    assert sorted(asyncio.run(go())) == [False] * 7 + [True]
    assert _history_count(db, child) == 1


def test_units_refused_before_writing_fail_alone_and_the_others_commit(db: Database) -> None:
    children, tje0 = _invitations(db, 30)
    refused = set(children[::4])

    async def go() -> list[object]:
        units = [_accept(c, tje0, refuse=c in refused) for c in children]
        return list(await asyncio.gather(*(db.transaction(u, short=True) for u in units), return_exceptions=True))

    results = asyncio.run(go())
    assert [isinstance(r, NotFound) for r in results] == [c in refused for c in children]
    assert [r is True for r in results] == [c not in refused for c in children]
    assert [_history_count(db, c) for c in children] == [0 if c in refused else 1 for c in children]


def test_a_write_that_finds_its_row_changed_fails_alone_and_the_others_commit(db: Database) -> None:
    """A guarded UPDATE planned from a status the row no longer has: the batch runs again unit by unit, the
    stale unit is retried (and, staying stale, fails with ConcurrentChange); nothing of it is written."""
    children, tje0 = _invitations(db, 12)
    stale = children[5]

    async def go() -> list[object]:
        units = [_accept(c, tje0, stale=c == stale) for c in children]
        return list(await asyncio.gather(*(db.transaction(u, short=True) for u in units), return_exceptions=True))

    results = asyncio.run(go())
    assert isinstance(results[5], ConcurrentChange)
    assert [r is True for r in results] == [c != stale for c in children]
    assert [_history_count(db, c) for c in children] == [0 if c == stale else 1 for c in children]


def test_a_unit_failing_after_its_writes_rolls_back_alone(db: Database) -> None:
    def add(name: str, fail: bool):  # type: ignore[no-untyped-def]
        def work(conn: Connection) -> str:
            conn.execute(insert(contact).values(name=name))
            if fail:
                raise ValueError(name)
            return name

        return work

    async def go() -> list[object]:
        units = [add(f"c{i}", i % 3 == 0) for i in range(30)]
        return list(await asyncio.gather(*(db.transaction(u, short=True) for u in units), return_exceptions=True))

    results = asyncio.run(go())
    assert [isinstance(r, ValueError) for r in results] == [i % 3 == 0 for i in range(30)]
    names = db.run_sync(lambda conn: sorted(r[0] for r in conn.execute(select(contact.c.name))))
    assert names == sorted(f"c{i}" for i in range(30) if i % 3)


def test_a_statement_the_database_refuses_fails_its_unit_alone(db: Database) -> None:
    """A duplicate key in one unit (an error from the server, which aborts the transaction) rolls back to
    that unit's savepoint; the units around it commit."""

    def add(contact_id: int, name: str):  # type: ignore[no-untyped-def]
        def work(conn: Connection) -> str:
            conn.execute(insert(contact).values(contact_id=contact_id, name=name))
            return name

        return work

    async def go() -> list[object]:
        units = [add(1000 + i, f"k{i}") for i in range(10)] + [add(1003, "duplicate")]
        return list(await asyncio.gather(*(db.transaction(u, short=True) for u in units), return_exceptions=True))

    results = asyncio.run(go())
    assert results[:10] == [f"k{i}" for i in range(10)]
    assert isinstance(results[10], Exception)
    names = db.run_sync(lambda conn: sorted(r[0] for r in conn.execute(select(contact.c.name))))
    assert names == sorted(f"k{i}" for i in range(10))


def test_a_refused_statement_early_in_a_batch_leaves_the_units_after_it_to_commit(db: Database) -> None:
    """The duplicate key comes third of twelve, while the nine after it are still held at their first statement
    (PostgreSQL: each in its greenlet): they are given up, and run again unit by unit with the others."""

    def add(contact_id: int, name: str):  # type: ignore[no-untyped-def]
        def work(conn: Connection) -> str:
            conn.execute(insert(contact).values(contact_id=contact_id, name=name))
            return name

        return work

    async def go() -> list[object]:
        units = [add(2000 + i, f"h{i}") for i in range(2)] + [add(2000, "duplicate")]
        units += [add(2100 + i, f"t{i}") for i in range(9)]
        return list(await asyncio.gather(*(db.transaction(u, short=True) for u in units), return_exceptions=True))

    results = asyncio.run(go())
    assert isinstance(results[2], Exception)
    assert [r for i, r in enumerate(results) if i != 2] == ["h0", "h1"] + [f"t{i}" for i in range(9)]
    names = db.run_sync(lambda conn: sorted(r[0] for r in conn.execute(select(contact.c.name))))
    assert names == sorted(["h0", "h1"] + [f"t{i}" for i in range(9)])
