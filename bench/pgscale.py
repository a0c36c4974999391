"""PostgreSQL scaling: `sodiary serve --workers 1` against `--workers 2` on one database.

A fresh database (CREATE DATABASE on the bench's PostgreSQL, by default postgres@127.0.0.1:5432
with trust authentication) is loaded with invitations for tje0 by bench/accept.py's loader. The
runs alternate 1 and 2 workers under the same wrk load, each on its own slice of invitations so
every request still writes; the figure is the median of the per-round ratios. Every run is verified
against the database, and the machine's idle CPU during each run is kept: the workers, PostgreSQL
and wrk share the same CPUs.
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


def _connect(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)


def _admin(sql: str) -> None:
    with _connect(database_url(ADMIN_URL, "postgres")) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def available() -> bool:
    try:
        _admin("SELECT 1")
    except Exception:  # noqa: BLE001 — any failure means: no PostgreSQL for the bench
        return False
    return True


def count_accepted(url: str, first: int, last: int) -> int:
    """tje0's accepted invitations with ids first..last (the same test as the SQLite count)."""
    with _connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM appointment WHERE appointment_id BETWEEN %s AND %s "
                           "AND status = 1 AND type = 1", (first, last)).fetchone()
    return int(row[0]) if row else 0


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
        last_id = first_id + opts.invitations - 1
        cursor = 0  # invitations used so far
        done: list[ScaleRound] = []
        for n in range(rounds):
            pair = []
            for workers in (1, 2):
                label = f"pg-{workers}w"
                server = sodiary_server(label, url, workdir / f"{label}-{n}.log", workers)
                start = first_id + cursor
                m = measure(label, server, start, workdir, headers, opts,
                            lambda start=start: count_accepted(url, start, last_id), logins=LOGINS)
                cursor += LOGINS + m.warmup.requests + m.result.requests + 2 * opts.connections
                pair.append(m)
            done.append(ScaleRound(pair[0], pair[1]))
        return done
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
