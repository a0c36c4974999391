"""PostgreSQL group commit: the short units of work that arrive together share one transaction.

Each unit still reads, checks and writes through a plain SQLAlchemy `Connection`, so the service's code
is the same on both engines. A whole batch runs on one thread of the process's "lanes": one hand-off
from the event loop and back per batch, not one per statement as the pool path pays, and psycopg
prepares the statements a connection runs repeatedly (its `prepare_threshold`); no ping on checkout.

Why a thread and not psycopg's AsyncConnection on the loop (tried first, measured in-process on the same
answers, 64 concurrent callers, this 2-core machine): each statement awaited on the loop cost ~140 µs of
CPU against ~40 µs for the same statement on a blocking connection (psycopg's async wait registers
the socket with the loop and wakes through it for every result), so an answer cost ~310–330 µs on
the loop against ~220 µs on a lane, both with the pipelining below.

A batch is one transaction, one COMMIT with `synchronous_commit` on, and every caller hears back only
after that COMMIT returned, i.e. after the WAL holding its unit was flushed. It runs in one of two ways:

- **Batched and pipelined** (first): every unit runs in a greenlet up to its first statement and is held
  there. The held units' first reads that have a batched form (driver.py: an answer's read of its row)
  go out as one query per statement — `WHERE appointment_id = ANY(…) ORDER BY appointment_id FOR UPDATE`,
  the batch's rows locked in one order. Then the units run to their end one after another, in arrival
  order: a unit's first read is answered from what was read ahead unless a unit before it changed those
  rows (its queued writes name them; a statement that changes rows it cannot name trusts nothing read
  ahead), in which case it is read again after those writes. So each unit sees exactly what it would
  have seen running alone after the ones before it, and its decision is its own (the domain's transition
  table, in its own code). A unit's writes are not sent when it makes them: they wait in a queue
  (driver.py's `Deferral`) and go out in one pipeline with the next read that must reach the server, or
  with the end of the batch, consecutive writes of one statement merged into one execution of its batched
  form (an answer's UPDATE and audit row for the whole batch: one `UPDATE … FROM json_to_recordset(…)` feeding one
  INSERT); their row counts are checked when their results come back. A batch of answers to distinct
  invitations is then two statements and a COMMIT. A unit that fails before any of its writes were sent
  (a refused transition, an unknown id: the usual failures) fails alone: its queued writes are dropped,
  nothing of it reached the server.
- **Unit by unit** (when pipelining cannot isolate a failure: an error from the server, a write that
  did not change the row it was planned for, a unit that failed after some of its writes were sent):
  the transaction is rolled back and the batch runs again, each unit in its own SAVEPOINT, so that the
  failing unit rolls back alone. Between two units the RELEASE of one savepoint and the next SAVEPOINT
  travel as one simple query.

While a batch commits, the next one may already run its units on the second lane (thread and
connection): the COMMIT's WAL flush is the longest wait of a batch.
At most one batch runs units at a time in a process, so two batches of one process never wait for each
other's locks in a cycle; batches of other processes can, and PostgreSQL then aborts one unit's lock
wait (deadlock_detected), which rolls back to its savepoint and runs again in a later batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, TypeVar

import greenlet
import msgspec
import psycopg
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection

from . import group_commit
from .driver import DEFERRAL, Plan

log = logging.getLogger(__name__)
R = TypeVar("R")

LANES = 2  # connections per process: one batch runs its units while the one before it commits


@dataclass(slots=True)
class _Unit:
    work: Callable[[Connection], Any]
    future: asyncio.Future[Any]
    attempts: int = 0


@dataclass(slots=True)
class _Outcome:
    unit: _Unit
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Batch:
    units: list[_Unit]
    outcomes: list[_Outcome] = field(default_factory=list)


class PgGroupCommit:
    """Units of work grouped into transactions, each batch on one lane (a thread and its connection)."""

    def __init__(
        self,
        url: URL,
        *,
        retries: int,
        retryable: Callable[[BaseException], bool],
        unavailable: Callable[[BaseException], bool],
    ) -> None:
        self._url = url.set(drivername="postgresql+psycopg")
        self._retries = retries
        self._retryable = retryable
        self._unavailable = unavailable
        # No ping on checkout: a connection that died is noticed by the batch's first statement, and
        # the batch runs again on a fresh one (nothing of it was committed).
        self._engine = create_engine(self._url, pool_size=LANES, max_overflow=0, pool_pre_ping=False,
                                     hide_parameters=True)
        event.listen(self._engine, "before_cursor_execute", _send_queued_first)
        self._lanes = ThreadPoolExecutor(LANES, thread_name_prefix="sodiary-batch")
        self._waiting: list[_Unit] = []
        self._flusher: asyncio.Future[None] | None = None
        self._batches: set[asyncio.Future[None]] = set()

    async def run(self, work: Callable[[Connection], R]) -> R:
        loop = asyncio.get_running_loop()
        unit = _Unit(work, loop.create_future())
        self._queue(unit)
        result: R = await unit.future
        return result

    def _queue(self, unit: _Unit) -> None:
        self._waiting.append(unit)
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await asyncio.sleep(0)  # every unit already scheduled on the loop joins the first batch
            while self._waiting:
                batch, self._waiting = _Batch(self._waiting), []
                ran: asyncio.Future[None] = loop.create_future()
                task = asyncio.ensure_future(self._run_batch(batch, ran))
                self._batches.add(task)
                task.add_done_callback(self._batches.discard)
                await ran  # its units have run; it commits while the next batch forms and runs
        finally:
            self._flusher = None

    async def _run_batch(self, batch: _Batch, ran: asyncio.Future[None]) -> None:
        loop = asyncio.get_running_loop()

        def units_ran() -> None:
            loop.call_soon_threadsafe(_resolve, ran)

        try:
            error = await loop.run_in_executor(self._lanes, self._batch_on_lane, batch, units_ran)
        except BaseException as exc:  # cancelled with the loop: nobody may wait forever
            _resolve(ran)
            for unit in batch.units:
                _settle(unit, error=exc)
            raise
        if error is not None:
            self._batch_failed(batch, error)
            return
        if group_commit.observer is not None:
            group_commit.observer.batch(len(batch.outcomes))
        for outcome in batch.outcomes:
            failure = outcome.error
            if failure is not None and self._retryable(failure) and outcome.unit.attempts + 1 < self._retries:
                outcome.unit.attempts += 1
                self._queue(outcome.unit)
            else:
                _settle(outcome.unit, outcome.value, failure)

    def _batch_on_lane(self, batch: _Batch, units_ran: Callable[[], None]) -> Exception | None:
        """On a lane's thread: the batch's transaction; the failure that ended it, if one did."""
        conn: Connection | None = None
        try:
            try:
                conn = self._engine.connect()
                conn.begin()
                outcomes = _run_pipelined(conn, batch.units)
                if outcomes is None:  # a failure pipelining cannot isolate: again, unit by unit
                    conn.rollback()
                    conn.begin()
                    outcomes = _run_units(conn, batch.units)
                batch.outcomes = outcomes
            finally:
                units_ran()
            conn.commit()
        except Exception as exc:
            self._discard(conn, exc)
            return exc
        conn.close()
        return None

    def _discard(self, conn: Connection | None, exc: BaseException) -> None:
        if conn is None:
            return
        try:
            if self._unavailable(exc):
                conn.invalidate()  # a broken connection never goes back to the pool
            else:
                conn.rollback()
            conn.close()
        except Exception:  # the connection is gone either way
            log.debug("closing a failed batch's connection", exc_info=True)

    def _batch_failed(self, batch: _Batch, exc: Exception) -> None:
        """The batch's transaction is gone. Before COMMIT was sent nothing of it is in the database, so a lost
        connection runs its units again on a fresh one; a COMMIT that failed has an unknown outcome: its
        callers hear of the failure (an unavailable database: the wire answers 503)."""
        committing = bool(batch.outcomes)
        for unit in batch.units:
            if not committing and self._unavailable(exc) and unit.attempts + 1 < self._retries:
                unit.attempts += 1
                self._queue(unit)
            else:
                if committing:
                    log.error("group commit failed: %s", exc)
                _settle(unit, error=exc)

    async def drain(self) -> None:
        """Wait for the batches in flight (on the loop, before close())."""
        while self._flusher is not None or self._batches:
            await asyncio.gather(*self._batches, *([self._flusher] if self._flusher else []),
                                 return_exceptions=True)

    def close(self) -> None:
        self._lanes.shutdown(wait=True)
        self._engine.dispose()


class _Diverged(Exception):
    """A queued write did not change the rows it was planned for."""


class _Abandoned(Exception):
    """Raised in a unit held at its first statement when its batch gives up before it ran."""


@dataclass(slots=True)
class _Held:
    """A unit's greenlet held at its first statement; `read` when that statement is a read."""

    unit: _Unit
    runner: greenlet.greenlet
    read: tuple[Plan, Any] | None


