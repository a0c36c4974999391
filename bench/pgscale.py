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
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from accept import LOGINS, Measurement, Options, measure, prepare_url, process_tree, sodiary_server

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


# ---- one worker on PostgreSQL against pgbench and against SQLite (issue 18) ------------------------------

# The single-answer transaction of an Accept as sodiary runs it (store/bookings.py): the invitation read and
# locked, the guarded UPDATE, the audit row. Each client walks its own ids (`n` persists between a client's
# transactions), so every transaction answers a fresh invitation, as every wrk request does.
PGBENCH_SCRIPT = """\
\\set id :first + :client_id + :clients * :n
\\set n :n + 1
BEGIN;
SELECT appointment_id, mother_id, associate_id, type, status, recurrence_rule_id, start_date, assigned_by, private
  FROM appointment WHERE appointment_id = :id FOR UPDATE;
UPDATE appointment SET associate_id = :invitee, type = 1, status = 1, updated = now(),
  updated_associate_id = :invitee, updated_count = updated_count + 1 WHERE appointment_id = :id AND status = 5;
INSERT INTO answer_history (appointment_id, associate_id, operation, update_mode, from_status, to_status,
  from_type, to_type, scheme, app, reason, answered_at)
  VALUES (:id, :invitee, 'Accept', 0, 5, 1, 6, 1, 'Basic', '', '', now());
END;
"""


def process_ticks(pids: list[int]) -> int:
    """utime + stime of these processes, in clock ticks (those that exited count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total


def postgres_pids(database: str) -> list[int]:
    """The backends serving `database` and the server's own background processes (WAL writer, checkpointer…):
    what PostgreSQL spends for this database, not for the other databases of a shared server."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if not cmdline.startswith("postgres: "):
            continue
        parts = cmdline.split()
        backend = len(parts) >= 4 and "(" in cmdline  # "postgres: 15/main: <user> <database> <host>(<port>) …"
        if not backend or database in parts:
            found.append(int(entry.name))
    return found


TICK_SECONDS = 1 / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Costed:
    """A measured run and the CPU each side spent on it, per request."""

    name: str
    rps: float
    requests: int
    client_us: float | None  # sodiary's processes (None for pgbench)
    postgres_us: float | None


def costed(m: Measurement, server_ticks: int, pg_ticks: int | None) -> Costed:
    n = max(m.result.requests, 1)
    return Costed(m.name, m.result.rps, m.result.requests, server_ticks * TICK_SECONDS / n * 1e6,
                  None if pg_ticks is None else pg_ticks * TICK_SECONDS / n * 1e6)


def parse_pgbench(output: str) -> tuple[float, int]:
    """(transactions/s, transactions) from pgbench's summary."""
    import re

    tps = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", output)
    done = re.search(r"number of transactions actually processed: (\d+)", output)
    if tps is None or done is None:
        raise RuntimeError(f"pgbench output not understood:\n{output[-2000:]}")
    return float(tps.group(1)), int(done.group(1))


def run_pgbench(url: str, name: str, first: int, clients: int, seconds: int, workdir: Path,
                transactions: int | None = None) -> Costed:
    """pgbench -M prepared of the single-answer transaction, `clients` connections, on fresh invitations,
    for `seconds` (or `transactions` per client)."""
    import subprocess

    from sodiary.domain.enums import AppointmentStatus as S
    from sodiary.domain.enums import AppointmentType as T

    assert (int(S.Booking), int(S.NotStarted), int(T.BookingForDiary), int(T.inDiary)) == (5, 1, 6, 1)
    with _connect(url) as conn:
        row = conn.execute("SELECT associate_id FROM associate WHERE name = 'tje0'").fetchone()
    invitee = int(row[0]) if row else 0
    script = workdir / "answer.pgbench"
    script.write_text(PGBENCH_SCRIPT)
    base, _, _ = url.replace("postgresql+psycopg", "postgresql").rpartition("/")
    limit = ["-t", str(transactions)] if transactions is not None else ["-T", str(seconds)]
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "1", *limit,
           "-D", f"first={first}", "-D", f"clients={clients}", "-D", "n=0", "-D", f"invitee={invitee}",
           "-f", str(script), f"{base}/{name}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True)
    tps, done = parse_pgbench(out.stdout)
    return Costed("pgbench", tps, done, None, None)


@dataclass(frozen=True)
class EngineRound:
    sqlite: Costed
    postgresql: Costed
    pgbench: Costed


def measure_costed(label: str, url: str, database: str | None, first: int, workdir: Path, headers: dict[str, str],
                   opts: Options, count: Callable[[], int]) -> tuple[Measurement, Costed]:
    """One worker under wrk, with the CPU its processes and (for PostgreSQL) the database's spent in the run."""
    server = sodiary_server(label, url, workdir / f"{label}.log", 1)
    ticks: dict[str, int] = {}

    def sample(when: str) -> None:
        assert server.process is not None
        ticks[f"{when}-server"] = process_ticks(process_tree(server.process.pid))
        if database is not None:
            ticks[f"{when}-pg"] = process_ticks(postgres_pids(database))

    m = measure(label, server, first, workdir, headers, opts, count, logins=LOGINS, on_run=sample)
    pg = ticks["after-pg"] - ticks["before-pg"] if database is not None else None
    return m, costed(m, ticks["after-server"] - ticks["before-server"], pg)


