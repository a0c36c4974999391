"""Backup and restore of a whole database.

SQLite: the online backup API copies a consistent snapshot while the server goes on writing (in WAL mode
the copy runs in one read transaction, so it holds every answer acknowledged before it began).
PostgreSQL: `pg_dump --format=custom` and `pg_restore`, the tools PostgreSQL documents for this; they
must be on PATH and of the server's major version or newer.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from .database import normalise_url


class BackupError(Exception):
    """One line for the operator: what failed and what to do."""


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("backup needs a SQLite file, not an in-memory database")
    return Path(url.database)


def _libpq_url(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH; install PostgreSQL's client tools (e.g. postgresql-client)")
    return found


def backup(database_url: str, target: Path) -> None:
    """Write a backup of the database to `target` (refusing to overwrite an existing file)."""
    url = normalise_url(database_url)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}")
        source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
        dest = sqlite3.connect(target)
        try:
            with dest:
                source.backup(dest)  # all pages in one step: one consistent snapshot
            dest.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dest.close()
            source.close()
        return
    result = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), _libpq_url(url)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1:] or result.returncode}")


def is_empty(database_url: str) -> bool:
    """True when the database holds no users and no appointments (or no tables at all)."""
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            for table in ("associate", "appointment"):
                if table in tables and conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one():
                    return False
            return True
    finally:
        engine.dispose()


def restore(database_url: str, source: Path, *, force: bool = False) -> None:
    """Replace the database's content with the backup in `source`; stop the server first."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    url = normalise_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    if sqlite and not _sqlite_path(url).exists():
        _sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
    elif not force and not is_empty(database_url):
        raise BackupError("the database is not empty; restore with --force to replace its content")
    if sqlite:
        try:
            backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            check = backup_db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a SQLite backup: {exc}") from None
        if check is None or check[0] != "ok":
            backup_db.close()
            raise BackupError(f"{source} is damaged: {check}")
        dest = sqlite3.connect(_sqlite_path(url))
        try:
            with dest:
                backup_db.backup(dest)
        finally:
            dest.close()
            backup_db.close()
        return
    result = subprocess.run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--dbname", _libpq_url(url), str(source)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip().splitlines()[-1:] or result.returncode}")
