"""SQLite group commit: many units of work, one durable commit.

SQLite has one writer. Units of work run one after another on the event loop's thread, each in
its own SAVEPOINT of the open transaction: a statement on pages already in memory takes
microseconds, less than handing the unit to another thread and back would. Units that arrive
while a batch runs, or while the write lock is elsewhere, form the next batch.

Durability: with `synchronous=FULL` SQLite would fsync the WAL inside COMMIT, holding the write
lock through the flush. Instead the writer's connection commits at NORMAL (frames written, not
flushed; short enough to run on the loop) and then fdatasyncs the WAL itself, outside the lock —
in place when the disk is fast, on a thread when it is slow — while the next batch may already
run. A caller hears of its unit only once the WAL holding it is on disk: FULL's guarantee, without
FULL's stall. A checkpoint syncs the WAL before copying it at NORMAL too, so no frame reaches the
database file unsynced. Every caller, success or failure, hears back after its transaction ended.

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
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection, Engine, RootTransaction

log = logging.getLogger(__name__)
R = TypeVar("R")


class Observer(Protocol):
    def batch(self, units: int) -> None: ...

    def flushed(self, seconds: float) -> None: ...


observer: Observer | None = None  # set by the server when metrics are on (sodiary.metrics)

CHECKPOINT_SECONDS = 0.5
# A WAL holding more frames than this after a checkpoint is finished under the writers' lock (Checkpointer).
WAL_RESTART_FRAMES = 4096  # 16 MiB of 4 KiB pages
QUICK_FLUSH_SECONDS = 0.0005


def database_file(engine: Engine) -> str | None:
    """The SQLite file's path; None for a private (in-memory) database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


class WriterLock:
    """An exclusive flock shared by every process writing the same SQLite file."""

    def __init__(self, path: str | None) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path else None

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

    @classmethod
    def of(cls, database: str | None) -> WriterLock:
        """The lock of this database file's writers (none for a private database)."""
        return cls(database and database + "-writer-lock")


