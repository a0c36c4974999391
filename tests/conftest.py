"""Fixtures: each test module gets a real server per database backend (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import BACKENDS, fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """Settings the module's server runs with besides the defaults: a module that needs others overrides this."""
    return {}


@pytest.fixture(scope="module")
def server(database_url: str, server_env: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(database_url, tmp_path_factory.mktemp("log") / "server.log", env=server_env).start()
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def seed(server: LiveServer) -> Iterator[Seeder]:
    seeder = Seeder(server.database_url)
    try:
        yield seeder
    finally:
        seeder.close()


@pytest.fixture
def fresh_server(backend: str, tmp_path: Path) -> Iterator[LiveServer]:
    """A brand-new install with the demo data, for tests that need pristine state."""
    with fresh_database(backend, tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log").start()
        try:
            yield live
        finally:
            live.stop()


@pytest.fixture(scope="module")
def recheck_now_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server that re-checks cached credentials on every request, so revocation tests need no sleeps."""
    env = {"SODIARY_CREDENTIAL_RECHECK_SECONDS": "0"}
    live = LiveServer(database_url, tmp_path_factory.mktemp("log") / "server.log", env=env).start()
    try:
        yield live
    finally:
        live.stop()
