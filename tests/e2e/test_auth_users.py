"""Users from the CLI: add, passwd, disable, enable — and what each does to credentials already in use.

The server here re-checks cached credentials on every request (RECHECK_NOW): the CLI is another
process, so by default its changes reach a running server within the re-check interval (5 s).
"""

from __future__ import annotations

import pytest

from tests.e2e.accept_support import Unchanged
from tests.e2e.auth_support import (
    SESSION,
    accept,
    assert_401,
    cli,
    login,
    new_user,
)
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server(recheck_now_server: LiveServer) -> LiveServer:
    return recheck_now_server


def test_a_user_added_with_the_cli_can_answer_invitations(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Pa55word")
    child = seed.booking(invitees=(user,)).children[user]
    with server.client(user, "Pa55word") as c:
        assert accept(c, child).status_code == 204


def test_adding_an_existing_user_fails_with_a_message(server: LiveServer) -> None:
    out = cli(server, "user", "add", "tje0", "--password", "x")
    assert out.returncode == 1
    assert "already exists" in out.stderr


@pytest.mark.parametrize("command", [["passwd", "--password", "x"], ["disable"], ["enable"]])
def test_changing_an_unknown_user_fails(server: LiveServer, command: list[str]) -> None:
    out = cli(server, "user", command[0], "nobody-here", *command[1:])
    assert out.returncode == 1
    assert "no such user" in out.stderr


def test_passwd_ends_the_old_password_even_while_it_is_cached(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Old-pass1")
    first, second = seed.booking(invitees=(user,)), seed.booking(invitees=(user,))
    with server.client(user, "Old-pass1") as c:
        assert accept(c, first.children[user]).status_code == 204  # now cached
        assert cli(server, "user", "passwd", user, "--password", "New-pass1").returncode == 0
        with Unchanged(seed):
            assert_401(accept(c, second.children[user]))
    with server.client(user, "New-pass1") as c:
        assert accept(c, second.children[user]).status_code == 204


def test_passwd_kills_tickets_and_sessions(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Old-pass1")
    child = seed.booking(invitees=(user,)).children[user]
    with server.client() as c, server.client() as browser:
        ticket = login(c, user, "Old-pass1")
        xsrf = browser.post(SESSION, json={"UserName": user, "Password": "Old-pass1"}).json()["XsrfToken"]
        assert cli(server, "user", "passwd", user, "--password", "New-pass1").returncode == 0
        with Unchanged(seed):
            assert_401(accept(c, child, Authorization="SOTicket " + ticket))
            assert_401(accept(browser, child, X_XSRF_TOKEN=xsrf))


def test_a_disabled_user_is_refused_at_once_whatever_the_scheme(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Pass-word1")
    first, second = seed.booking(invitees=(user,)), seed.booking(invitees=(user,))
    with server.client(user, "Pass-word1") as c:
        ticket = login(c, user, "Pass-word1")
        assert accept(c, first.children[user]).status_code == 204  # Basic, now cached
        assert cli(server, "user", "disable", user).returncode == 0
        with Unchanged(seed):
            assert_401(accept(c, second.children[user]))
            assert_401(accept(c, second.children[user], Authorization="SOTicket " + ticket))
            assert_401(c.post("/api/v1/Sodiary/Login", json={"UserName": user, "Password": "Pass-word1"}))


def test_enable_lets_the_password_in_again_but_not_the_old_tickets(server: LiveServer, seed: Seeder) -> None:
    user = new_user(server, "Pass-word1")
    child = seed.booking(invitees=(user,)).children[user]
    with server.client() as c:
        ticket = login(c, user, "Pass-word1")
    assert cli(server, "user", "disable", user).returncode == 0
    assert cli(server, "user", "enable", user).returncode == 0
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, Authorization="SOTicket " + ticket))
    with server.client(user, "Pass-word1") as c:
        assert accept(c, child).status_code == 204
