"""Small helpers shared by the Accept tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.seed import Seeder

ACCEPT = "/api/v1/Agents/Appointment/Accept"


def post_accept(client: httpx.Client, body: bytes | str, content_type: str | None = "application/json",
                **headers: str) -> httpx.Response:
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    if content_type is not None:
        sent["Content-Type"] = content_type
    return client.post(ACCEPT, content=body, headers=sent)


def assert_error(response: httpx.Response, status: int, error_type: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["Error"] is True
    assert body["Message"] and body["Message"] == body["ErrorMessage"]
    assert body["ErrorSource"]
    if error_type is not None:
        assert body["ErrorType"] == error_type
    return dict(body)


class Unchanged:
    """`with Unchanged(seed):` fails the test if the database changed inside the block."""

    def __init__(self, seed: Seeder) -> None:
        self.seed = seed

    def __enter__(self) -> Unchanged:
        self.before = self.seed.snapshot()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert self.seed.snapshot() == self.before, "the database changed"
