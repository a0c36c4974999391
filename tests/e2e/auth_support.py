"""Helpers shared by the authentication tests: servers with special settings, the CLI, tokens."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select

from sodiary.service.tickets import digest
from sodiary.store.schema import associate, auth_token
from tests.e2e.accept_support import assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"
LOGIN = "/api/v1/Sodiary/Login"
LOGOUT = "/api/v1/Sodiary/Logout"
SESSION = "/api/v1/Sodiary/Session"
# Re-check every cached credential against the database on each request, so a change made by the
# CLI (another process) shows at once instead of within the default 5 s.
RECHECK_NOW = {"SODIARY_CREDENTIAL_RECHECK_SECONDS": "0"}



def accept(client: httpx.Client, appointment_id: int, **headers: str) -> httpx.Response:
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    return client.post(ACCEPT, json={"AppointmentId": appointment_id}, headers=sent)


def assert_401(response: httpx.Response, key_text: str | None = None) -> dict[str, Any]:
    body = assert_error(response, 401)
    challenge = response.headers["www-authenticate"]
    for scheme in ("Basic", "SOTicket", "Bearer"):
        assert scheme in challenge, challenge
    if key_text is not None:
        assert key_text in body["Message"]
    return body


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=server.database_url)
    return subprocess.run([sys.executable, "-m", "sodiary.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def new_user(server: LiveServer, password: str = "Secret-1") -> str:
    name = "u" + uuid.uuid4().hex[:10]
    out = cli(server, "user", "add", name, "--password", password)
    assert out.returncode == 0, out.stderr
    return name


def login(client: httpx.Client, user: str, password: str) -> str:
    r = client.post(LOGIN, json={"UserName": user, "Password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["Ticket"])


def insert_token(seed: Seeder, kind: str, token: str, user: str, *, expires: datetime, xsrf: str = "") -> None:
    """A token row written straight into the database (e.g. one that expired an hour ago)."""
    with seed.engine.begin() as conn:
        associate_id, version = conn.execute(
            select(associate.c.associate_id, associate.c.credential_version).where(associate.c.name == user)
        ).one()
        conn.execute(insert(auth_token).values(
            kind=kind, token_hash=digest(token), associate_id=associate_id, credential_version=version,
            xsrf_hash=digest(xsrf) if xsrf else "", created=expires - timedelta(hours=8), expires=expires,
            revoked=False,
        ))
