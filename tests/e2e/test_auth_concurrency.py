"""Password guessing at once: however many guesses arrive together, and on however many worker
processes, at most the limit of them are verified (answered 401); every other one is refused
unverified (429). The default limits: 10 failures per user name, 50 per client address, per 60 s.

A test's guesses come from its own addresses (X-Forwarded-For, trusted from the loopback proxy) and
name its own user, so the tests on one server do not count for each other.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.auth_support import ACCEPT, LOGIN, new_user
from tests.support.server import LiveServer

GUESSES = 200
PER_USER = 10
PER_ADDRESS = 50

_networks = itertools.count(1)


@pytest.fixture(scope="module", params=[1, 2], ids=["one-worker", "two-workers"])
def server(request: pytest.FixtureRequest, database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    args = ["--workers", str(request.param)] if request.param > 1 else []
    live = LiveServer(database_url, tmp_path_factory.mktemp("log") / "server.log", args=args).start()
    try:
        yield live
    finally:
        live.stop()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


async def at_once(server: LiveServer, requests: list[tuple[str, dict[str, str], dict[str, str]]]) -> Counter[int]:
    """Every request sent at the same time, each on its own connection; the count of each status."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=server.url, timeout=120, limits=limits) as client:
        answers = await asyncio.gather(*(client.post(path, json=body, headers=headers)
                                         for path, headers, body in requests))
    return Counter(r.status_code for r in answers)


def test_two_hundred_simultaneous_guesses_at_one_password_get_ten_401s_and_the_rest_429(
    server: LiveServer,
) -> None:
    user = new_user(server, "Right-pw1")
    network = next(_networks)
    guesses = [(ACCEPT, {"Authorization": basic(user, f"guess{n}"), "X-Forwarded-For": f"10.{network}.{n}.1"},
                {"AppointmentId": 1}) for n in range(GUESSES)]
    assert asyncio.run(at_once(server, guesses)) == {401: PER_USER, 429: GUESSES - PER_USER}


def test_two_hundred_simultaneous_logins_from_one_address_get_fifty_401s_and_the_rest_429(
    server: LiveServer,
) -> None:
    address = f"10.{next(_networks)}.0.1"
    names = [f"n{uuid.uuid4().hex[:10]}" for _ in range(GUESSES)]
    logins = [(LOGIN, {"X-Forwarded-For": address}, {"UserName": name, "Password": "guess"}) for name in names]
    assert asyncio.run(at_once(server, logins)) == {401: PER_ADDRESS, 429: GUESSES - PER_ADDRESS}

