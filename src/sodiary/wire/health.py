"""Operational routes, all without a login: `/health/live`, `/health/ready`, `/metrics` and `/`.

Readiness asks the database itself on a connection of its own (never one the pool's requests are
queued for, so a saturated pool does not look like an outage, and a stopped database is seen at
once): one query reads Alembic's version, which proves the database answers and says whether its
schema is the one this code expects. The answer is kept for a second and concurrent probes share
one check, so any number of pollers cost at most one query a second.
"""

from __future__ import annotations

import asyncio
import hmac
import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import msgspec
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sodiary import metrics
from sodiary.service.clock import utc_now
from sodiary.store import outbox
from sodiary.store.database import normalise_url
from sodiary.store.migrate import alembic_config

READY_CACHE_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 2
RETRY_AFTER_SECONDS = 5
JSON = "application/json; charset=utf-8"

# The outbox is stuck when messages are due and nobody delivers them (no worker alive to claim them); a
# receiver that refuses is not "stuck": its messages wait for their retry, due again later.
OutboxCheck = Callable[[Connection], str | None]


def outbox_not_stuck(grace_seconds: float) -> OutboxCheck:
    def check(conn: Connection) -> str | None:
        count = outbox.overdue(conn, utc_now() - timedelta(seconds=grace_seconds))
        if count:
            return f"outbox stuck: {count} message(s) due for over {grace_seconds:g} s and not being delivered"
        return None

    return check


def code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The code's head revisions, and every revision it knows."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def probe_engine(url: str) -> Engine:
    """A connection per probe: SQLite opened read-write without creating the file, PostgreSQL with a short timeout."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database or ""

        def connect() -> sqlite3.Connection:
            # mode=rw: a missing file is an outage, not a new empty database.
            return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1, check_same_thread=False)

        return create_engine("sqlite://", creator=connect, poolclass=NullPool)
    return create_engine(parsed, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


class Readiness:
    def __init__(self, url: str, outbox: OutboxCheck | None = None) -> None:
        self._engine = probe_engine(url)
        self._heads, self._known = code_revisions()
        self._outbox = outbox
        self._stuck: str | None = None
        self._answer: tuple[float, bool, dict[str, Any]] | None = None
        self._running: asyncio.Future[tuple[bool, dict[str, Any]]] | None = None

    def _database(self) -> str | None:
        """None when the database answers with the code's schema; else the reason."""
        try:
            with self._engine.connect() as conn:
                versions = frozenset(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
                stuck = self._outbox(conn) if self._outbox is not None and versions == self._heads else None
        except Exception as exc:
            first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
            return f"database unreachable: {first[:200]}"
        if versions == self._heads:
            self._stuck = stuck
            return None
        have, want = ", ".join(sorted(versions)) or "none", ", ".join(sorted(self._heads))
        if versions - self._known:
            return f"database schema {have} is newer than this server's {want}: a newer sodiary migrated it"
        return f"database schema {have} is behind this server's {want}: migrate it (sodiary init)"

    async def _check(self) -> tuple[bool, dict[str, Any]]:
        problem = await asyncio.to_thread(self._database)
        checks: dict[str, str] = {"database": problem or "ok"}
        if problem is None:
            checks["outbox"] = self._stuck or "ok"
        reasons = [v for v in checks.values() if v != "ok"]
        if reasons:
            return False, {"status": "unavailable", "reason": "; ".join(reasons), "checks": checks}
        return True, {"status": "ready", "checks": checks}

    async def check(self) -> tuple[bool, dict[str, Any]]:
        now = time.monotonic()
        if self._answer is not None and now - self._answer[0] < READY_CACHE_SECONDS:
            return self._answer[1], self._answer[2]
        if self._running is None:
            self._running = asyncio.ensure_future(self._check())
            running = self._running

            def done(_: Any) -> None:
                self._running = None
                if not running.cancelled() and running.exception() is None:
                    ok, body = running.result()
                    self._answer = (time.monotonic(), ok, body)

            running.add_done_callback(done)
        return await asyncio.shield(self._running)

    def close(self) -> None:
        self._engine.dispose()


def _json(body: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(msgspec.json.encode(body), status, {"Cache-Control": "no-store", **(headers or {})}, JSON)


def metrics_mode(setting: str) -> tuple[bool, str]:
    """SODIARY_METRICS: `off`, `on` (open), or a bearer token (at least 16 characters) a scrape must send."""
    value = setting.strip()
    if value.lower() in ("off", "false", "0", "no", ""):
        return False, ""
    if value.lower() in ("on", "true", "1", "yes"):
        return True, ""
    if len(value) < 16:
        raise SystemExit("sodiary: SODIARY_METRICS must be off, on, or a bearer token of at least 16 characters")
    return True, value


def routes(readiness: Readiness, metrics_on: bool, metrics_token: str) -> list[Route]:
    async def live(request: Request) -> Response:
        return _json({"status": "live"}, 200)

    async def ready(request: Request) -> Response:
        ok, body = await readiness.check()
        if ok:
            return _json(body, 200)
        return _json(body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)})

    async def scrape(request: Request) -> Response:
        if metrics_token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), metrics_token.encode()):
                return _json({"status": "unauthorized", "reason": "GET /metrics needs the SODIARY_METRICS token "
                              "as `Authorization: Bearer <token>`"}, 401,
                             {"WWW-Authenticate": 'Bearer realm="sodiary-metrics"'})
        body = await asyncio.to_thread(metrics.render)  # multiprocess mode reads files: off the loop
        return Response(body, 200, {"Cache-Control": "no-store"}, metrics.CONTENT_TYPE)

    found = [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
    ]
    if metrics_on:
        found.append(Route("/metrics", scrape, methods=["GET"]))
    return found
