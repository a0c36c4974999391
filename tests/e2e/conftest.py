"""Signed-in clients of the module's server, one per demo user (the server fixture is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

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