class WalSync:
    """fdatasync of a WAL file; a no-op without a path.

    One descriptor for the process's life: SQLite removes the WAL only when the last connection to the
    database closes, and the writer's own connection stays open while this exists.
    """

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._fd: int | None = None
        self.last_seconds = 0.0
        self.synced = path is not None  # False: nothing is flushed here, so there is no flush time

    @property
    def quick(self) -> bool:
        """The last flush took less than handing it to a thread and back costs the loop (measured)."""
        return self.last_seconds < QUICK_FLUSH_SECONDS

    def sync(self) -> None:
        if self._path is None:
            return
        began = time.perf_counter()
        if self._fd is None:  # opened at the first flush: the WAL exists once something was committed
            self._fd = os.open(self._path, os.O_RDONLY)
        os.fdatasync(self._fd)
        self.last_seconds = time.perf_counter() - began

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class GroupCommit:
    """One SQLite connection: units of work and commits on the loop, WAL flushes on a thread."""

    def __init__(self, engine: Engine) -> None:
        self._conn = engine.connect()
        raw = self._conn.connection.dbapi_connection
        assert raw is not None
        self._raw = raw
        database = database_file(engine)
        self._lock = WriterLock.of(database)
        self._waiter = ThreadPoolExecutor(1, thread_name_prefix="sodiary-lock")
        self._syncer = ThreadPoolExecutor(1, thread_name_prefix="sodiary-sync")
        # FULL or EXTRA asked for, and a file whose WAL we can flush ourselves: the flush is ours.
        own_flush = database is not None and raw.execute("PRAGMA synchronous").fetchone()[0] >= 2
        if own_flush:
            raw.execute("PRAGMA synchronous=NORMAL")
        self._wal = WalSync(database and database + "-wal" if own_flush else None)
        self._waiting: list[tuple[Callable[[Connection], Any], asyncio.Future[Any]]] = []
        self._flusher: asyncio.Future[None] | None = None
        self._unsynced: list[tuple[asyncio.Future[Any], Any]] = []
        self._syncing: asyncio.Future[None] | None = None
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
                    await loop.run_in_executor(self._waiter, self._lock.acquire)
                batch, self._waiting = self._waiting, []
                try:
                    tx = self._conn.begin()  # BEGIN IMMEDIATE
                except Exception as exc:
                    self._lock.release()
                    _settle([(f, _Failed(exc)) for _, f in batch])
                    continue
                outcomes = self._run_units(batch)
                batch = []
                try:
                    self._commit(tx)  # writes the WAL frames; no flush, so it stays short
                except Exception as exc:
                    log.exception("group commit failed")
                    _settle([(f, o if isinstance(o, _Failed) else _Failed(exc)) for f, o in outcomes])
                    continue
                if observer is not None:
                    observer.batch(len(outcomes))
                self._unsynced.extend(outcomes)
                if self._syncing is None:
                    self._syncing = asyncio.ensure_future(self._sync())
        except BaseException as exc:  # cancelled with the loop: nobody may wait forever
            _settle([(f, _Failed(exc)) for _, f in batch + self._waiting])
            self._waiting = []
            raise
        finally:
            self._flusher = None

    async def _sync(self) -> None:
        """Flush the WAL, then answer every unit committed before the flush began; again while more came."""
        loop = asyncio.get_running_loop()
        outcomes: list[tuple[asyncio.Future[Any], Any]] = []
        try:
            while self._unsynced:
                outcomes, self._unsynced = self._unsynced, []
                try:
                    if self._wal.quick:  # a fast disk: flushing in place beats a thread's round trip
                        self._wal.sync()
                    else:  # a slow one: the loop goes on serving while the thread waits for the disk
                        await loop.run_in_executor(self._syncer, self._wal.sync)
                    if observer is not None and self._wal.synced:
                        observer.flushed(self._wal.last_seconds)
                except Exception as exc:
                    log.exception("WAL flush failed")
                    outcomes = [(f, o if isinstance(o, _Failed) else _Failed(exc)) for f, o in outcomes]
                _settle(outcomes)
                outcomes = []
        except BaseException as exc:  # cancelled with the loop
            _settle([(f, _Failed(exc)) for f, _ in outcomes + self._unsynced])
            self._unsynced = []
            raise
        finally:
            self._syncing = None

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

    def _commit(self, tx: RootTransaction) -> None:
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
        self._waiter.shutdown(wait=True)
        self._syncer.shutdown(wait=True)
        self._conn.close()
        self._wal.close()
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

    Under a load that never pauses, PASSIVE alone lets the WAL grow without end: SQLite starts the WAL over
    only when a writer begins after *every* frame was copied, and each checkpoint leaves the frames committed
    while it ran (measured: 90 MB in 4 s of Accepts at 13k/s, and the file kept growing). So when a
    checkpoint leaves more than WAL_RESTART_FRAMES in the WAL, the checkpointer takes the writers' lock (the
    one every process's group commit takes, WriterLock) and checkpoints the remainder, a fraction of a
    second's frames, while no writer appends; the next writer then starts the WAL from its beginning. The
    file stays at its size and is written over, not grown (no block allocation, no size change for
    fdatasync to flush), and the writers wait a few milliseconds for it.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = WriterLock.of(database_file(engine))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sodiary-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=30)
        self._lock.close()

    def _run(self) -> None:
        with self._engine.connect() as conn:
            raw: Any = conn.connection.dbapi_connection
            while not self._stopping.wait(CHECKPOINT_SECONDS):
                try:
                    _busy, frames, _copied = raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if frames > WAL_RESTART_FRAMES:
                        self._finish(raw)
                except Exception:  # a busy database: the next round tries again
                    log.debug("checkpoint skipped", exc_info=True)
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _finish(self, raw: Any) -> None:
        """Checkpoint what the last one left while no writer can append, so that the WAL is wholly copied."""
        self._lock.acquire()
        try:
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            self._lock.release()
