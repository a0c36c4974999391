"""PostgreSQL group commit: the short units of work that arrive together share one transaction.

Each unit still reads, checks and writes through a plain SQLAlchemy `Connection`, so the service's code
is the same on both engines. Here that Connection sits on psycopg's AsyncConnection (SQLAlchemy's
`psycopg_async` dialect), and the whole batch runs in one greenlet on the event loop: a statement is a
send and an await on the loop, not a hand-off to a pool thread and back, and psycopg prepares the
statements a connection runs repeatedly (its `prepare_threshold`).

A batch is one transaction, one COMMIT with `synchronous_commit` on, and every caller hears back only
after that COMMIT returned, i.e. after the WAL holding its unit was flushed. It runs in one of two ways:

- **Pipelined** (first): the units run one after another, but their writes are not sent when a unit
  makes them. They wait in a queue (driver.py's `Deferral`) and go out in one pipeline with the next
  unit's first read, or with the end of the batch; their row counts are checked when their results come
  back. An answer then costs one wait for the server (its read, carrying the previous unit's writes) and
  no savepoint. A unit that fails before any of its writes were sent (a refused transition, an unknown
  id: the usual failures) fails alone: its queued writes are dropped, nothing of it reached the server.
- **Unit by unit** (when pipelining cannot isolate a failure: an error from the server, a write that
  did not change the row it was planned for, a unit that failed after some of its writes were sent):
  the transaction is rolled back and the batch runs again, each unit in its own SAVEPOINT, so that the
  failing unit rolls back alone. Between two units the RELEASE of one savepoint and the next SAVEPOINT
  travel as one simple query.

While a batch commits, the next one may already run its units on a second connection (a "lane"): the
COMMIT's WAL flush is the longest wait of a batch, and the loop has other requests to serve meanwhile.
At most one batch runs units at a time in a process, so two batches of one process never wait for each
other's locks in a cycle; batches of other processes can, and PostgreSQL then aborts one unit's lock
wait (deadlock_detected), which rolls back to its savepoint and runs again in a later batch.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_only

from . import group_commit
from .driver import DEFERRAL

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
    """Units of work grouped into transactions on psycopg's async connections, on the event loop."""

    def __init__(
        self,
        url: URL,
        *,
        retries: int,
        retryable: Callable[[BaseException], bool],
        unavailable: Callable[[BaseException], bool],
    ) -> None:
        self._url = url.set(drivername="postgresql+psycopg_async")
        self._retries = retries
        self._retryable = retryable
        self._unavailable = unavailable
        self._engine: AsyncEngine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting: list[_Unit] = []
        self._flusher: asyncio.Future[None] | None = None
        self._batches: set[asyncio.Future[None]] = set()

    def _engine_for(self, loop: asyncio.AbstractEventLoop) -> AsyncEngine:
        # An async connection belongs to the loop it was opened on. A server has one loop for its life;
        # a test that runs several loops one after another gets an engine per loop.
        if self._engine is None or self._loop is not loop:
            # No ping on checkout: a connection that died is noticed by the batch's first statement, and
            # the batch runs again on a fresh one (nothing of it was committed).
            self._engine = create_async_engine(self._url, pool_size=LANES, max_overflow=0, pool_pre_ping=False,
                                               hide_parameters=True)
            event.listen(self._engine.sync_engine, "before_cursor_execute", _send_queued_first)
            self._loop = loop
        return self._engine

    async def run(self, work: Callable[[Connection], R]) -> R:
        loop = asyncio.get_running_loop()
        self._engine_for(loop)
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
        assert self._engine is not None
        conn: AsyncConnection | None = None
        try:
            try:
                conn = await self._engine.connect()
                await conn.begin()
                outcomes = await conn.run_sync(_run_pipelined, batch.units)
                if outcomes is None:  # a failure pipelining cannot isolate: again, unit by unit
                    await conn.rollback()
                    await conn.begin()
                    outcomes = await conn.run_sync(_run_units, batch.units)
                batch.outcomes = outcomes
            finally:
                if not ran.done():
                    ran.set_result(None)
            await conn.commit()
        except Exception as exc:
            await self._discard(conn, exc)
            self._batch_failed(batch, exc)
            return
        except BaseException as exc:  # cancelled with the loop: nobody may wait forever
            for unit in batch.units:
                _settle(unit, error=exc)
            raise
        await conn.close()
        if group_commit.observer is not None:
            group_commit.observer.batch(len(batch.outcomes))
        for outcome in batch.outcomes:
            error = outcome.error
            if error is not None and self._retryable(error) and outcome.unit.attempts + 1 < self._retries:
                outcome.unit.attempts += 1
                self._queue(outcome.unit)
            else:
                _settle(outcome.unit, outcome.value, error)

    async def _discard(self, conn: AsyncConnection | None, exc: BaseException) -> None:
        if conn is None:
            return
        try:
            if self._unavailable(exc):
                await conn.invalidate()  # a broken connection never goes back to the pool
            else:
                await conn.rollback()
            await conn.close()
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

    async def close(self) -> None:
        """Wait for the batches in flight, then close the connections."""
        while self._flusher is not None or self._batches:
            await asyncio.gather(*self._batches, *([self._flusher] if self._flusher else []),
                                 return_exceptions=True)
        if self._engine is not None and self._loop is asyncio.get_running_loop():
            await self._engine.dispose()
        self._engine = None


