"""SQLite group commit: many units of work, one durable commit.

SQLite has one writer. Units of work run one after another on the event loop's thread, each in
its own SAVEPOINT of the open transaction: a statement on pages already in memory takes
microseconds, less than handing the unit to another thread and back would. The COMMIT, where the
fsync happens, runs on a thread; units that arrive meanwhile wait for the next transaction, so
one fsync covers everything that arrived during the previous one. A caller hears of its unit's
success only once that commit is durable. A unit that fails rolls back to its savepoint and is
answered at once: it wrote nothing.

Several server processes may share the file. Their transactions take turns under a flock on a
sidecar file, which wakes the next writer the moment the previous one has committed (SQLite's own
busy handler sleeps and polls). WAL checkpoints run on their own connection and thread.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine, RootTransaction

log = logging.getLogger(__name__)
R = TypeVar("R")

CHECKPOINT_SECONDS = 0.5


class WriterLock:
    """An exclusive flock shared by every process writing the same SQLite file."""

    def __init__(self, path: str | None) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path else None

    @classmethod
    def for_engine(cls, engine: Engine) -> WriterLock:
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls(None)
        return cls(database + "-writer-lock")

    def try_acquire(self) -> bool:
        if self._fd is None:
            return True
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class GroupCommit:
    """One SQLite connection; units of work on the loop, commits on a thread, one transaction at a time."""

    def __init__(self, engine: Engine) -> None:
        self._conn = engine.connect()
        raw = self._conn.connection.dbapi_connection
        assert raw is not None
        self._raw = raw
        self._lock = WriterLock.for_engine(engine)
        self._committer = ThreadPoolExecutor(1, thread_name_prefix="sodiary-commit")
        self._waiting: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Future[None] | None = None
        self._checkpointer = Checkpointer(engine)

    async def run(self, work: Callable[[Connection], R]) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        if self._flusher is None:
            self._flusher = asyncio.ensure_future(self._flush())
        return await future

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        try:
            await asyncio.sleep(0)  # every unit already scheduled on the loop joins the first batch
            while self._waiting:
                if not self._lock.try_acquire():  # another process is writing: wait off the loop
                    await loop.run_in_executor(self._committer, self._lock.acquire)
                batch, self._waiting = self._waiting, []
                try:
                    tx = self._conn.begin()  # BEGIN IMMEDIATE
                except Exception as exc:
                    self._lock.release()
                    _settle([(f, _Failed(exc)) for _, f in batch])
                    continue
                outcomes = self._run_units(batch)
                try:
                    await loop.run_in_executor(self._committer, self._finish, tx)
                except Exception as exc:
                    log.exception("group commit failed")
                    outcomes = [(f, o if isinstance(o, _Failed) else _Failed(exc)) for f, o in outcomes]
                # Only now, successes and failures alike: every call returns after its transaction ended.
                _settle(outcomes)
                batch = []
        except BaseException as exc:  # cancelled with the loop: nobody may wait forever
            _settle([(f, _Failed(exc)) for _, f in batch + self._waiting])
            self._waiting = []
            raise
        finally:
            self._flusher = None

    def _run_units(
        self, batch: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]]
    ) -> list[tuple[asyncio.Future[Any], Any]]:
        """Each unit in its own savepoint: a failure rolls back only its own writes."""
        raw, conn = self._raw, self._conn
        outcomes: list[tuple[asyncio.Future[Any], Any]] = []
        for work, future in batch:
            if future.done():  # its caller went away before it ran
                continue
            raw.execute("SAVEPOINT unit")
            try:
                outcomes.append((future, work(conn)))
            except BaseException as exc:  # the unit's own failure, for its caller
                raw.execute("ROLLBACK TO unit")
                outcomes.append((future, _Failed(exc)))
            raw.execute("RELEASE unit")
        return outcomes

    def _finish(self, tx: RootTransaction) -> None:
        try:
            try:
                tx.commit()
            except BaseException:
                if tx.is_active:
                    tx.rollback()
                raise
        finally:
            self._lock.release()

    def close(self) -> None:
        self._committer.shutdown(wait=True)
        self._conn.close()
        self._lock.close()
        self._checkpointer.stop()


class _Failed:
    """An outcome that is an exception to raise, not a result to return."""

    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _settle(outcomes: Iterable[tuple[asyncio.Future[Any], Any]]) -> None:
    for future, outcome in outcomes:
        if future.done():
            continue
        if isinstance(outcome, _Failed):
            future.set_exception(outcome.exc)
        else:
            future.set_result(outcome)


class Checkpointer:
    """WAL checkpoints on a second connection and thread, never inside a group commit.

    A checkpoint copies pages into the database file and fsyncs it: inside a commit it would stall
    every unit of that batch. PASSIVE never waits for a writer; the writer's connection never
    checkpoints by itself (wal_autocheckpoint=0).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sodiary-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        with self._engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                try:
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except Exception:  # a busy database: the next round tries again
                    log.debug("checkpoint skipped", exc_info=True)
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
