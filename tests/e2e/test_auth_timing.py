"""User enumeration by timing: a wrong password for a real user, an unknown name and a disabled user
must take the same time, or one request tells a guesser which names exist.

A security property, not a speed test: the three cases are interleaved (each round in a shuffled
order) so that whatever else the machine does falls on all three alike, and their medians are
compared with each other, never with a number of milliseconds. Before the dummy hash, the real user
took ~137 ms (argon2) and the others ~5 ms.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.auth_support import ACCEPT, LOGIN, SESSION, cli, new_user
from tests.support.server import LiveServer

ROUNDS = 15
TOLERANCE = 1.2  # the slowest median at most 20 % above the fastest

# Far above what the test sends: every attempt is verified, none throttled.
UNTHROTTLED = {"SODIARY_AUTH_FAILURES_PER_USER": "100000", "SODIARY_AUTH_FAILURES_PER_ADDRESS": "100000"}


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return UNTHROTTLED


Attempt = Callable[[httpx.Client, str], httpx.Response]

SCHEMES: dict[str, Attempt] = {
    "basic": lambda c, user: c.post(ACCEPT, json={"AppointmentId": 1}, auth=(user, "Wrong-pw9")),
    "login": lambda c, user: c.post(LOGIN, json={"UserName": user, "Password": "Wrong-pw9"}),
    "session": lambda c, user: c.post(SESSION, json={"UserName": user, "Password": "Wrong-pw9"}),
}


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_a_wrong_password_an_unknown_name_and_a_disabled_user_take_the_same_time(
    server: LiveServer, scheme: str
) -> None:
    real = new_user(server, "Right-pw1")
    disabled = new_user(server, "Right-pw1")
    assert cli(server, "user", "disable", disabled).returncode == 0
    names = {"real": real, "unknown": "n" + real[1:], "disabled": disabled}
    attempt = SCHEMES[scheme]
    relative: dict[str, list[float]] = {case: [] for case in names}
    order = random.Random(scheme)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for round_ in range(ROUNDS + 1):
            cases = list(names)
            order.shuffle(cases)
            took: dict[str, float] = {}
            for case in cases:
                began = time.perf_counter()
                response = attempt(client, names[case])
                took[case] = time.perf_counter() - began
                assert response.status_code == 401, response.text
            if round_:  # the first round warms the connection and the server's paths up
                # Each time relative to its round's: a shared machine's load changes between rounds,
                # and a slow round then weighs on no case more than on the others.
                middle = statistics.median(took.values())
                for case, seconds in took.items():
                    relative[case].append(seconds / middle)
    medians = {case: statistics.median(r) for case, r in relative.items()}
    assert max(medians.values()) <= TOLERANCE * min(medians.values()), medians
