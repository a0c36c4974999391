"""A migrated, started Database on a fresh database of each backend, for one test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sodiary.store.database import Database
from sodiary.store.migrate import upgrade
from tests.support.databases import fresh_database


@pytest.fixture
def db(backend: str, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(backend, tmp_path) as url:
        database = Database(url, pool_size=4)
        upgrade(database.engine)
        database.start()
        try:
            yield database
        finally:
            database.stop()