_OTHER = object()  # a held unit's first statement is not a read
_ABANDON = object()  # resumed with this, a held unit raises _Abandoned


class _Pipeline:
    """The Deferral (driver.py) of a pipelined batch: writes queued and sent with the next read, merged into
    one statement where they can be; and, while `hub` is set, each unit held at its first statement so that
    the batch's first reads go out together."""

    def __init__(self, pg: psycopg.Connection[Any]) -> None:
        self._pg = pg
        self._writes: list[tuple[Plan, list[Mapping[str, Any]]]] = []
        self._unit_start = 0  # the current unit's first queued write
        self.unit_sent = False  # something of the current unit reached the server
        self.broken: BaseException | None = None
        self.hub: greenlet.greenlet | None = None  # while set, a unit's first statement hands over to it
        self.read_ahead: dict[Plan, dict[Any, list[Any]]] = {}  # batched read -> key -> rows
        self.changed: set[Any] = set()  # appointment rows the queued or sent writes changed
        self.opaque = False  # a statement changed rows we cannot name: nothing read ahead is trusted

    def begin_unit(self) -> None:
        self._unit_start = len(self._writes)
        self.unit_sent = False

    def drop_unit(self) -> bool:
        """Forget the failed current unit's queued writes; False when some of its statements were sent."""
        if self.unit_sent or self.broken is not None:
            return False
        del self._writes[self._unit_start:]
        return True

    def hold(self) -> Any:
        """In a unit's greenlet, at its first statement: hand over to the batch until it is the unit's turn."""
        hub, self.hub = self.hub, None
        assert hub is not None
        return hub.switch(_OTHER)

    def write(self, plan: Plan, values: list[Mapping[str, Any]]) -> None:
        if self.hub is not None and self.hold() is _ABANDON:
            raise _Abandoned()
        self._writes.append((plan, values))
        if plan.changes is None:
            self.opaque = True
        else:
            self.changed.update(v[plan.changes] for v in values)

    def read(self, plan: Plan, parameters: Any) -> list[Any]:
        if self.hub is not None:
            hub, self.hub = self.hub, None
            rows = hub.switch((plan, parameters))
            if rows is _ABANDON:
                raise _Abandoned()
            return list(rows)
        return self._send(plan.sql, parameters)

    def read_together(self, held: list[_Held]) -> None:
        """The held units' first reads of one statement with a batched form, as one query per statement (in
        one pipeline); their rows kept for each unit's turn."""
        keys: dict[Plan, set[Any]] = {}
        for h in held:
            if h.read is not None and h.read[0].batched is not None:
                plan, parameters = h.read
                keys.setdefault(plan, set()).add(parameters[plan.key])
        together = [(plan, sorted(k)) for plan, k in keys.items() if len(k) > 1]
        if not together:
            return
        cursors = []
        with self._together(len(together)):
            for plan, ids in together:
                batched = plan.batched
                assert batched is not None
                cursor = self._pg.cursor()
                cursor.execute(batched.sql, batched.parameters({batched.key: ids}))
                cursors.append((plan, ids, cursor))
        for plan, ids, cursor in cursors:
            rows: dict[Any, list[Any]] = {k: [] for k in ids}
            for raw in cursor.fetchall():
                rows[raw[0]].append(raw)
            self.read_ahead[plan] = rows

    def _together(self, statements: int) -> AbstractContextManager[Any]:
        """Several statements in one pipeline: one wait for all of them. One statement alone is sent plainly:
        a pipeline saves waits, not CPU (measured: a lone statement costs more in a pipeline than without)."""
        return self._pg.pipeline() if statements > 1 else nullcontext()

    def first_read(self, plan: Plan, parameters: Any) -> list[Any]:
        """A held unit's first read at its turn: what was read ahead, unless a unit before it changed those
        rows (then read again, after the queued writes)."""
        ahead = self.read_ahead.get(plan)
        key = parameters[plan.key] if ahead is not None else None
        if ahead is not None and key in ahead and not self.opaque and key not in self.changed:
            return ahead[key]
        return self._send(plan.sql, parameters)

    def send_queued(self) -> None:
        if self._writes:
            self._send(None, None)

    def _send(self, sql: str | None, parameters: Any) -> list[Any]:
        if self.broken is not None:
            raise _Diverged() from self.broken
        writes, self._writes = self._writes, []
        if len(writes) > self._unit_start:
            self.unit_sent = True
        self._unit_start = 0
        try:
            sent: list[tuple[psycopg.Cursor[Any], int]] = []
            reader = None
            statements = _merged(writes)
            with self._together(len(statements) + (sql is not None)):
                for statement, many, expected in statements:
                    cursor = self._pg.cursor()
                    if len(many) == 1:
                        cursor.execute(statement, many[0])
                    else:
                        cursor.executemany(statement, many)
                    sent.append((cursor, expected))
                if sql is not None:
                    reader = self._pg.cursor()
                    reader.execute(sql, parameters)
            for cursor, expected in sent:
                if cursor.rowcount != expected:  # every queued write changes one row per parameter set
                    raise _Diverged()
            return reader.fetchall() if reader is not None else []
        except BaseException as exc:
            self.broken = exc
            raise


