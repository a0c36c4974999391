"""Throttling of failed logins: per user name and per client address, 429 with Retry-After.

This server allows 3 failures per user name and 5 per address within 60 s. Client addresses are set
with X-Forwarded-For, which uvicorn trusts from the loopback proxy, so each test has its own.
"""

from __future__ import annotations

import base64
import itertools
from pathlib import Path

import httpx
import pytest

from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.auth_support import LOGIN, RECHECK_NOW, accept, assert_401, new_user
from tests.support.seed import Seeder
from tests.support.server import LiveServer

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


THROTTLED = {**RECHECK_NOW, "SODIARY_AUTH_FAILURES_PER_USER": "3", "SODIARY_AUTH_FAILURES_PER_ADDRESS": "5",
             "SODIARY_AUTH_FAILURE_WINDOW_SECONDS": "60"}


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return THROTTLED


def client(server: LiveServer, user: str | None = None, password: str = "") -> httpx.Client:
    """A client seen by the server as coming from its own address."""
    c = server.client(user, password)
    c.headers["X-Forwarded-For"] = next(_addresses)
    return c


def assert_429(response: httpx.Response) -> int:
    assert_error(response, 429, "TooManyRequestsException")
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    return retry_after


def test_the_fourth_wrong_password_for_a_user_is_429_even_from_elsewhere(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Right-pw1")
    child = seed.booking(invitees=(user,)).children[user]
    with client(server, user, "wrong") as attacker, Unchanged(seed):
        for _ in range(3):
            assert_401(accept(attacker, child))
        assert_429(accept(attacker, child))
    with client(server, user, "Right-pw1") as c, Unchanged(seed):
        assert_429(accept(c, child))  # the right password waits, too: no oracle for the guesser


def test_a_user_already_signed_in_keeps_working_while_their_name_is_throttled(
    server: LiveServer, seed: Seeder
) -> None:
    user = new_user(server, "Right-pw1")
    first, second = seed.booking(invitees=(user,)), seed.booking(invitees=(user,))
    with client(server, user, "Right-pw1") as c:
        assert accept(c, first.children[user]).status_code == 204  # verified and cached
        with client(server, user, "wrong") as attacker:
            for _ in range(4):
                accept(attacker, second.children[user])
        assert accept(c, second.children[user]).status_code == 204


def test_many_failures_from_one_address_are_429_for_every_user_from_there(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with client(server) as c, Unchanged(seed):
        for n in range(5):
            assert_401(c.post(LOGIN, json={"UserName": f"nobody{n}", "Password": "x"}))
        assert_429(accept(c, child, Authorization="Basic " + base64.b64encode(b"tje0:Tje0").decode()))
    with client(server, "tje0", "Tje0") as elsewhere:
        assert accept(elsewhere, child).status_code == 204


def test_guessing_tickets_is_throttled_by_address(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with client(server) as c, Unchanged(seed):
        for n in range(5):
            assert_401(accept(c, child, Authorization=f"SOTicket 7T:guess{n}"))
        assert_429(accept(c, child, Authorization="SOTicket 7T:guess5"))


def test_a_right_password_clears_the_failures_counted_for_the_name(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Right-pw1")
    first, second = seed.booking(invitees=(user,)), seed.booking(invitees=(user,))
    with client(server, user, "wrong") as attacker:
        for _ in range(2):
            assert_401(accept(attacker, first.children[user]))
    with client(server, user, "Right-pw1") as c:
        assert accept(c, first.children[user]).status_code == 204
    with client(server, user, "wrong") as attacker, Unchanged(seed):
        for _ in range(3):
            assert_401(accept(attacker, second.children[user]))  # counting starts again from none
        assert_429(accept(attacker, second.children[user]))


def test_failures_at_one_instance_count_at_another_on_the_same_database(
    server: LiveServer, database_url: str, tmp_path: Path, seed: Seeder
) -> None:
    user = new_user(server, "Right-pw1")
    child = seed.booking(invitees=(user,)).children[user]
    other = LiveServer(database_url, tmp_path / "other.log", env=THROTTLED).start()
    try:
        with client(server, user, "wrong") as here, client(other, user, "wrong") as there, Unchanged(seed):
            assert_401(accept(here, child))
            assert_401(accept(there, child))
            assert_401(accept(here, child))
            assert_429(accept(there, child))  # the third failure was at the other instance
            assert_429(accept(here, child))
    finally:
        other.stop()


def test_a_user_name_no_database_can_hold_is_refused_as_unknown_not_a_server_error(server: LiveServer) -> None:
    # PostgreSQL's text holds no NUL: looking such a name up used to fail there with a 500. (A body's
    # NUL is a 400 of the body's binding.)
    with client(server) as c:
        header = "Basic " + base64.b64encode("tje\u00000:Tje0".encode()).decode()
        assert_401(accept(c, 1, Authorization=header))
