"""Bring a database to the newest schema with Alembic; refuse one whose schema is newer than this code."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaTooNew(Exception):
    """The database was migrated by a newer sodiary: running this code on it could corrupt it."""

    def __init__(self, revision: str, head: str) -> None:
        self.revision, self.head = revision, head
        super().__init__(f"the database's schema (revision {revision}) is newer than this sodiary's "
                         f"(revision {head}): upgrade sodiary or use another database")


def alembic_config(url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str:
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def current_revisions(conn: Connection) -> tuple[str, ...]:
    return tuple(MigrationContext.configure(conn).get_current_heads())


def check_known(conn: Connection) -> None:
    """Raise SchemaTooNew when the database's revision is not one of this code's migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    for revision in current_revisions(conn):
        try:
            known = script.get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise SchemaTooNew(revision, head_revision())


def upgrade(engine: Engine) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Migrate to the head in one transaction; (revisions before, revisions after)."""
    cfg = alembic_config()
    with engine.begin() as conn:
        check_known(conn)
        before = current_revisions(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        return before, current_revisions(conn)


def wipe(conn: Connection) -> None:
    """Empty every table but Alembic's (the schema stays), with ids starting again from 1.

    The tables are read from the database, not from schema.py, so tables added by later migrations go too."""
    meta = MetaData()
    meta.reflect(conn)
    tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
    if conn.dialect.name == "postgresql":
        if tables:
            names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return
    for table in reversed(tables):
        conn.execute(table.delete())
    if inspect(conn).has_table("sqlite_sequence"):
        conn.execute(text("DELETE FROM sqlite_sequence"))
