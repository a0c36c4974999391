"""The service tier: use cases run in-process on a temporary SQLite `Database`, no HTTP in between.

Each test gets a migrated database with the demo data. `run(db, coroutine_function)` starts the database's
writer on a fresh event loop, awaits the use case and stops the writer again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from sodiary.service import demo
from sodiary.service.context import Caller
from sodiary.store.database import Database
from sodiary.store.migrate import upgrade
from sodiary.store.schema import answer_history, appointment

T = TypeVar("T")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'service.db'}")
    upgrade(database.engine)
    try:
        yield database
    finally:
        database.engine.dispose()


@pytest.fixture
def diary(db: Database) -> demo.Demo:
    return db.run_sync(demo.load)


def run(db: Database, use_case: Callable[[], Awaitable[T]]) -> T:
    async def scenario() -> T:
        db.start()
        try:
            return await use_case()
        finally:
            stop_group(db)

    return asyncio.run(scenario())


def stop_group(db: Database) -> None:
    """Stop the writer but keep the engine, so the test can read what was committed."""
    group = db._group  # noqa: SLF001 - the test owns this Database
    if group is not None:
        group.close()
        db._group = None  # noqa: SLF001


def caller(diary: demo.Demo, name: str) -> Caller:
    return Caller(diary.users[name], name, "Basic")


def row(db: Database, appointment_id: int) -> dict[str, Any]:
    def read(conn: Any) -> dict[str, Any]:
        found = conn.execute(select(appointment).where(appointment.c.appointment_id == appointment_id)).mappings()
        return dict(found.one())

    return db.run_sync(read)


def history(db: Database, appointment_id: int) -> list[dict[str, Any]]:
    def read(conn: Any) -> list[dict[str, Any]]:
        q = select(answer_history).where(answer_history.c.appointment_id == appointment_id)
        return [dict(r) for r in conn.execute(q.order_by(answer_history.c.answer_id)).mappings()]

    return db.run_sync(read)


def children_of(db: Database, mother_id: int, associate_id: int) -> list[int]:
    """The associate's invitation rows of every occurrence of the series `mother_id` belongs to, in date order."""

    def read(conn: Any) -> list[int]:
        a = appointment.c
        rule = conn.execute(select(a.recurrence_rule_id).where(a.appointment_id == mother_id)).scalar_one()
        q = select(a.appointment_id).where(a.recurrence_rule_id == rule, a.associate_id == associate_id,
                                           a.mother_id != a.appointment_id).order_by(a.start_date)
        return [r[0] for r in conn.execute(q)]

    return db.run_sync(read)
