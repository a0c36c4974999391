"""The credential cache's re-check against the database, with the requests of one credential arriving together."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, update

from sodiary.service import demo
from sodiary.service.context import Caller
from sodiary.store import associates
from sodiary.store.database import Database
from sodiary.store.schema import associate
from sodiary.wire.auth.schemes import CredentialCache

from .conftest import run

CONCURRENT = 20


def _count_version_lookups(db: Database) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "credential_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    return seen


def _stale_entry(db: Database, diary: demo.Demo) -> tuple[CredentialCache, bytes]:
    """tje0's credential as cached now, due for its re-check at every recall."""
    state = db.run_sync(lambda conn: associates.credential_version(conn, diary.users["tje0"]))
    assert state is not None
    cache = CredentialCache("secret", ttl=300, recheck=0)
    key = cache.key("basic:tje0")
    cache.put(key, Caller(diary.users["tje0"], "tje0", "Basic"), version=state[0])
    return cache, key


def test_requests_of_one_credential_arriving_together_share_one_database_look(db: Database, diary: demo.Demo) -> None:
    cache, key = _stale_entry(db, diary)
    lookups = _count_version_lookups(db)

    async def together() -> list[tuple[Caller | None, bool]]:
        return await asyncio.gather(*(cache.recall(key, db) for _ in range(CONCURRENT)))

    answers = run(db, together)
    assert [caller.name if caller else None for caller, _stale in answers] == ["tje0"] * CONCURRENT
    assert len(lookups) == 1


def test_a_credential_changed_meanwhile_is_refused_to_every_request_waiting_for_the_look(
        db: Database, diary: demo.Demo) -> None:
    cache, key = _stale_entry(db, diary)
    db.run_sync(lambda conn: conn.execute(update(associate).where(associate.c.name == "tje0")
                                          .values(credential_version=associate.c.credential_version + 1)))

    async def together() -> list[tuple[Caller | None, bool]]:
        return await asyncio.gather(*(cache.recall(key, db) for _ in range(CONCURRENT)))

    answers = run(db, together)
    assert answers == [(None, True)] * CONCURRENT
    assert cache.get(key) is None


def test_a_later_request_looks_again_once_the_shared_look_is_over(db: Database, diary: demo.Demo) -> None:
    cache, key = _stale_entry(db, diary)
    lookups = _count_version_lookups(db)

    async def one_after_another() -> None:
        await cache.recall(key, db)
        await cache.recall(key, db)

    run(db, one_after_another)
    assert len(lookups) == 2
