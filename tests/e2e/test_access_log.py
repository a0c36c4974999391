"""One structured access-log line per request, carrying the request id that every answer returns."""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.databases import fresh_database
from tests.support.server import DEMO_PASSWORDS, LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"


def json_lines(server: LiveServer) -> list[dict[str, Any]]:
    lines = []
    for line in Path(server.log_path).read_text(errors="replace").splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if record.get("logger") == "sodiary.access":
                lines.append(record)
    return lines


def logfmt_lines(server: LiveServer) -> list[dict[str, str]]:
    records = []
    for line in Path(server.log_path).read_text(errors="replace").splitlines():
        if "logger=sodiary.access" in line:
            records.append(dict(field.split("=", 1) for field in shlex.split(line)))
    return records


def line_for(read: Any, server: LiveServer, request_id: str) -> dict[str, Any]:
    """The access line of one request; written after the answer, so it may trail it by a moment."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [r for r in read(server) if r["request_id"] == request_id]
        if found:
            assert len(found) == 1, found
            return dict(found[0])
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}:\n{server.log()}")


@pytest.fixture(scope="module")
def logfmt_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with fresh_database(backend, tmp_path_factory.mktemp("db")) as url:
        live = LiveServer(url, tmp_path_factory.mktemp("log") / "server.log",
                          env={"SODIARY_LOG_FORMAT": "logfmt"}).start()
        try:
            yield live
        finally:
            live.stop()


def test_an_accept_is_logged_as_one_json_line_with_the_callers_request_id(server: LiveServer) -> None:
    with server.client("tje0") as client:
        response = client.post(ACCEPT, json={"AppointmentId": 685}, headers={"X-Request-Id": "trace-0001.a:b"})
    assert response.status_code == 204
    assert response.headers["x-request-id"] == "trace-0001.a:b"
    line = line_for(json_lines, server, "trace-0001.a:b")
    assert line["user"] == "tje0"
    assert line["method"] == "POST"
    assert line["path"] == ACCEPT
    assert line["status"] == 204
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "info"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_a_request_without_an_id_gets_a_new_one_in_the_answer_and_the_log(server: LiveServer) -> None:
    response = httpx.get(server.url + "/api/v1/Appointment/685", timeout=10)
    assert response.status_code == 401
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    line = line_for(json_lines, server, request_id)
    assert line["status"] == 401 and line["user"] == ""


@pytest.mark.parametrize("unsafe", ["x" * 129, "two words", 'quote"d', "new\\nline"])
def test_an_unsafe_request_id_is_replaced_not_echoed(server: LiveServer, unsafe: str) -> None:
    response = httpx.get(server.url + "/health/live", headers={"X-Request-Id": unsafe}, timeout=10)
    assert response.headers["x-request-id"] != unsafe
    assert re.fullmatch(r"[0-9a-f]{16}", response.headers["x-request-id"])


def test_an_unknown_path_is_logged_and_answers_with_its_request_id(server: LiveServer) -> None:
    response = httpx.get(server.url + "/no/such/place", headers={"X-Request-Id": "lost-1"}, timeout=10)
    assert response.status_code == 404
    assert response.headers["x-request-id"] == "lost-1"
    assert line_for(json_lines, server, "lost-1")["path"] == "/no/such/place"


def test_a_logfmt_line_parses_into_the_same_fields(logfmt_server: LiveServer) -> None:
    with logfmt_server.client("ben") as client:
        response = client.post(ACCEPT, json={"AppointmentId": 686}, headers={"X-Request-Id": "fmt-7"})
    assert response.status_code == 204
    line = line_for(logfmt_lines, logfmt_server, "fmt-7")
    assert (line["user"], line["method"], line["path"], line["status"]) == ("ben", "POST", ACCEPT, "204")
    assert float(line["duration_ms"]) >= 0


def test_the_access_log_can_be_switched_off(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        live = LiveServer(url, tmp_path / "server.log", env={"SODIARY_ACCESS_LOG": "off"}).start()
        try:
            with httpx.Client(base_url=live.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=30) as client:
                response = client.post(ACCEPT, json={"AppointmentId": 685}, headers={"X-Request-Id": "quiet-1"})
            assert response.status_code == 204
            assert response.headers["x-request-id"] == "quiet-1"  # the id is returned all the same
        finally:
            live.stop()
        assert "quiet-1" not in live.log() and "sodiary.access" not in live.log()


def test_an_unknown_log_format_stops_the_server_with_one_line(tmp_path: Path) -> None:
    live = LiveServer(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path / "server.log",
                      env={"SODIARY_LOG_FORMAT": "xml"})
    with pytest.raises(RuntimeError):
        live.start()
    assert live.log().strip() == "sodiary: SODIARY_LOG_FORMAT='xml' is not valid: one of json, logfmt"
    assert live.process is None or live.process.returncode == 2


@pytest.mark.parametrize("fmt", ["json", "logfmt"])
def test_the_fast_line_reads_exactly_as_the_formatter_renders_the_same_request(fmt: str) -> None:
    import logging

    from sodiary.wire import access_log

    access_log.configure(True, fmt)
    try:
        handler = access_log._handler
        assert handler is not None
        fields = {"request_id": "r1", "remote": "127.0.0.1", "user": 'a "b"', "method": "POST", "path": ACCEPT,
                  "status": 204, "duration_ms": 1.25}
        record = logging.LogRecord(access_log.LOGGER, logging.INFO, __file__, 0, "request", None, None)
        record.access = fields
        assert handler.render(record.created, fields) == handler.format(record)
    finally:
        access_log.configure(False, "json")


def test_an_operators_own_handler_gets_each_request_as_a_record() -> None:
    import logging

    from sodiary.wire import access_log

    class Keep(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.records: list[logging.LogRecord] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.records.append(record)

    access_log.configure(True, "json")
    logger = logging.getLogger(access_log.LOGGER)
    own = Keep()
    try:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.addHandler(own)
        scope = {"client": ("192.0.2.7", 4000), "method": "POST", "path": ACCEPT}
        access_log.log_request(access_log.Exchange("abc", "tje0"), scope, 204, 0.002)
        assert [r.access["request_id"] for r in own.records] == ["abc"]  # type: ignore[attr-defined]
        assert own.records[0].access["remote"] == "192.0.2.7"  # type: ignore[attr-defined]
    finally:
        logger.removeHandler(own)
        access_log.configure(False, "json")


def test_new_request_ids_are_distinct_within_a_process_and_across_forked_workers() -> None:
    import multiprocessing

    from sodiary.wire.access_log import request_id

    ours = [request_id([]) for _ in range(10_000)]
    assert len(set(ours)) == len(ours) and all(re.fullmatch(r"[0-9a-f]{16}", i) for i in ours)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        theirs = pool.map(request_id, [[]] * 2, chunksize=1)
    assert not set(theirs) & set(ours)
    assert len({i[:8] for i in [*theirs, ours[0]]}) >= 2