def measure_engines(workdir: Path, headers: dict[str, str], opts: Options, rounds: int) -> list[EngineRound]:
    """Per round: sodiary with one worker on SQLite, on PostgreSQL, and pgbench on PostgreSQL."""
    from accept import count_sodiary_accepted, prepared_copy

    name = f"sodiary_bench_{os.getpid()}_e"
    url = database_url(ADMIN_URL, name)
    _admin(f'DROP DATABASE IF EXISTS "{name}"')
    _admin(f'CREATE DATABASE "{name}"')
    try:
        first_id = prepare_url(url, opts.invitations)
        last_id = first_id + opts.invitations - 1
        cursor = 0
        done: list[EngineRound] = []
        for n in range(rounds):
            (workdir / "sqlite").mkdir(exist_ok=True)
            db_path = workdir / "sqlite" / f"engines-{n}.db"
            sqlite_first = prepared_copy(db_path, opts.invitations)
            _, lite = measure_costed("sqlite-1w", f"sqlite:///{db_path}", None, sqlite_first, workdir, headers, opts,
                                     lambda p=db_path, f=sqlite_first: count_sodiary_accepted(p, f, opts.invitations))
            start = first_id + cursor
            m, pg = measure_costed("pg-1w", url, name, start, workdir, headers, opts,
                                   lambda start=start: count_accepted(url, start, last_id))
            cursor += LOGINS + m.warmup.requests + m.result.requests + 2 * opts.connections
            bench = run_pgbench(url, name, first_id + cursor, opts.connections, opts.duration, workdir)
            cursor += bench.requests + opts.connections
            if cursor > opts.invitations:
                print("warning: pgbench ran out of invitations; raise --pg-invitations", file=sys.stderr)
            done.append(EngineRound(lite, pg, bench))
        return done
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_report(rounds: list[EngineRound]) -> list[str]:
    """The table and the three summary lines (medians of the per-round ratios)."""
    import statistics

    lines = [f"{'':<10} {'round':>5} {'requests/s':>10} {'sodiary µs/req':>15} {'postgres µs/req':>16}"]
    for n, r in enumerate(rounds, 1):
        for c in (r.sqlite, r.postgresql, r.pgbench):
            own = "—" if c.client_us is None else f"{c.client_us:.0f}"
            pg = "—" if c.postgres_us is None else f"{c.postgres_us:.0f}"
            lines.append(f"{c.name:<10} {n:>5} {c.rps:>10.0f} {own:>15} {pg:>16}")

    def median(values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")

    lines.append(f"postgresql accept/pgbench = {median([r.postgresql.rps / r.pgbench.rps for r in rounds]):.2f}")
    lines.append(f"postgresql/sqlite = {median([r.postgresql.rps / r.sqlite.rps for r in rounds]):.2f}")
    own = [r.postgresql.client_us / r.sqlite.client_us for r in rounds
           if r.postgresql.client_us and r.sqlite.client_us]
    on_pg = median([r.postgresql.client_us or 0 for r in rounds])
    on_sqlite = median([r.sqlite.client_us or 0 for r in rounds])
    postgres = median([r.postgresql.postgres_us or 0 for r in rounds])
    lines.append(f"CPU per Accept: sodiary on postgresql {on_pg:.0f} µs, on sqlite {on_sqlite:.0f} µs "
                 f"(postgresql/sqlite = {median(own):.2f}); PostgreSQL {postgres:.0f} µs")
    return lines


def scaling_report(rounds: list[ScaleRound]) -> list[str]:
    """Each round's rates and the machine's idle CPU, and the median of the per-round ratios."""
    import statistics

    lines = [f"round {n}: 1 worker {r.one.result.rps:.0f}/s (idle {r.one.idle_percent or 0:.0f}%), "
             f"2 workers {r.two.result.rps:.0f}/s (idle {r.two.idle_percent or 0:.0f}%), ratio {r.ratio:.2f}, "
             f"verified {r.one.verified and r.two.verified}" for n, r in enumerate(rounds, 1)]
    lines.append(f"postgresql workers2/workers1 = {statistics.median(r.ratio for r in rounds):.2f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Only the engines comparison (run.py's last PostgreSQL table), for working on the PostgreSQL path."""
    import argparse
    import shutil
    import tempfile
    import time

    from accept import CLIENT_HEADERS, INVITEE, PASSWORD, basic_auth

    ap = argparse.ArgumentParser(description="one worker on SQLite and PostgreSQL, and pgbench, in rounds")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--duration", type=int, default=5, help="seconds per run, after a 1 s warm-up")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--invitations", type=int, default=150_000)
    ap.add_argument("--scaling", action="store_true", help="instead: --workers 1 against --workers 2 (run.py's "
                    "first PostgreSQL table), for the capacity model")
    args = ap.parse_args(argv)
    if not available():
        print(f"postgresql: not reachable at {ADMIN_URL}", file=sys.stderr)
        return 2
    print(f"date: {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load average {os.getloadavg()[0]:.2f}")
    headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
    opts = Options(duration=args.duration, warmup=1, connections=args.connections, threads=1,
                   invitations=args.invitations)
    workdir = Path(tempfile.mkdtemp(prefix="sodiary-engines-"))
    try:
        if args.scaling:
            print("\n".join(scaling_report(measure_scaling(workdir, headers, opts, args.rounds))))
        else:
            print("\n".join(engine_report(measure_engines(workdir, headers, opts, args.rounds))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
