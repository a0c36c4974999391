"""AcceptWithEmailConfirmation against plain Accept in one run (issue 19), and the delivery rate.

Both targets are the real server (`serve --workers N`) on copies of one scratch database of invitations
for tje0, configured with a local SMTP sink (aiosmtpd in this process). Every request answers a distinct
invitation, so every Accept writes, and every AcceptWithEmailConfirmation also writes its outbox row (a
METHOD:REPLY to the organiser) in the answer's own transaction; the delivery worker sends it after the
commit, on the same machine, while the load runs. Each round runs Accept and the e-mail twin, the
order swapped every other round; the figure is the median of the per-round ratios of 204s per second (a run that
ran out of invitations is flagged: its 404s, cheap, would otherwise count as answers).

After each e-mail run the server keeps running until the outbox is empty: the delivery rate is the mails
the sink received in that drain divided by its duration (mails/s into a local SMTP sink).

    .venv/bin/python bench/mail.py --quick      # two 3 s runs, ~1 minute with the database
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import accept
from accept import CLIENT_HEADERS, INVITEE, PASSWORD, Options, WrkResult, basic_auth

ACCEPT = "/api/v1/Agents/Appointment/Accept"
WITH_EMAIL = "/api/v1/Agents/Appointment/AcceptWithEmailConfirmation"
TARGET = 0.8  # issue 19: the e-mail twin at no less than 0.8 of Accept's throughput


class Sink:
    """Counts the messages an SMTP server on a free loopback port receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.count = 0
        self.lock = threading.Lock()
        self.port = accept.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            self.count += 1
        return "250 OK"

    def received(self) -> int:
        with self.lock:
            return self.count


@dataclass(frozen=True)
class Run:
    path: str
    result: WrkResult
    accepted: int  # rows answered in the database (verification)
    queued: int  # outbox rows written
    drained: int = 0  # mails the sink received after the load stopped
    drain_seconds: float = 0.0
    load_cpu: float = 0.0  # the server's processes' CPU seconds (user + system) during the measured run
    drain_cpu: float = 0.0  # and during the drain

    @property
    def answered_per_second(self) -> float:
        """204s per second: what the ratio compares. A request past the last invitation is answered 404, cheaply,
        and would count in wrk's requests/s as if it were an answer."""
        return self.result.ok / self.result.seconds if self.result.seconds > 0 else 0.0

    @property
    def delivery_rate(self) -> float:
        return self.drained / self.drain_seconds if self.drain_seconds > 0 else 0.0

    @property
    def cpu_per_request_us(self) -> float:
        """Server CPU per 2xx of the measured run (for the e-mail twin: its answers and whatever delivery the
        pacing let in meanwhile); unlike requests/s, it hardly moves with the machine's other load."""
        return self.load_cpu / self.result.ok * 1e6 if self.result.ok else 0.0

    @property
    def cpu_per_mail_us(self) -> float:
        return self.drain_cpu / self.drained * 1e6 if self.drained else 0.0


