"""The service's conditional writes in process, on a real Database of each engine: the preconditions are
checked in the unit of work that writes, so of two writers holding one version only one writes."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from sodiary.domain.errors import PreconditionFailed
from sodiary.domain.preconditions import Preconditions, parse_tags
from sodiary.service import demo, organiser
from sodiary.service import entities as svc
from sodiary.service.context import Caller
from sodiary.store.database import Database

MOTHER = demo.SAMPLE_MOTHER_ID


def _ada(db: Database) -> Caller:
    loaded = db.run_sync(demo.load)
    return Caller(loaded.users["ada"], "ada", "test")


def _titled(title: str) -> svc.Edit:
    def edit(stored: svc.EntityData) -> svc.SaveInput:
        row = stored.row
        return svc.SaveInput(row.appointment_id, row.start_date, row.end_date, title=title)

    return edit


def _if_match(data: svc.EntityData) -> Preconditions:
    return Preconditions(if_match=parse_tags(str(svc.version_of(data).tag)))


def test_an_edit_holding_a_stale_version_raises_and_writes_nothing(db: Database) -> None:
    ada = _ada(db)
    before = asyncio.run(svc.get_entity(db, ada, MOTHER))
    assert before is not None
    asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("first")))
    with pytest.raises(PreconditionFailed):
        asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("second"), _if_match(before)))
    after = asyncio.run(svc.get_entity(db, ada, MOTHER))
    assert after is not None and after.row.title == "first"


def test_of_two_concurrent_edits_holding_one_version_one_writes(db: Database) -> None:
    ada = _ada(db)

    async def pair(n: int) -> list[object]:
        current = await svc.get_entity(db, ada, MOTHER)
        assert current is not None
        pre = _if_match(current)
        return list(await asyncio.gather(svc.edit_entity(db, ada, MOTHER, _titled(f"left {n}"), pre),
                                         svc.edit_entity(db, ada, MOTHER, _titled(f"right {n}"), pre),
                                         return_exceptions=True))

    async def rounds() -> list[list[object]]:
        return [await pair(n) for n in range(10)]

    for outcome in asyncio.run(rounds()):
        assert sum(isinstance(x, svc.EntityData) for x in outcome) == 1, outcome
        assert sum(isinstance(x, PreconditionFailed) for x in outcome) == 1, outcome


def test_a_save_within_the_second_of_the_last_change_moves_the_modification_second_on(db: Database) -> None:
    ada = _ada(db)
    first = asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("first")))
    second = asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("second")))
    assert svc.version_of(second).modified > svc.version_of(first).modified
    with pytest.raises(PreconditionFailed):
        asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("third"),
                                    Preconditions(unmodified_since=svc.version_of(first).modified)))


def test_the_recurrence_decision_is_asked_of_the_entity_the_save_reads(db: Database) -> None:
    ada = _ada(db)
    asked: list[int] = []

    def unchanged(stored: svc.EntityData) -> None:
        asked.append(stored.row.appointment_id)
        return None

    def edit(stored: svc.EntityData) -> svc.SaveInput:
        return replace(_titled("same series")(stored), series_change=unchanged)

    saved = asyncio.run(svc.edit_entity(db, ada, MOTHER, edit))
    assert asked == [MOTHER]
    assert saved.row.title == "same series"


def test_a_delete_holding_a_stale_version_raises_and_deletes_nothing(db: Database) -> None:
    ada = _ada(db)
    before = asyncio.run(svc.get_entity(db, ada, MOTHER))
    assert before is not None
    asyncio.run(svc.edit_entity(db, ada, MOTHER, _titled("changed")))
    with pytest.raises(PreconditionFailed):
        asyncio.run(organiser.delete_entity(db, ada, MOTHER, _if_match(before)))
    assert asyncio.run(svc.get_entity(db, ada, MOTHER)) is not None