class _Diverged(Exception):
    """A queued write did not change the rows it was planned for."""


class _Pipeline:
    """The Deferral (driver.py) of a pipelined batch: writes queued, sent with the next read."""

    def __init__(self, pg: psycopg.AsyncConnection[Any]) -> None:
        self._pg = pg
        self._writes: list[tuple[str, list[Any]]] = []
        self._unit_start = 0  # the current unit's first queued write
        self.unit_sent = False  # something of the current unit reached the server
        self.broken: BaseException | None = None

    def begin_unit(self) -> None:
        self._unit_start = len(self._writes)
        self.unit_sent = False

    def drop_unit(self) -> bool:
        """Forget the failed current unit's queued writes; False when some of its statements were sent."""
        if self.unit_sent or self.broken is not None:
            return False
        del self._writes[self._unit_start:]
        return True

    def write(self, sql: str, parameters: list[Any]) -> None:
        self._writes.append((sql, parameters))

    def read(self, sql: str, parameters: Any) -> list[Any]:
        rows: list[Any] = await_only(self._send(sql, parameters))
        return rows

    def send_queued(self) -> None:
        if self._writes:
            await_only(self._send(None, None))

    async def _send(self, sql: str | None, parameters: Any) -> list[Any]:
        if self.broken is not None:
            raise _Diverged() from self.broken
        writes, self._writes = self._writes, []
        if len(writes) > self._unit_start:
            self.unit_sent = True
        self._unit_start = 0
        try:
            sent: list[tuple[psycopg.AsyncCursor[Any], int]] = []
            reader = None
            async with self._pg.pipeline():
                for statement, many in writes:
                    cursor = self._pg.cursor()
                    if len(many) == 1:
                        await cursor.execute(statement, many[0])
                    else:
                        await cursor.executemany(statement, many)
                    sent.append((cursor, len(many)))
                if sql is not None:
                    reader = self._pg.cursor()
                    await reader.execute(sql, parameters)
            for cursor, expected in sent:
                if cursor.rowcount != expected:  # every queued write changes one row per parameter set
                    raise _Diverged()
            return await reader.fetchall() if reader is not None else []
        except BaseException as exc:
            self.broken = exc
            raise


def _send_queued_first(conn: Connection, *_args: Any) -> None:
    """A statement through SQLAlchemy in a pipelined batch: the queued writes go first, in order; and the
    unit counts as having sent something (it may be a write that only a savepoint could take back)."""
    pipeline = conn.info.get(DEFERRAL)
    if pipeline is not None:
        pipeline.send_queued()
        pipeline.unit_sent = True


def _run_pipelined(conn: Connection, units: list[_Unit]) -> list[_Outcome] | None:
    """In the batch's greenlet: the units with their writes queued (see the module's docstring); None when
    the batch must run again unit by unit."""
    raw: Any = conn.connection.dbapi_connection
    pipeline = _Pipeline(raw.driver_connection)
    conn.info[DEFERRAL] = pipeline
    outcomes: list[_Outcome] = []
    try:
        for unit in units:
            if unit.future.done():
                continue
            pipeline.begin_unit()
            try:
                value = unit.work(conn)
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
        del conn.info[DEFERRAL]
    return outcomes


def _run_units(conn: Connection, units: list[_Unit]) -> list[_Outcome]:
    """In the batch's greenlet: each unit in its own savepoint. A failure of the connection itself (the
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


def _settle(unit: _Unit, value: Any = None, error: BaseException | None = None) -> None:
    if unit.future.done():
        return
    if error is not None:
        unit.future.set_exception(error)
    else:
        unit.future.set_result(value)
