"""SOTicket: log in for a ticket, use it, lose it (expiry, logout), keep it across a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sodiary.service.clock import utc_now
from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.auth_support import (
    LOGIN,
    LOGOUT,
    accept,
    assert_401,
    insert_token,
    login,
)
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server(recheck_now_server: LiveServer) -> LiveServer:
    return recheck_now_server


def test_login_returns_a_ticket_that_answers_an_invitation(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        r = c.post(LOGIN, json={"UserName": "tje0", "Password": "Tje0"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["Ticket"].startswith("7T:")
        assert body["UserName"] == "tje0"
        expires = datetime.fromisoformat(body["ExpiresAt"])
        assert timedelta(hours=7) < expires - datetime.now(UTC) <= timedelta(hours=8)
        assert accept(c, child, Authorization="SOTicket " + body["Ticket"]).status_code == 204
    [answer] = seed.history(child)
    assert answer["scheme"] == "SOTicket"


def test_the_scheme_name_is_case_insensitive(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        ticket = login(c, "tje0", "Tje0")
        assert accept(c, child, Authorization="soticket " + ticket).status_code == 204


def test_login_takes_basic_credentials_too(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking(invitees=("ben",)).children["ben"]
    with server.client("ben") as c:
        r = c.post(LOGIN)
        assert r.status_code == 200, r.text
        ticket = r.json()["Ticket"]
    with server.client() as c:
        assert accept(c, child, Authorization="SOTicket " + ticket).status_code == 204


def test_login_with_basic_credentials_still_refuses_a_malformed_body(server: LiveServer) -> None:
    # The document describes one body for both ways in: sent along with Basic, it must still be a LoginRequest.
    with server.client("ben") as c:
        assert_error(c.post(LOGIN, json={"Password": "Ben"}), 400)
        assert c.post(LOGIN, json={"UserName": "someone", "Password": "x"}).status_code == 200  # Basic decides


def test_login_with_a_wrong_password_is_401(server: LiveServer, seed: Seeder) -> None:
    with server.client() as c, Unchanged(seed):
        r = c.post(LOGIN, json={"UserName": "tje0", "Password": "wrong"})
    assert_401(r)
    assert r.json()["ErrorType"] == "SoCredentialsFailedException"


def test_login_without_credentials_is_400(server: LiveServer) -> None:
    with server.client() as c:
        assert_error(c.post(LOGIN), 400)
        assert_error(c.post(LOGIN, json={"Password": "Tje0"}), 400)
        assert_error(c.post(LOGIN, content=b"{not json", headers={"Content-Type": "application/json"}), 400)


def test_a_tampered_ticket_is_401_with_every_challenge(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        ticket = login(c, "tje0", "Tje0")
        tampered = ticket[:-2] + ("AA" if not ticket.endswith("AA") else "BB")
        with Unchanged(seed):
            assert_401(accept(c, child, Authorization="SOTicket " + tampered), "SOTicket")
            assert_401(accept(c, child, Authorization="SOTicket " + "x" * 5000))


def test_an_expired_ticket_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    insert_token(seed, "ticket", "7T:expired-ticket", "tje0", expires=utc_now() - timedelta(minutes=1))
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child, Authorization="SOTicket 7T:expired-ticket"))


def test_an_unexpired_ticket_written_the_same_way_works(server: LiveServer, seed: Seeder) -> None:
    # The control for the test above: only the expiry differs.
    child = seed.booking().children["tje0"]
    insert_token(seed, "ticket", "7T:live-ticket", "tje0", expires=utc_now() + timedelta(minutes=10))
    with server.client() as c:
        assert accept(c, child, Authorization="SOTicket 7T:live-ticket").status_code == 204


def test_logout_revokes_the_ticket(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        ticket = login(c, "tje0", "Tje0")
        assert accept(c, seed.booking().children["tje0"], Authorization="SOTicket " + ticket).status_code == 204
        assert c.post(LOGOUT, headers={"Authorization": "SOTicket " + ticket}).status_code == 204
        with Unchanged(seed):
            assert_401(accept(c, child, Authorization="SOTicket " + ticket))
            assert_401(c.post(LOGOUT, headers={"Authorization": "SOTicket " + ticket}))


def test_logout_with_basic_credentials_is_400(server: LiveServer) -> None:
    with server.client("tje0") as c:
        assert_error(c.post(LOGOUT), 400)


def test_a_ticket_survives_a_server_restart(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        ticket = login(c, "tje0", "Tje0")
    server.stop()
    server.start()
    with server.client() as c:
        assert accept(c, child, Authorization="SOTicket " + ticket).status_code == 204


def test_bearer_without_configuration_is_401_saying_so(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        body = assert_401(accept(c, child, Authorization="Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"))
    assert "SODIARY_JWT_SECRET" in body["Message"]


def test_no_credentials_at_all_is_401_with_every_challenge(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c, Unchanged(seed):
        assert_401(accept(c, child))


def test_login_with_a_bearer_header_is_400_saying_how_to_log_in(server: LiveServer) -> None:
    with server.client() as c:
        body = assert_error(c.post(LOGIN, headers={"Authorization": "Bearer abc"}), 400)
    assert "UserName" in body["Message"]
