"""Failed logins and throttling are logged (logger `sodiary.auth`, WARNING): the reason, the scheme,
the user name (escaped, truncated) and the client address, and never a password, ticket or token.

Each test reads the server's own log (its stderr) and names its own user and client address.
"""

from __future__ import annotations

import base64
import itertools
import uuid

import httpx
import pytest

from tests.e2e.auth_support import ACCEPT, LOGIN, RECHECK_NOW, cli, new_user
from tests.support.server import LiveServer

THROTTLED = {**RECHECK_NOW, "SODIARY_AUTH_FAILURES_PER_USER": "2", "SODIARY_AUTH_FAILURES_PER_ADDRESS": "50"}

_addresses = (f"192.0.2.{n}" for n in itertools.count(1))


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return THROTTLED


def client(server: LiveServer) -> httpx.Client:
    c = httpx.Client(base_url=server.url, timeout=30)
    c.headers["X-Forwarded-For"] = next(_addresses)
    return c


def full_log(server: LiveServer) -> str:
    return server.log_path.read_text(errors="replace")


def auth_lines(server: LiveServer, *parts: str) -> list[str]:
    """The log's lines of the `sodiary.auth` logger at WARNING that contain every one of `parts`."""
    return [line for line in full_log(server).splitlines()
            if "sodiary.auth" in line and "WARNING" in line and all(p in line for p in parts)]


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_wrong_password_is_logged_with_user_address_scheme_and_reason_and_not_the_password(
    server: LiveServer,
) -> None:
    user = new_user(server, "Right-pw1")
    password = "guess-" + uuid.uuid4().hex
    with client(server) as c:
        assert c.post(ACCEPT, json={"AppointmentId": 1}, headers=basic(user, password)).status_code == 401
        address = c.headers["X-Forwarded-For"]
    assert len(auth_lines(server, "reason=wrong_password", "scheme=Basic", f"user={user}",
                          f"address={address}")) == 1, full_log(server)
    assert password not in full_log(server)


def test_a_login_with_an_unknown_name_is_logged_as_such(server: LiveServer) -> None:
    name = "nobody" + uuid.uuid4().hex[:8]
    with client(server) as c:
        assert c.post(LOGIN, json={"UserName": name, "Password": "Secret-x1"}).status_code == 401
        address = c.headers["X-Forwarded-For"]
    assert auth_lines(server, "reason=unknown_user", f"user={name}", f"address={address}", "/Sodiary/Login")
    assert "Secret-x1" not in full_log(server)


def test_a_disabled_user_signing_in_is_logged_as_such(server: LiveServer) -> None:
    user = new_user(server, "Right-pw1")
    assert cli(server, "user", "disable", user).returncode == 0
    with client(server) as c:
        assert c.post(LOGIN, json={"UserName": user, "Password": "Right-pw1"}).status_code == 401
    assert auth_lines(server, "reason=disabled_user", f"user={user}")


def test_a_throttled_attempt_is_logged_with_the_limit_reached_and_the_wait(server: LiveServer) -> None:
    user = new_user(server, "Right-pw1")
    with client(server) as c:
        for n in range(2):
            assert c.post(LOGIN, json={"UserName": user, "Password": f"guess{n}"}).status_code == 401
        assert c.post(LOGIN, json={"UserName": user, "Password": "Right-pw1"}).status_code == 429
        address = c.headers["X-Forwarded-For"]
    throttled = auth_lines(server, "authentication throttled", "reason=throttled", "limit=user", f"user={user}",
                           f"address={address}")
    assert len(throttled) == 1, full_log(server)
    assert "retry_after=" in throttled[0]
    assert "Right-pw1" not in full_log(server)


def test_a_guessed_ticket_is_logged_without_the_ticket(server: LiveServer) -> None:
    ticket = "7T:" + uuid.uuid4().hex
    with client(server) as c:
        answer = c.post(ACCEPT, json={"AppointmentId": 1}, headers={"Authorization": f"SOTicket {ticket}"})
        assert answer.status_code == 401
        address = c.headers["X-Forwarded-For"]
    assert auth_lines(server, "reason=bad_ticket", "scheme=SOTicket", f"address={address}")
    assert ticket not in full_log(server)
    assert ticket[3:] not in full_log(server)


def test_a_user_name_with_a_line_break_cannot_forge_a_log_line(server: LiveServer) -> None:
    forged = "WARNING sodiary.auth forged-" + uuid.uuid4().hex
    name = "x\n" + forged + "\r\n" + "y" * 200
    with client(server) as c:
        assert c.post(LOGIN, json={"UserName": name[:50], "Password": "p"}).status_code in (400, 401)
        assert c.post(ACCEPT, json={"AppointmentId": 1}, headers=basic(name, "p")).status_code == 401
    lines = [line for line in full_log(server).splitlines() if forged in line]
    assert lines, full_log(server)
    for line in lines:
        assert line.count("sodiary.auth") == 2 and '\\n' in line  # the forged text stays inside the quoted name
        assert "y" * 80 not in line  # truncated
