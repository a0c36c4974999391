"""SO-AppToken enforced (SODIARY_REQUIRE_APP_TOKEN=true): once an application is registered, only it gets in."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.auth_support import LOGIN, RECHECK_NOW, accept, assert_401, cli
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {**RECHECK_NOW, "SODIARY_REQUIRE_APP_TOKEN": "true"}


def register(server: LiveServer) -> tuple[str, str]:
    name = "app-" + uuid.uuid4().hex[:8]
    out = cli(server, "app", "add", name)
    assert out.returncode == 0, out.stderr
    return name, out.stdout.strip()


@pytest.fixture
def app(server: LiveServer) -> Iterator[tuple[str, str]]:
    """A registered application (name, token), unregistered afterwards."""
    name, token = register(server)
    yield name, token
    assert cli(server, "app", "remove", name).returncode == 0


def test_with_no_application_registered_nothing_is_enforced(server: LiveServer, seed: Seeder) -> None:
    assert cli(server, "app", "list").stdout == ""
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert accept(c, child).status_code == 204


def test_a_registered_token_gets_in_and_its_app_name_is_recorded(
    server: LiveServer, seed: Seeder, app: tuple[str, str]
) -> None:
    name, token = app
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert accept(c, child, SO_AppToken=token).status_code == 204
    [answer] = seed.history(child)
    assert answer["app"] == name


def test_without_a_token_it_is_403(server: LiveServer, seed: Seeder, app: tuple[str, str]) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        body = assert_error(accept(c, child), 403, "SoAccessDeniedException")
    assert "SO-AppToken" in body["Message"]


def test_an_unknown_token_is_403(server: LiveServer, seed: Seeder, app: tuple[str, str]) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(accept(c, child, SO_AppToken=app[1] + "x"), 403, "SoAccessDeniedException")


def test_a_removed_applications_token_is_403(server: LiveServer, seed: Seeder, app: tuple[str, str]) -> None:
    name, token = register(server)
    assert cli(server, "app", "remove", name).returncode == 0
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(accept(c, child, SO_AppToken=token), 403)


def test_logging_in_needs_the_token_too(server: LiveServer, app: tuple[str, str]) -> None:
    with server.client() as c:
        assert_error(c.post(LOGIN, json={"UserName": "tje0", "Password": "Tje0"}), 403)
        r = c.post(LOGIN, json={"UserName": "tje0", "Password": "Tje0"}, headers={"SO-AppToken": app[1]})
        assert r.status_code == 200, r.text


def test_bad_credentials_are_401_before_the_token_is_looked_at(
    server: LiveServer, seed: Seeder, app: tuple[str, str]
) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0", "wrong") as c, Unchanged(seed):
        assert_401(accept(c, child))


def test_app_list_shows_names_and_never_tokens(server: LiveServer, app: tuple[str, str]) -> None:
    name, token = app
    out = cli(server, "app", "list")
    assert name in out.stdout
    assert token not in out.stdout


def test_registering_a_name_twice_fails(server: LiveServer, app: tuple[str, str]) -> None:
    out = cli(server, "app", "add", app[0])
    assert out.returncode == 1
    assert "already registered" in out.stderr
