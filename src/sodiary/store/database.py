"""The one way in and out of the database: units of work run on worker threads.

SQLite allows one writer. Every unit of work therefore runs on a single thread that holds
one connection, and the writer commits in groups: it takes every unit already waiting,
runs each inside its own SAVEPOINT in one `BEGIN IMMEDIATE` transaction, commits (one
fsync for the lot) and only then answers each caller. A unit that fails rolls back to its
savepoint and leaves the others alone.

PostgreSQL serves several processes; there each unit of work runs in its own transaction
on a pooled connection and is retried when a concurrent change was detected.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from ..domain.errors import ConcurrentChange

log = logging.getLogger(__name__)
R = TypeVar("R")
Work = Callable[[Connection], R]

MAX_BATCH = 256
CHECKPOINT_SECONDS = 0.5
PG_RETRIES = 8


def normalise_url(url: str) -> URL:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, synchronous: str = "FULL", pool_size: int = 8) -> Engine:
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA wal_autocheckpoint=0")  # see _GroupCommitWriter._checkpoint
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            # Take the write lock up front: no deadlock-prone upgrade from a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=0, pool_pre_ping=True)


class Database:
    """Runs units of work (plain functions of a Connection) off the event loop."""

    def __init__(self, url: str, *, synchronous: str = "FULL", pool_size: int = 8) -> None:
        self.url = url
        self.engine = make_engine(url, synchronous=synchronous, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.pool_size = pool_size
        self._writer: _GroupCommitWriter | None = None
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        if self.is_sqlite:
            self._writer = _GroupCommitWriter(self.engine)
        else:
            self._pool = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="sodiary-db")

    def stop(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.engine.dispose()

    async def transaction(self, work: Work[R]) -> R:
        """Run `work` in a transaction; its return value once the transaction is durable."""
        return await asyncio.wrap_future(self.submit(work))

    def submit(self, work: Work[R]) -> Future[R]:
        if self._writer is not None:
            return self._writer.submit(work)
        if self._pool is None:
            raise RuntimeError("database not started")
        return self._pool.submit(self._run_with_retries, work)

    def run_sync(self, work: Work[R]) -> R:
        """For the CLI and tests: one transaction, on the calling thread."""
        with self.engine.begin() as conn:
            return work(conn)

    def _run_with_retries(self, work: Work[R]) -> R:
        for attempt in range(PG_RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except ConcurrentChange:
                if attempt == PG_RETRIES - 1:
                    raise
            except OperationalError as exc:
                # serialization_failure / deadlock_detected: PostgreSQL asks us to try again.
                if _sqlstate(exc) not in ("40001", "40P01") or attempt == PG_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(getattr(exc, "orig", None), "sqlstate", None)


class _GroupCommitWriter:
    """One thread, one SQLite connection, many units of work per commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[tuple[Callable[[Connection], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="sodiary-writer", daemon=True)
        self._thread.start()
        # WAL checkpoints copy pages into the database file and fsync it: done inside a commit they stall every
        # answer in that batch. A second connection checkpoints in the background instead (PASSIVE: never
        # waits for the writer), and the writer's connection never checkpoints by itself.
        self._stopping = threading.Event()
        self._checkpointer = threading.Thread(target=self._checkpoint, name="sodiary-checkpoint", daemon=True)
        self._checkpointer.start()

    def submit(self, work: Work[R]) -> Future[R]:
        future: Future[R] = Future()
        self._queue.put((work, future))
        return future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)
        self._stopping.set()
        self._checkpointer.join(timeout=30)

    def _checkpoint(self) -> None:
        with self._engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                try:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except Exception:  # a busy database: the next round tries again
                    log.debug("checkpoint skipped", exc_info=True)
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _run(self) -> None:
        conn = self._engine.connect()
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    return
                batch = [first]
                stopping = False
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                self._commit_batch(conn, batch)
                if stopping:
                    return
        finally:
            conn.close()

    def _commit_batch(self, conn: Connection, batch: list[tuple[Callable[[Connection], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        shared = len(batch) > 1
        try:
            with conn.begin():
                # Savepoints straight on the driver: SQLAlchemy's begin_nested() costs more than a whole answer.
                raw = conn.connection.dbapi_connection if shared else None
                for work, future in batch:
                    if not future.set_running_or_notify_cancel():
                        continue
                    if raw is not None:
                        raw.execute("SAVEPOINT unit")
                    try:
                        result = work(conn)
                    except BaseException as exc:  # the unit's own failure, reported to its caller
                        if raw is None:
                            raise _SoleFailure(exc) from exc
                        raw.execute("ROLLBACK TO unit")
                        raw.execute("RELEASE unit")
                        outcomes.append((future, False, exc))
                    else:
                        if raw is not None:
                            raw.execute("RELEASE unit")
                        outcomes.append((future, True, result))
        except _SoleFailure as failure:
            outcomes = [(batch[0][1], False, failure.exc)]
        except BaseException as exc:
            log.exception("group commit failed")
            for _work, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        # Acknowledge only now: every result below is durable.
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


class _SoleFailure(Exception):
    def __init__(self, exc: BaseException) -> None:
        super().__init__(repr(exc))
        self.exc = exc
