"""Signed-in clients of the module's server, one per demo user (the server fixture is in tests/conftest.py), and the
SMTP sink that a mailing module's `server_env` points its server at."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.mail_support import SmtpSink, settle
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def ada(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client("ada") as client:
        yield client


@pytest.fixture(scope="module")
def tje0(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client("tje0") as client:
        yield client


@pytest.fixture(scope="module")
def ben(server: LiveServer) -> Iterator[httpx.Client]:
    with server.client("ben") as client:
        yield client


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server on a loopback port, started only for modules that ask for it."""
    smtp = SmtpSink().start()
    try:
        yield smtp
    finally:
        smtp.stop()


@pytest.fixture
def mail(sink: SmtpSink, seed: Seeder) -> Iterator[SmtpSink]:
    """The sink, empty and accepting, with nothing pending in the outbox before the test."""
    settle(seed.engine)
    sink.sink.take()
    sink.sink.refuse.clear()
    yield sink
