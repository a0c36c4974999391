"""Browser sessions: an HttpOnly session cookie, and the XSRF-TOKEN echoed as X-XSRF-TOKEN on every change."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from sodiary.service.clock import utc_now
from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.auth_support import (
    SESSION,
    accept,
    assert_401,
    insert_token,
)
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server(recheck_now_server: LiveServer) -> LiveServer:
    return recheck_now_server


def open_session(client: httpx.Client, user: str = "tje0", password: str = "Tje0") -> str:
    """Log the browser in; the XSRF token it must echo."""
    r = client.post(SESSION, json={"UserName": user, "Password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["XsrfToken"])


def test_session_cookies_are_httponly_and_the_xsrf_cookie_is_readable(server: LiveServer) -> None:
    with server.client() as c:
        r = c.post(SESSION, json={"UserName": "tje0", "Password": "Tje0"})
    assert r.status_code == 200, r.text
    cookies = {h.split("=", 1)[0]: h for h in r.headers.get_list("set-cookie")}
    assert "HttpOnly" in cookies["SODIARY_SESSION"]
    assert "HttpOnly" not in cookies["XSRF-TOKEN"]
    assert f"XSRF-TOKEN={r.json()['XsrfToken']};" in cookies["XSRF-TOKEN"]


def test_a_change_with_the_cookie_and_a_matching_xsrf_header_is_accepted(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        xsrf = open_session(c)
        assert accept(c, child, X_XSRF_TOKEN=xsrf).status_code == 204
    [answer] = seed.history(child)
    assert answer["scheme"] == "Session"


def test_without_the_session_cookie_it_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        xsrf = open_session(c)
        c.cookies.delete("SODIARY_SESSION")
        with Unchanged(seed):
            assert_401(accept(c, child, X_XSRF_TOKEN=xsrf))


def test_the_cookie_without_the_xsrf_header_is_403(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        open_session(c)
        with Unchanged(seed):
            body = assert_error(accept(c, child), 403, "SoAccessDeniedException")
    assert "X-XSRF-TOKEN" in body["Message"]


def test_a_mismatched_xsrf_header_is_403(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        xsrf = open_session(c)
        with Unchanged(seed):
            assert_error(accept(c, child, X_XSRF_TOKEN=xsrf[:-1] + ("A" if xsrf[-1] != "A" else "B")), 403)


def test_an_xsrf_value_planted_in_both_cookie_and_header_is_403(server: LiveServer, seed: Seeder) -> None:
    # Double-submit alone would accept this; the value must be the one issued with the session.
    child = seed.booking().children["tje0"]
    with server.client() as c:
        open_session(c)
        c.cookies.set("XSRF-TOKEN", "planted")
        with Unchanged(seed):
            assert_error(accept(c, child, X_XSRF_TOKEN="planted"), 403)


def test_another_sessions_xsrf_token_is_403(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as other:
        foreign = open_session(other)
    with server.client() as c:
        open_session(c)
        c.cookies.set("XSRF-TOKEN", foreign)
        with Unchanged(seed):
            assert_error(accept(c, child, X_XSRF_TOKEN=foreign), 403)


def test_a_tampered_session_cookie_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        xsrf = open_session(c)
        token = c.cookies["SODIARY_SESSION"]
        c.cookies.set("SODIARY_SESSION", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
        with Unchanged(seed):
            assert_401(accept(c, child, X_XSRF_TOKEN=xsrf))


def test_an_expired_session_is_401(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    insert_token(seed, "session", "expired-session", "tje0", expires=utc_now() - timedelta(minutes=1), xsrf="x1")
    with server.client() as c, Unchanged(seed):
        c.cookies.set("SODIARY_SESSION", "expired-session")
        c.cookies.set("XSRF-TOKEN", "x1")
        assert_401(accept(c, child, X_XSRF_TOKEN="x1"))


def test_closing_the_session_revokes_it(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client() as c:
        xsrf = open_session(c)
        token = c.cookies["SODIARY_SESSION"]
        r = c.request("DELETE", SESSION, headers={"X-XSRF-TOKEN": xsrf})
        assert r.status_code == 204, r.text
        # A copy of the cookie kept by someone else is dead, too.
        c.cookies.set("SODIARY_SESSION", token)
        c.cookies.set("XSRF-TOKEN", xsrf)
        with Unchanged(seed):
            assert_401(accept(c, child, X_XSRF_TOKEN=xsrf))


def test_closing_a_session_needs_the_xsrf_header(server: LiveServer) -> None:
    with server.client() as c:
        open_session(c)
        assert_error(c.request("DELETE", SESSION), 403)


def test_a_session_login_with_a_wrong_password_is_401_and_sets_no_cookie(server: LiveServer) -> None:
    with server.client() as c:
        r = c.post(SESSION, json={"UserName": "tje0", "Password": "nope"})
    assert_401(r)
    assert not r.headers.get_list("set-cookie")


def test_the_authorization_header_wins_over_a_session_cookie(server: LiveServer, seed: Seeder) -> None:
    # Basic needs no XSRF token: a browser never adds Authorization on its own.
    child = seed.booking(invitees=("ben",)).children["ben"]
    with server.client("ben", "Ben") as c:
        open_session(c, "tje0", "Tje0")
        assert accept(c, child).status_code == 204
    [answer] = seed.history(child)
    assert answer["scheme"] == "Basic"


def test_reading_needs_no_xsrf_header_but_deleting_does(server: LiveServer, seed: Seeder) -> None:
    appointment = seed.plain(owner="tje0")
    with server.client() as c:
        open_session(c)
        assert c.get(f"/api/v1/Appointment/{appointment}").status_code == 200
        with Unchanged(seed):
            assert_error(c.delete(f"/api/v1/Appointment/{appointment}"), 403)
