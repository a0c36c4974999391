"""Alembic's migrations build exactly the schema the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sodiary.store.database import make_engine
from sodiary.store.migrate import upgrade
from sodiary.store.schema import metadata
from tests.support.databases import fresh_database


def test_migrations_match_the_declared_schema(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), metadata)
            assert diff == []
        finally:
            engine.dispose()


def test_upgrading_twice_is_harmless(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            upgrade(engine)
        finally:
            engine.dispose()
