"""Answers that arrive together share a batch: on PostgreSQL their rows are read in one query and their changes
written in one statement (store/pg_group_commit.py); each answer is still decided by the domain's transition
table on its own, a refused one fails alone, the others commit in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import RecurrenceUpdateMode
from sodiary.domain.errors import Conflict
from sodiary.service import answers, demo
from sodiary.service.context import Caller
from sodiary.store import group_commit
from sodiary.store.database import Database
from sodiary.store.migrate import upgrade
from sodiary.store.schema import answer_history, appointment
from tests.support.databases import fresh_database

ONLY = RecurrenceUpdateMode.OnlyThis


class _Batches:
    """The group commit's observer: the size of every batch committed."""

    def __init__(self) -> None:
        self.sizes: list[int] = []

    def batch(self, units: int) -> None:
        self.sizes.append(units)

    def flushed(self, seconds: float) -> None:
        pass


@pytest.fixture
def batches() -> Iterator[_Batches]:
    seen = _Batches()
    group_commit.observer = seen
    try:
        yield seen
    finally:
        group_commit.observer = None


def _invitations(db: Database, count: int) -> tuple[list[int], int, int]:
    """`count` bookings by ada, each with tje0 and ben invited: tje0's rows, tje0's id and ben's id."""

    def load(conn: Connection) -> tuple[list[int], int, int]:
        d = demo.load(conn)
        start = demo.utc_now().replace(microsecond=0)
        mothers = [demo.book(conn, d, "ada", ["tje0", "ben"], start + timedelta(hours=i + 1), "Batch", "Batch", 0, 0)
                   for i in range(count)]
        tje0 = d.users["tje0"]
        children = [conn.execute(select(appointment.c.appointment_id).where(
            appointment.c.mother_id == m, appointment.c.associate_id == tje0)).scalar_one() for m in mothers]
        return children, tje0, d.users["ben"]

    return db.run_sync(load)


def _status(db: Database, appointment_id: int) -> S:
    return S(db.run_sync(lambda conn: conn.execute(
        select(appointment.c.status).where(appointment.c.appointment_id == appointment_id)).scalar_one()))


def _history(db: Database, appointment_id: int) -> list[str]:
    return db.run_sync(lambda conn: [r[0] for r in conn.execute(
        select(answer_history.c.operation).where(answer_history.c.appointment_id == appointment_id)
        .order_by(answer_history.c.answer_id))])


def _caller(associate_id: int) -> Caller:
    return Caller(associate_id, "tje0", "Basic")


def test_a_refused_answer_fails_alone_and_the_rest_of_its_batch_commits(db: Database, batches: _Batches) -> None:
    """One invitation of twenty was cancelled by its organiser: the transition table refuses its Accept, the
    nineteen others are accepted and recorded, all twenty having run in one batch."""
    children, tje0, _ = _invitations(db, 20)
    cancelled = children[7]
    db.run_sync(lambda conn: conn.execute(
        update(appointment).where(appointment.c.appointment_id == cancelled).values(status=int(S.BookingDeleted))))

    async def go() -> list[object]:
        return list(await asyncio.gather(*(answers.accept(db, _caller(tje0), c, ONLY) for c in children),
                                         return_exceptions=True))

    results = asyncio.run(go())
    assert isinstance(results[7], Conflict)
    assert [r is None for r in results] == [c != cancelled for c in children]
    assert batches.sizes == [20]
    assert [_status(db, c) for c in children] == [S.BookingDeleted if c == cancelled else S.NotStarted
                                                  for c in children]
    assert [_history(db, c) for c in children] == [[] if c == cancelled else ["Accept"] for c in children]


def test_accepts_rejects_and_repeats_in_one_batch_each_see_the_ones_before_them(db: Database) -> None:
    """Accepts and Rejects of different invitations, and the same invitation answered twice, in one batch:
    the second answer to a row sees the first one's change (the row read ahead is read again), every change
    is recorded once and each decline counted once on its booking."""
    children, tje0, _ = _invitations(db, 12)
    plan = [(c, "reject" if i % 3 == 0 else "accept") for i, c in enumerate(children)]
    plan += [(children[0], "accept"), (children[1], "reject"), (children[2], "accept")]

    async def go() -> list[object]:
        caller = _caller(tje0)
        calls = [answers.reject(db, caller, c, ONLY, "busy") if op == "reject" else answers.accept(db, caller, c, ONLY)
                 for c, op in plan]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    results = asyncio.run(go())
    assert results == [None] * len(plan)
    expected = {c: ["Reject" if i % 3 == 0 else "Accept"] for i, c in enumerate(children)}
    expected[children[0]].append("Accept")
    expected[children[1]].append("Reject")
    assert [_history(db, c) for c in children] == [expected[c] for c in children]
    assert [_status(db, c) for c in children] == [
        S.BookingDeclined if expected[c][-1] == "Reject" else S.NotStarted for c in children]
    counters = db.run_sync(lambda conn: conn.execute(
        select(func.sum(appointment.c.reject_counter)).where(appointment.c.mother_id == appointment.c.appointment_id,
                                                             appointment.c.title == "Batch")).scalar_one())
    assert counters == 5  # children 0, 3, 6, 9 declined, then child 1


def test_two_instances_answering_the_same_invitations_at_once_record_each_once(backend: str, tmp_path: Path) -> None:
    """Two Databases on one database (as two sodiary instances): both answer the same thirty invitations in
    batches at the same moment; each invitation is accepted and recorded once."""
    with fresh_database(backend, tmp_path) as url:
        first, second = Database(url, pool_size=2), Database(url, pool_size=2)
        upgrade(first.engine)
        first.start()
        second.start()
        try:
            children, tje0, _ = _invitations(first, 30)

            async def go() -> list[object]:
                caller = _caller(tje0)
                calls = [answers.accept(db, caller, c, ONLY) for c in children for db in (first, second)]
                return list(await asyncio.gather(*calls, return_exceptions=True))

            assert asyncio.run(go()) == [None] * 60
            assert [_history(first, c) for c in children] == [["Accept"]] * 30
            assert {_status(first, c) for c in children} == {S.NotStarted}
        finally:
            second.stop()
            first.stop()


def test_a_batch_records_each_answer_text_and_time_exactly_as_given(db: Database, batches: _Batches) -> None:
    """Twenty Accepts in one batch from a caller whose application name has quotes, a backslash and non-ASCII
    letters (the batch's writes travel as one JSON parameter on PostgreSQL): every audit row keeps that name
    byte for byte, and the time stamped on the row is the audit row's, naive UTC, not shifted."""
    children, tje0, _ = _invitations(db, 20)
    app = 'Kalender "Ünïcødé" \\ app, {1,2}'
    caller = Caller(tje0, "tje0", "Basic", app)
    before = demo.utc_now().replace(microsecond=0)

    async def go() -> None:
        await asyncio.gather(*(answers.accept(db, caller, c, ONLY) for c in children))

    asyncio.run(go())
    after = demo.utc_now()
    assert batches.sizes == [20]
    rows = db.run_sync(lambda conn: conn.execute(
        select(answer_history.c.app, answer_history.c.answered_at, appointment.c.updated)
        .join(appointment, appointment.c.appointment_id == answer_history.c.appointment_id)
        .where(answer_history.c.appointment_id.in_(children))).all())
    assert len(rows) == 20
    assert {r.app for r in rows} == {app}
    assert all(r.answered_at == r.updated and before <= r.answered_at <= after for r in rows)
