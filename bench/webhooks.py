"""Accept with one active webhook on every event against Accept without webhooks (issue 14), same run.

Each round runs sodiary (`serve --workers N`) twice on fresh copies of one prepared database, the order
alternating between rounds: once with no webhook, once with one `Active` webhook subscribed to
`activity.changed`, so every Accept writes a journal row that the server's own workers fan out and POST to
a receiver on loopback (a threaded http.server in this process, answering 200). wrk drives Accept as in
bench/accept.py. After the webhook run the server keeps running until the receiver has every event; the
events delivered per second are counted from the first event received to the last.

    .venv/bin/python bench/webhooks.py            # 1 round, 5 s per run
    .venv/bin/python bench/webhooks.py --rounds 3 --duration 10

The last line is `webhook/plain = X.XX, events delivered/s = Y` (the issue asks X ≥ 0.80).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import accept
from accept import (
    ACCEPT_PATH,
    CLIENT_HEADERS,
    INVITEE,
    PASSWORD,
    Options,
    WrkResult,
    basic_auth,
    lua_script,
    machine,
    prepared_copy,
    run_wrk,
    send_one,
    sodiary_server,
)

WEBHOOK_ENV = {"SODIARY_WEBHOOK_ALLOW_HTTP": "true", "SODIARY_WEBHOOK_ALLOW_PRIVATE": "true"}
DRAIN_SECONDS = 300  # the longest the delivery of the backlog may take after wrk stops


@dataclass
class Receiver:
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would offer

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("content-length", "0")))
                if self.headers.get("X-SuperOffice-Event") == "activity.changed":
                    with receiver.lock:
                        receiver.times.append(time.monotonic())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass(frozen=True)
class Run:
    name: str
    result: WrkResult
    accepted: int  # rows accepted in the database after the run
    events: int = 0  # activity.changed events the receiver got
    events_per_second: float = 0.0
    drain_seconds: float = 0.0  # from wrk's end to the last event


def add_webhook(db_path: Path, target: str) -> None:
    """One Active webhook on activity.changed, written as SaveWebhook would (its test call aside): the row, and
    the triggers that record appointment changes, which exist only while a webhook is Active."""
    from sqlalchemy import create_engine

    from sodiary.store import activity_triggers

    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "INSERT INTO webhook (name, events, target_url, secret, state, type, headers, properties, registered, "
            "registered_associate_id, updated_associate_id, total_calls, total_errors, consecutive_errors, "
            "last_error) VALUES ('bench', ?, ?, 'bench-secret', 'Active', 'webhook', '{}', '{}', ?, 0, 0, 0, 0, 0, "
            "'')", (json.dumps(["activity.changed"]), target, datetime.now(UTC).replace(tzinfo=None).isoformat(" ")))
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.begin() as conn:
            activity_triggers.sync(conn)
            assert activity_triggers.present(conn), "the webhook triggers were not created"
    finally:
        engine.dispose()


def accepted(db_path: Path, first_id: int, invitations: int) -> int:
    return accept.count_sodiary_accepted(db_path, first_id, invitations)


def one_run(name: str, workdir: Path, opts: Options, workers: int, receiver: Receiver | None) -> Run:
    workdir.mkdir(parents=True)
    db_path = workdir / "sodiary.db"
    first_id = prepared_copy(db_path, opts.invitations)
    if receiver is not None:
        add_webhook(db_path, receiver.url)
    server = sodiary_server(name, f"sqlite:///{db_path}", workdir / "server.log", workers)
    server.env.update(WEBHOOK_ENV)
    headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
    url = f"http://127.0.0.1:{server.port}{ACCEPT_PATH}"

    def script(start: int, label: str) -> Path:
        path = workdir / f"{label}.lua"
        path.write_text(lua_script(first_id=first_id, start=start, threads=opts.threads, path=ACCEPT_PATH,
                                   headers=headers))
        return path

    before = receiver.count() if receiver is not None else 0
    server.start()
    try:
        logins = accept.LOGINS
        for k in range(logins):
            send_one(url, headers, first_id + k)
        warmup = run_wrk(url, script(logins, "warmup"), opts.warmup, opts)
        result = run_wrk(url, script(logins + warmup.requests + opts.connections, "run"), opts.duration, opts)
        ended = time.monotonic()
        rows = accepted(db_path, first_id, opts.invitations)
        if receiver is None:
            return Run(name, result, rows)
        deadline = ended + DRAIN_SECONDS
        while receiver.count() - before < rows and time.monotonic() < deadline:
            time.sleep(0.1)
            # Requests still in flight when wrk stopped may have accepted a few more rows since.
            rows = accepted(db_path, first_id, opts.invitations)
        with receiver.lock:
            times = receiver.times[before:]
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        return Run(name, result, rows, len(times), len(times) / span if span > 0 else 0.0,
                   max(0.0, times[-1] - ended) if times else 0.0)
    finally:
        server.stop()


def measure(scratch: Path, opts: Options, rounds: int, workers: int) -> list[tuple[Run, Run]]:
    receiver = Receiver().start()
    try:
        done = []
        for n in range(1, rounds + 1):
            order = ("plain", "webhook") if n % 2 else ("webhook", "plain")
            runs = {mode: one_run(f"{mode}-{n}", scratch / f"{mode}-{n}", opts, workers,
                                  receiver if mode == "webhook" else None) for mode in order}
            done.append((runs["plain"], runs["webhook"]))
        return done
    finally:
        receiver.stop()


def report(done: list[tuple[Run, Run]]) -> tuple[float, float]:
    print(f"{'':<10} {'round':>5} {'requests/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'accepted':>9} {'events':>8} "
          f"{'events/s':>9} {'drain s':>8}")
    for n, pair in enumerate(done, 1):
        for r in pair:
            print(f"{r.name.split('-')[0]:<10} {n:>5} {r.result.rps:>10.0f} {r.result.p50_ms:>9.2f} "
                  f"{r.result.p99_ms:>9.2f} {r.accepted:>9} {r.events:>8} {r.events_per_second:>9.0f} "
                  f"{r.drain_seconds:>8.1f}")
    for n, (_plain, hooked) in enumerate(done, 1):
        lost = hooked.accepted - hooked.events
        print(f"verified round {n}: {hooked.events} activity.changed events for {hooked.accepted} accepted rows"
              + ("" if lost == 0 else f" ({lost} missing or extra!)"))
    ratio = statistics.median(h.result.rps / p.result.rps for p, h in done)
    rate = statistics.median(h.events_per_second for _, h in done)
    return ratio, rate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Accept with one active webhook against none (issue 14).")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--invitations", type=int, default=60_000)
    ap.add_argument("--workers", type=int, default=accept.WORKERS)
    args = ap.parse_args(argv)
    if shutil.which("wrk") is None:
        print(f"bench: {accept.WRK_INSTALL_HINT}", file=sys.stderr)
        return 2
    opts = Options(duration=args.duration, warmup=1, connections=args.connections, threads=1,
                   invitations=args.invitations)
    print(f"machine: {machine()}")
    print(f"webhooks: wrk -t1 -c{opts.connections} -d{opts.duration}s, sodiary --workers {args.workers}, "
          f"{args.rounds} round(s) alternating no webhook / one webhook on every Accept")
    scratch = Path(tempfile.mkdtemp(prefix="sodiary-webhooks-"))
    try:
        done = measure(scratch, opts, args.rounds, args.workers)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    ratio, rate = report(done)
    print(f"webhook/plain = {ratio:.2f}, events delivered/s = {rate:.0f}")
    return 0 if all(h.events == h.accepted for _, h in done) else 1


if __name__ == "__main__":
    raise SystemExit(main())
