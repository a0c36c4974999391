"""SO-AppToken not enforced (the default): the application's name is still recorded with each change."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.auth_support import (
    accept,
    cli,
)
from tests.support.seed import Seeder
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def server(recheck_now_server: LiveServer) -> LiveServer:
    return recheck_now_server


def test_a_registered_applications_name_is_recorded(server: LiveServer, seed: Seeder) -> None:
    name = "app-" + uuid.uuid4().hex[:8]
    token = cli(server, "app", "add", name).stdout.strip()
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert accept(c, child, SO_AppToken=token).status_code == 204
    assert seed.history(child)[0]["app"] == name


def test_an_unregistered_token_is_let_through_and_recorded_as_a_digest(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert accept(c, child, SO_AppToken="some-secret-token").status_code == 204
    recorded = seed.history(child)[0]["app"]
    assert re.fullmatch(r"token:[0-9a-f]{16}", recorded)
    assert "some-secret-token" not in recorded


def test_without_a_token_no_application_is_recorded(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert accept(c, child).status_code == 204
    assert seed.history(child)[0]["app"] == ""
