"""The one way in and out of the database: units of work, plain functions of a Connection.

SQLite allows one writer: units run in groups, one durable commit per group (group_commit.py).

PostgreSQL serves several processes. A short unit (an answer) runs on the event loop in a group that
shares one transaction, each unit in its own savepoint (pg_group_commit.py); any other unit runs in its
own transaction on a pooled connection in a thread. Both are retried when a concurrent change was detected.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SATimeoutError

from ..domain.errors import ConcurrentChange
from .group_commit import GroupCommit
from .pg_group_commit import PgGroupCommit

R = TypeVar("R")
Work = Callable[[Connection], R]

PG_RETRIES = 8


def normalise_url(url: str) -> URL:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, *, synchronous: str = "FULL", pool_size: int = 8) -> Engine:
    # hide_parameters: a failed statement's log line never carries the client's values (ids by the ten
    # thousand, texts, credentials); the statement itself is enough to find the fault.
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "isolation_level": None},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA wal_autocheckpoint=0")  # see group_commit.Checkpointer
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            # Take the write lock up front: no deadlock-prone upgrade from a read lock.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_size=pool_size, max_overflow=0, pool_pre_ping=True, hide_parameters=True)


class Database:
    """Runs units of work (plain functions of a Connection): on SQLite in groups on the event loop
    (group_commit.py); on PostgreSQL the short ones in groups on the loop (pg_group_commit.py), the others
    each in its own transaction on a thread pool; retried when asked."""

    def __init__(self, url: str, *, synchronous: str = "FULL", pool_size: int = 8) -> None:
        self.url = url
        self.engine = make_engine(url, synchronous=synchronous, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.pool_size = pool_size
        self._group: GroupCommit | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._pg_group: PgGroupCommit | None = None

    def start(self) -> None:
        if self.is_sqlite:
            self._group = GroupCommit(self.engine)
        else:
            self._pool = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="sodiary-db")
            self._pg_group = PgGroupCommit(self.engine.url, retries=PG_RETRIES, retryable=retryable,
                                           unavailable=unavailable)

    async def drain(self) -> None:
        """On the loop, before stop(): let the grouped units in flight commit and close their connections."""
        if self._pg_group is not None:
            await self._pg_group.drain()

    def stop(self) -> None:
        if self._group is not None:
            self._group.close()
            self._group = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._pg_group is not None:
            self._pg_group.close()
            self._pg_group = None
        self.engine.dispose()

    async def transaction(self, work: Work[R], *, short: bool = False) -> R:
        """Run `work` in a transaction; its return value once the transaction is durable.

        `short`: a unit of a few statements and no waiting (an answer), which may share its transaction
        with the units that arrive with it, each in its own savepoint. SQLite groups every unit."""
        if self._group is not None:
            return await self._group.run(work)
        if short and self._pg_group is not None:
            return await self._pg_group.run(work)
        if self._pool is None:
            raise RuntimeError("database not started")
        return await asyncio.wrap_future(self._pool.submit(self._run_with_retries, work))

    def run_sync(self, work: Work[R]) -> R:
        """For the CLI and tests: one transaction, on the calling thread."""
        with self.engine.begin() as conn:
            return work(conn)

    def _run_with_retries(self, work: Work[R]) -> R:
        for attempt in range(PG_RETRIES):
            try:
                with self.engine.begin() as conn:
                    return work(conn)
            except Exception as exc:
                if not retryable(exc) or attempt == PG_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")


def retryable(exc: BaseException) -> bool:
    """A concurrent change, or PostgreSQL's serialization_failure / deadlock_detected: run the unit again.

    The answer path runs on the driver (store/driver.py), so its errors arrive unwrapped; the rest of the
    store's come wrapped in SQLAlchemy's DBAPIError."""
    if isinstance(exc, ConcurrentChange):
        return True
    driver_error = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(driver_error, "sqlstate", None) in ("40001", "40P01")


# SQLite's primary result codes that mean "the database cannot be used right now", not "this statement is wrong":
# BUSY, LOCKED, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
_SQLITE_OUTAGE = frozenset({5, 6, 8, 10, 11, 13, 14, 26})


def unavailable(exc: BaseException) -> bool:
    """The database is unreachable or refusing work (an outage, a full disk, an exhausted pool):
    the call may succeed later unchanged, so the wire answers 503 rather than 500."""
    if isinstance(exc, SATimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig if exc.orig is not None else exc
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_OUTAGE
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        # Connection failures carry no SQLSTATE (or class 08); 57P0x is a shutdown or a refused
        # connection, class 53 insufficient resources. Other operational errors (e.g. a cancelled
        # query) are the statement's own.
        return sqlstate is None or sqlstate[:2] in ("08", "53") or sqlstate.startswith("57P")
    return False