def _merged(writes: list[tuple[Plan, list[Mapping[str, Any]]]]) -> list[tuple[str, list[Any], int]]:
    """The queued writes as statements to send, in order: consecutive writes of one statement become one
    executemany, or with a merged form one execution of that (the values of every set as one JSON array:
    ints, strings and naive datetimes, which its SQL casts), the rows it changes being distinct — a row named
    twice would be changed once but recorded twice, so a repeated row starts a new statement.
    Each entry: the SQL, its parameter sets (bound), and the number of rows it must change."""
    out: list[tuple[str, list[Any], int]] = []
    run: list[Mapping[str, Any]] = []
    run_plan: Plan | None = None
    seen: set[Any] = set()

    def close() -> None:
        if run_plan is None or not run:
            return
        merged = run_plan.merged
        if merged is None or len(run) == 1:
            out.append((run_plan.sql, [run_plan.parameters(v) for v in run], len(run)))
        else:
            out.append((merged.sql, [{"rows": _JSON.encode(run).decode()}], len(run)))

    for plan, many in writes:
        for parameters in many:
            key = parameters[plan.changes] if plan.changes is not None else None
            if plan is not run_plan or (plan.merged is not None and key in seen):
                close()
                run, run_plan, seen = [], plan, set()
            run.append(parameters)
            if key is not None:
                seen.add(key)
    close()
    return out