def server_cpu(server: accept.Server) -> float:
    """utime + stime of the server and its worker processes so far, in seconds."""
    assert server.process is not None
    ticks = 0
    for pid in accept.process_tree(server.process.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def ratio(pairs: list[tuple[float, float]]) -> float | None:
    ratios = [a / b for a, b in pairs if b > 0]
    return statistics.median(ratios) if ratios else None


def _counts(db_path: Path, first_id: int, invitations: int) -> tuple[int, int, int]:
    """(rows accepted, confirmations queued, confirmations not yet sent)."""
    with sqlite3.connect(db_path, timeout=30) as conn:
        accepted = conn.execute("SELECT count(*) FROM appointment WHERE appointment_id BETWEEN ? AND ? AND status = 1",
                                (first_id, first_id + invitations - 1)).fetchone()[0]
        queued, pending = conn.execute(
            "SELECT count(*), coalesce(sum(status = 'pending'), 0) FROM outbox_message").fetchone()
        # Confirmations the delivery worker has not yet moved into outbox_message (migration 0016).
        waiting = conn.execute("SELECT count(*) FROM outbox_reply").fetchone()[0]
    return int(accepted), int(queued) + int(waiting), int(pending) + int(waiting)


def measure(workdir: Path, path: str, opts: Options, workers: int, sink: Sink, drain_limit: float = 300.0) -> Run:
    db_path = workdir / f"{path.rsplit('/', 1)[1]}.db"
    first_id = accept.prepared_copy(db_path, opts.invitations)
    port = accept.free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", SODIARY_LOG_LEVEL="warning",
               SODIARY_SMTP_URL=f"smtp://127.0.0.1:{sink.port}", SODIARY_MAIL_FROM="diary@example.org")
    cmd = [sys.executable, "-m", "sodiary.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    server = accept.Server(path.rsplit("/", 1)[1], cmd, env, workdir / f"{path.rsplit('/', 1)[1]}.log", port).start()
    headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
    url = f"http://127.0.0.1:{port}{path}"

    def script(start: int, label: str) -> Path:
        out = workdir / f"{label}.lua"
        out.write_text(accept.lua_script(first_id=first_id, start=start, threads=opts.threads, path=path,
                                         headers=headers))
        return out

    drained, drain_seconds = 0, 0.0
    try:
        for k in range(accept.LOGINS):  # each worker verifies the password (argon2) once, before the load
            accept.send_one(url, headers, first_id + k)
        warmup = accept.run_wrk(url, script(accept.LOGINS, f"{server.name}-warmup"), opts.warmup, opts)
        start = accept.LOGINS + warmup.requests + opts.connections
        cpu = server_cpu(server)
        result = accept.run_wrk(url, script(start, f"{server.name}-run"), opts.duration, opts)
        load_cpu = server_cpu(server) - cpu
        drain_cpu = 0.0
        if path == WITH_EMAIL:
            before, began, cpu = sink.received(), time.monotonic(), server_cpu(server)
            while _counts(db_path, first_id, opts.invitations)[2] and time.monotonic() - began < drain_limit:
                time.sleep(0.05)
            drained, drain_seconds = sink.received() - before, time.monotonic() - began
            drain_cpu = server_cpu(server) - cpu
    finally:
        server.stop()
    accepted, queued, _ = _counts(db_path, first_id, opts.invitations)
    return Run(path, result, accepted, queued, drained, drain_seconds, load_cpu, drain_cpu)


def rounds(scratch: Path, opts: Options, workers: int, count: int) -> list[tuple[Run, Run]]:
    sink = Sink()
    sink.controller.start()
    try:
        done = []
        for n in range(count):
            workdir = scratch / f"mail-round{n + 1}"
            workdir.mkdir()
            # The order swaps every other round, so that neither target is always the one that runs right
            # after the other's load (a VM's CPU credit and the disk's cache follow the load before).
            if n % 2 == 0:
                plain = measure(workdir, ACCEPT, opts, workers, sink)
                email = measure(workdir, WITH_EMAIL, opts, workers, sink)
            else:
                email = measure(workdir, WITH_EMAIL, opts, workers, sink)
                plain = measure(workdir, ACCEPT, opts, workers, sink)
            done.append((plain, email))
        return done
    finally:
        sink.controller.stop()


def report(done: list[tuple[Run, Run]]) -> list[str]:
    lines = [f"{'':<28} {'round':>5} {'requests/s':>10} {'204/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'2xx':>9} "
             f"{'answered':>9} {'outbox':>7} {'CPU µs/2xx':>10}"]
    for n, pair in enumerate(done, 1):
        for run in pair:
            r = run.result
            lines.append(f"{run.path.rsplit('/', 1)[1]:<28} {n:>5} {r.rps:>10.1f} {run.answered_per_second:>9.1f} "
                         f"{r.p50_ms:>9.2f} {r.p99_ms:>9.2f} {r.ok:>9} {run.accepted:>9} {run.queued:>7} "
                         f"{run.cpu_per_request_us:>10.0f}")
            if r.ok != r.requests:
                lines.append(f"  ^ {r.requests - r.ok} of {r.requests} responses were not 204 (statuses {r.statuses}): "
                             "too few invitations for this machine's rate (--invitations)")
    for n, (plain, email) in enumerate(done, 1):
        cpu = email.cpu_per_request_us / plain.cpu_per_request_us if plain.cpu_per_request_us else 0.0
        lines.append(f"round {n}: after the load, {email.drained} mails delivered in {email.drain_seconds:.1f} s = "
                     f"{email.delivery_rate:.0f} mails/s into the local SMTP sink, {email.cpu_per_mail_us:.0f} µs "
                     f"of server CPU per mail; CPU per 2xx e-mail/plain {cpu:.2f}")
    figure = ratio([(email.answered_per_second, plain.answered_per_second) for plain, email in done])
    text = "n/a" if figure is None else f"{figure:.2f}"
    rates = [email.delivery_rate for _, email in done if email.drain_seconds > 0]
    rate = f"{statistics.median(rates):.0f} mails/s" if rates else "n/a"
    lines.append(f"AcceptWithEmailConfirmation / Accept = {text} (target >= {TARGET}), delivery rate {rate}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="AcceptWithEmailConfirmation against Accept (issue 19).")
    ap.add_argument("--quick", action="store_true", help="one round of 3 s runs")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (10; quick 3)")
    ap.add_argument("--rounds", type=int, help="rounds of Accept and the e-mail twin, in turns (3; quick 1)")
    ap.add_argument("--invitations", type=int, help="invitations per database (150000; quick 100000, as make bench's)")
    ap.add_argument("--connections", type=int, default=64, help="wrk -c (64)")
    ap.add_argument("--workers", type=int, default=accept.WORKERS, help="server worker processes (the CPUs)")
    args = ap.parse_args(argv)
    opts = Options(duration=args.duration or (3 if args.quick else 10), warmup=1 if args.quick else 2,
                   connections=args.connections, threads=1,
                   invitations=args.invitations or (100_000 if args.quick else 150_000))
    with tempfile.TemporaryDirectory(prefix="sodiary-mail-bench-") as scratch:
        done = rounds(Path(scratch), replace(opts), args.workers, args.rounds or (1 if args.quick else 3))
    for line in report(done):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
