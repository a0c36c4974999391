"""PostgreSQL scaling: `sodiary serve --workers 1` against `--workers 2` on one database.

A fresh database (CREATE DATABASE on the bench's PostgreSQL, by default postgres@127.0.0.1:5432
with trust authentication) is loaded with invitations for tje0 by bench/accept.py's loader. The
runs alternate 1 and 2 workers under the same wrk load, each on its own slice of invitations so
every request still writes; the figure is the median of the per-round ratios.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from accept import LOGINS, Measurement, Options, measure, prepare_url, sodiary_server

ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def database_url(admin_url: str, name: str) -> str:
    """The admin URL with its database name replaced."""
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(database_url(ADMIN_URL, "postgres").replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def available() -> bool:
    try:
        _admin("SELECT 1")
    except Exception:  # noqa: BLE001 — any failure means: no PostgreSQL for the bench
        return False
    return True


@dataclass(frozen=True)
class ScaleRound:
    one: Measurement
    two: Measurement

    @property
    def ratio(self) -> float:
        return self.two.result.rps / self.one.result.rps


def measure_scaling(workdir: Path, headers: dict[str, str], opts: Options, rounds: int) -> list[ScaleRound]:
    name = f"sodiary_bench_{os.getpid()}"
    url = database_url(ADMIN_URL, name)
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    try:
        first_id = prepare_url(url, opts.invitations)
        cursor = 0  # invitations used so far
        done: list[ScaleRound] = []
        for n in range(rounds):
            pair = []
            for workers in (1, 2):
                label = f"pg-{workers}w"
                server = sodiary_server(label, url, workdir / f"{label}-{n}.log", workers)
                m = measure(label, server, first_id + cursor, workdir, headers, opts, lambda: 0, logins=LOGINS)
                cursor += LOGINS + m.warmup.requests + m.result.requests + 2 * opts.connections
                pair.append(m)
            done.append(ScaleRound(pair[0], pair[1]))
        return done
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