_JSON = msgspec.json.Encoder()


def _send_queued_first(conn: Connection, cursor: Any, statement: str, *_args: Any) -> None:
    """A statement through SQLAlchemy in a pipelined batch: the queued writes go first, in order; and the
    unit counts as having sent something (it may be a write that only a savepoint could take back). A
    statement that may change rows we cannot name leaves nothing read ahead trusted."""
    pipeline = conn.info.get(DEFERRAL)
    if pipeline is None:
        return
    if pipeline.hub is not None and pipeline.hold() is _ABANDON:
        raise _Abandoned()
    pipeline.send_queued()
    pipeline.unit_sent = True
    if statement.lstrip()[:6].upper() != "SELECT":
        pipeline.opaque = True


def _run_pipelined(conn: Connection, units: list[_Unit]) -> list[_Outcome] | None:
    """On the batch's lane: the units with their writes queued (see the module's docstring); None when
    the batch must run again unit by unit.

    First every unit runs in a greenlet up to its first statement and is held there; the first reads that
    have a batched form go out as one query per statement (the rows of the whole batch, locked in key
    order). Then the units run to their end one after another, in arrival order, each first read answered
    from what was read ahead unless a unit before it changed those rows: each unit sees what it would have
    seen running alone after the ones before it."""
    driver: Any = conn.connection.driver_connection
    pipeline = _Pipeline(driver)
    conn.info[DEFERRAL] = pipeline
    outcomes: list[_Outcome] = []
    held: list[_Held] = []
    try:
        hub = greenlet.getcurrent()
        ready: list[_Held | _Outcome] = []
        for unit in units:
            if unit.future.done():
                continue
            runner = greenlet.greenlet(unit.work)
            pipeline.hub = hub
            try:
                request = runner.switch(conn)
            except Exception as exc:  # failed before its first statement
                ready.append(_Outcome(unit, error=exc))
                continue
            finally:
                pipeline.hub = None
            if runner.dead:  # done without a statement
                ready.append(_Outcome(unit, request))
                continue
            h = _Held(unit, runner, None if request is _OTHER else request)
            held.append(h)
            ready.append(h)
        pipeline.read_together(held)
        for item in ready:
            if isinstance(item, _Outcome):
                outcomes.append(item)
                continue
            unit = item.unit
            pipeline.begin_unit()
            answer = _OTHER if item.read is None else pipeline.first_read(*item.read)
            try:
                value = item.runner.switch(answer)
            except Exception as exc:
                if not pipeline.drop_unit():
                    return None
                outcomes.append(_Outcome(unit, error=exc))
                continue
            if pipeline.broken is not None:  # the unit caught a failure of the pipeline
                return None
            outcomes.append(_Outcome(unit, value))
        pipeline.send_queued()
    except (psycopg.Error, _Diverged):
        return None
    finally:
        pipeline.hub = None
        if pipeline.broken is None:
            pipeline.broken = _Abandoned()
        for h in held:
            _abandon(h.runner)
        del conn.info[DEFERRAL]
    return outcomes


