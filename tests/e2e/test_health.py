"""Health and readiness without a login; a database outage answers 503 (not 500) and heals by itself."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sodiary.store.database import normalise_url, unavailable
from sodiary.store.schema import outbox_message
from tests.support.databases import ADMIN_URL, require_postgresql
from tests.support.server import LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"


def _until(condition: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@contextmanager
def _database_down(url: str) -> Iterator[None]:
    """SQLite: the file moved away. PostgreSQL: its own database refuses connections and loses the open ones
    (the shared cluster keeps running for everyone else)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        aside = path.with_name(path.name + ".away")
        path.rename(aside)
        try:
            yield
        finally:
            aside.rename(path)
        return
    name = parsed.database
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def _ready(server: LiveServer) -> httpx.Response:
    return httpx.get(server.url + "/health/ready", timeout=10)


def test_live_answers_200_without_a_login(server: LiveServer) -> None:
    response = httpx.get(server.url + "/health/live", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "live"}


def test_ready_answers_200_when_the_database_answers_with_the_codes_schema(server: LiveServer) -> None:
    response = _ready(server)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
    assert response.json()["checks"] == {"database": "ok", "outbox": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_ready_answers_503_with_the_reason_while_the_database_is_down_and_200_once_it_is_back(
    fresh_server: LiveServer,
) -> None:
    assert _ready(fresh_server).status_code == 200
    with _database_down(fresh_server.database_url):
        assert _until(lambda: _ready(fresh_server).status_code == 503), fresh_server.log()
        down = _ready(fresh_server)
        assert down.headers["retry-after"].isdigit()
        assert down.json()["status"] == "unavailable"
        assert down.json()["reason"].startswith("database unreachable")
    assert _until(lambda: _ready(fresh_server).status_code == 200), fresh_server.log()


def _set_schema_version(server: LiveServer, version: str) -> None:
    engine = create_engine(normalise_url(server.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
    finally:
        engine.dispose()


def test_ready_answers_503_when_the_database_schema_is_behind_the_code(fresh_server: LiveServer) -> None:
    _set_schema_version(fresh_server, "0001")
    assert _until(lambda: _ready(fresh_server).status_code == 503)
    reason = _ready(fresh_server).json()["reason"]
    assert "0001" in reason and "behind" in reason


def test_ready_answers_503_when_a_newer_server_migrated_the_database(fresh_server: LiveServer) -> None:
    _set_schema_version(fresh_server, "9999_from_the_future")
    assert _until(lambda: _ready(fresh_server).status_code == 503)
    assert "newer" in _ready(fresh_server).json()["reason"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_agent_call_while_the_database_is_down_answers_503_with_retry_after_and_works_again_after(
    fresh_server: LiveServer,
) -> None:
    # Only PostgreSQL can lose the database under a running server: a SQLite server keeps its file open.
    with fresh_server.client("tje0") as tje0:
        assert tje0.post(ACCEPT, json={"AppointmentId": 685}).status_code == 204
        with _database_down(fresh_server.database_url):
            time.sleep(1.1)  # past the credential re-check interval: the call must reach the database
            down = tje0.post(ACCEPT, json={"AppointmentId": 685}, headers={"Accept-Language": "nb"})
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "5"
            body = down.json()
            assert body["Error"] is True and body["ErrorType"] == "ServiceUnavailableException"
            assert "Databasen" in body["ErrorMessage"]
            rest = tje0.get("/api/v1/Appointment/685")
            assert rest.status_code == 503 and rest.headers["retry-after"] == "5"
        assert _until(lambda: tje0.post(ACCEPT, json={"AppointmentId": 685}).status_code == 204)
    assert "Traceback" not in fresh_server.log()


def test_a_sqlite_file_that_cannot_be_opened_counts_as_unavailable(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError) as caught:
        sqlite3.connect(f"file:{tmp_path / 'missing.db'}?mode=rw", uri=True)
    assert unavailable(caught.value)


def test_a_sqlite_statement_error_is_not_an_outage() -> None:
    with sqlite3.connect(":memory:") as conn, pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("SELECT * FROM no_such_table")
    assert not unavailable(caught.value)


def test_a_postgresql_server_that_refuses_the_connection_counts_as_unavailable() -> None:
    require_postgresql()
    parsed = make_url(ADMIN_URL)
    with pytest.raises(psycopg.OperationalError) as caught:
        psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, dbname="sodiary_no_such_database",
                        connect_timeout=5)
    assert unavailable(caught.value)


def test_the_root_is_the_diary_page_and_the_start_line_names_the_api_docs(server: LiveServer) -> None:
    response = httpx.get(server.url + "/", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert httpx.get(server.url + "/api/docs", timeout=10).status_code == 200
    assert f"API docs at {server.url}/api/docs" in server.log()


def _queue_undeliverable(server: LiveServer, due: datetime) -> None:
    """A message of a kind no worker of this server delivers: as if the delivery worker were dead."""
    engine = create_engine(normalise_url(server.database_url))
    try:
        with engine.begin() as conn:
            conn.execute(outbox_message.insert().values(
                kind="nobody", status="pending", message_key=f"stuck-{due.timestamp()}", destination="x",
                payload="{}", created=due, next_attempt_at=due))
    finally:
        engine.dispose()


def test_ready_answers_503_when_due_outbox_messages_are_not_being_delivered(fresh_server: LiveServer) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    _queue_undeliverable(fresh_server, now)  # just due: a worker has time to claim it
    time.sleep(1.2)  # past the readiness cache
    assert _ready(fresh_server).status_code == 200
    _queue_undeliverable(fresh_server, now - timedelta(hours=1))
    assert _until(lambda: _ready(fresh_server).status_code == 503)
    body = _ready(fresh_server).json()
    assert body["checks"]["database"] == "ok" and body["reason"].startswith("outbox stuck: 1 message(s)")