def _abandon(runner: greenlet.greenlet) -> None:
    """A held unit whose batch gave up: resumed on this thread to raise out of its first statement (a
    greenlet left to the garbage collector would be ended on whichever thread collects it)."""
    while not runner.dead:
        try:
            runner.switch(_ABANDON)
        except Exception:  # the unit's end; it runs again unit by unit
            log.debug("an abandoned unit ended", exc_info=True)


def _run_units(conn: Connection, units: list[_Unit]) -> list[_Outcome]:
    """On the batch's lane: each unit in its own savepoint. A failure of the connection itself (the
    savepoint cannot be rolled back to) ends the batch."""
    cursor: Any = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    outcomes: list[_Outcome] = []
    boundary = "SAVEPOINT unit"
    try:
        for unit in units:
            if unit.future.done():  # its caller went away before it ran
                continue
            cursor.execute(boundary)
            boundary = "RELEASE SAVEPOINT unit; SAVEPOINT unit"
            try:
                outcomes.append(_Outcome(unit, unit.work(conn)))
            except Exception as exc:  # the unit's own failure, for its caller
                cursor.execute("ROLLBACK TO SAVEPOINT unit")
                outcomes.append(_Outcome(unit, error=exc))
    finally:
        cursor.close()
    return outcomes


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _settle(unit: _Unit, value: Any = None, error: BaseException | None = None) -> None:
    if unit.future.done():
        return
    if error is not None:
        unit.future.set_exception(error)
    else:
        unit.future.set_result(value)
