"""The performance suite of issue 6 (`make bench`): every figure is measured in one run, on the
same machine, most of them as a ratio against a reference measured in the same run.

1. Accept throughput, alternating in every round: (a) the reference (bench/reference_app.py),
   (b) sodiary's Accept end to end (`serve --workers N`, N = the CPUs; also one worker alone),
   (c) Radicale storing the attendee's PARTSTAT=ACCEPTED.
   requests/s, p50, p99, RSS after the load; b/a and b/c are medians of the per-round ratios.
2. Latency at half the maximum rate: an open-loop client (bench/open_loop.py) at 50 % of (b).
3. Accept ThisAndForward over a ten-year weekly series (520 occurrences): median and p95.
4. Accept latency on a million appointment rows against a thousand (bench/bigdb.py).
5. PostgreSQL: --workers 2 against --workers 1 (bench/pgscale.py), with the machine's idle CPU; then one
   worker on PostgreSQL against `pgbench -M prepared` of the same single-answer transaction and against
   one worker on SQLite, with the CPU per Accept of sodiary and of PostgreSQL (/proc).
6. Accept with one active webhook on every event against none, and the events delivered per second
   (bench/webhooks.py).
7. A `$filter`ed REST list ($top=50) on 100 000 rows against 1 000 (bench/filtered_list.py).
8. AcceptWithEmailConfirmation against Accept, alternating, and the delivery rate into a local SMTP
   sink (bench/mail.py).

The last line is `accept/reference = X.XX, accept/radicale = Y.YY`.

    make bench                          # ~5–6 minutes
    .venv/bin/python bench/run.py --quick      # ~2 minutes
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import accept
import open_loop
import pgscale
from accept import (
    ACCEPT_PATH,
    CLIENT_HEADERS,
    INVITEE,
    PASSWORD,
    Measurement,
    Options,
    WrkResult,
    basic_auth,
    load_average,
    machine,
)

SECTIONS = ("radicale", "halfrate", "series", "bigdb", "pg", "webhooks", "filter", "mail")


@dataclass(frozen=True)
class Plan:
    opts: Options
    rounds: int
    radicale_events: int
    halfrate_seconds: int
    series_repeats: int
    big_rows: int
    bigdb_requests: int
    pg_invitations: int
    pg_rounds: int
    pg_engine_invitations: int
    workers: int


def plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    opts = Options(duration=args.duration or (3 if quick else 10), warmup=1 if quick else 2,
                   connections=args.connections, threads=1,
                   invitations=args.invitations or (100_000 if quick else 300_000))
    return Plan(
        opts=opts,
        rounds=args.rounds or (1 if quick else 3),
        radicale_events=args.radicale_events or (600 if quick else 2_500),
        halfrate_seconds=5 if quick else 10,
        series_repeats=10 if quick else 30,
        big_rows=args.rows or (200_000 if quick else 1_000_000),
        bigdb_requests=200 if quick else 450,
        pg_invitations=150_000 if quick else 500_000,  # two workers on PostgreSQL answer 11k/s here (2026-12-04)
        pg_rounds=1 if quick else 2,
        pg_engine_invitations=120_000 if quick else 400_000,
        workers=args.workers,
    )


# ---- pure helpers (tests/test_bench_smoke.py) ----------------------------------------------------


def median_ratio(pairs: list[tuple[float, float]]) -> float | None:
    """The median of numerator/denominator over the rounds that measured both (None if none did)."""
    ratios = [a / b for a, b in pairs if b > 0]
    return statistics.median(ratios) if ratios else None


def pairs(rounds: list[pgscale.ScaleRound]) -> list[tuple[float, float]]:
    return [(sr.two.result.rps, sr.one.result.rps) for sr in rounds]


def ratio_text(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def last_line(accept_reference: float | None, accept_radicale: float | None) -> str:
    return f"accept/reference = {ratio_text(accept_reference)}, accept/radicale = {ratio_text(accept_radicale)}"


def summary(values: list[float]) -> str:
    """`median X ms, p95 Y ms, p99 Z ms (n)` of latencies in ms."""
    return (f"median {statistics.median(values):.2f} ms, p95 {open_loop.percentile(values, 95):.2f} ms, "
            f"p99 {open_loop.percentile(values, 99):.2f} ms (n={len(values)})")


def accept_body(appointment_id: int) -> bytes:
    return json.dumps({"AppointmentId": appointment_id, "UpdateMode": "OnlyThis"}).encode()


def row(name: str, round_number: int, r: WrkResult, rss: float, ok: int) -> str:
    return (f"{name:<10} {round_number:>5} {r.rps:>10.1f} {r.p50_ms:>9.2f} {r.p99_ms:>9.2f} {r.requests:>9} "
            f"{ok:>9} {rss:>8.1f}")


# ---- sections ------------------------------------------------------------------------------------


def throughput(scratch: Path, headers: dict[str, str], p: Plan, with_radicale: bool
               ) -> tuple[list[dict[str, Measurement]], list[tuple[WrkResult, float, int]]]:
    import radicale_peer

    rounds: list[dict[str, Measurement]] = []
    peers: list[tuple[WrkResult, float, int]] = []
    for n in range(p.rounds):
        workdir = scratch / f"round{n + 1}"
        workdir.mkdir()
        done = {"reference": accept.measure_reference(workdir, headers, p.opts),
                "sodiary": accept.measure_sodiary(workdir, headers, p.opts, p.workers)}
        if p.workers != 1:
            done["sodiary-1w"] = accept.measure_sodiary(workdir, headers, p.opts, 1)
        rounds.append(done)
        if with_radicale:
            peer = radicale_peer.measure(workdir, replace(p.opts, invitations=p.radicale_events))
            print(f"radicale: {peer[0].rps:.1f} requests/s", file=sys.stderr)
            peers.append(peer)
    return rounds, peers


def half_rate(scratch: Path, headers: dict[str, str], rate: float, seconds: int, target: str, workers: int
              ) -> open_loop.OpenLoopResult:
    """The open-loop load at `rate` on a fresh `target` ("sodiary" or "reference")."""
    workdir = scratch / f"halfrate-{target}"
    workdir.mkdir()
    db_path = workdir / f"{target}.db"
    invitations = int(rate * seconds) + 100 + accept.LOGINS
    log_path = workdir / f"{target}.log"
    if target == "sodiary":
        first_id = accept.prepare_sodiary(db_path, invitations)
        server = accept.sodiary_server(f"{target}-halfrate", f"sqlite:///{db_path}", log_path, workers)
    else:
        from reference_app import create_db

        create_db(str(db_path), invitations)
        first_id, port = 1, accept.free_port()
        cmd = [sys.executable, str(accept.BENCH_DIR / "reference_app.py"), "--db", str(db_path), "--port", str(port)]
        server = accept.Server(f"{target}-halfrate", cmd, dict(os.environ), log_path, port)
    server.start()
    port = server.port
    try:
        logins = 1 if target != "sodiary" or workers == 1 else accept.LOGINS
        for k in range(logins):  # each worker logs in (argon2) once, before the load
            accept.send_one(f"http://127.0.0.1:{port}{ACCEPT_PATH}", headers, first_id + k)
        native = open_loop.build_native(scratch / "openloop-build")
        if native is not None:
            result = open_loop.run_native(native, "127.0.0.1", port, rate, seconds,
                                          open_loop.request_head("POST", ACCEPT_PATH, headers),
                                          '{"AppointmentId": {id}, "UpdateMode": "OnlyThis"}', first_id + logins)
        else:  # no gcc: the Python client, which costs the shared cores more and adds its own latency
            result = open_loop.run("127.0.0.1", port, rate, seconds,
                                   lambda i: open_loop.http_request("POST", ACCEPT_PATH, headers,
                                                                    accept_body(first_id + logins + i)))
        rss = server.rss_mib()
    finally:
        server.stop()
    print(f"half rate: {target} RSS after the load {rss:.1f} MiB", file=sys.stderr)
    return result


# ---- main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="sodiary's performance suite (issue 6).")
    ap.add_argument("--quick", action="store_true", help="one 3 s round and smaller data: about two minutes")
    ap.add_argument("--rounds", type=int, help="throughput rounds, targets alternating (3; quick 1)")
    ap.add_argument("--duration", type=int, help="seconds per wrk run (10; quick 3)")
    ap.add_argument("--connections", type=int, default=64, help="wrk -c (64)")
    ap.add_argument("--invitations", type=int, help="invitations per sodiary database (300000; quick 100000)")
    ap.add_argument("--radicale-events", type=int, help="events in Radicale's calendar (2500; quick 600)")
    ap.add_argument("--rows", type=int, help="appointment rows of the big database (1000000; quick 200000)")
    ap.add_argument("--skip", action="append", default=[], choices=SECTIONS, help="leave a section out")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--workers", type=int, default=accept.WORKERS,
                    help=f"sodiary's worker processes ({accept.WORKERS}, the CPUs)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    p = plan(args)
    if shutil.which("wrk") is None:
        print(f"bench: {accept.WRK_INSTALL_HINT}", file=sys.stderr)
        return 2
    with_radicale = "radicale" not in args.skip
    if with_radicale and shutil.which("radicale", path=str(Path(sys.executable).parent)) is None:
        print("bench: Radicale is not installed (`.venv/bin/pip install -r bench/requirements.txt`); "
              "skipping the peer", file=sys.stderr)
        with_radicale = False
    headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
    scratch = Path(tempfile.mkdtemp(prefix="sodiary-suite-"))
    began = time.monotonic()
    print(f"machine: {machine()}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load_average()}")
    o = p.opts
    print(f"throughput: wrk -t1 -c{o.connections} -d{o.duration}s --latency after a {o.warmup} s warm-up, "
          f"{p.rounds} round(s) alternating reference, sodiary ({p.workers} workers, then 1), radicale; "
          "every request a distinct invitation")
    ok = True
    try:
        rounds, peers = throughput(scratch, headers, p, with_radicale)
        print()
        print(f"{'':<10} {'round':>5} {'requests/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} "
              f"{'2xx':>9} {'RSS MiB':>8}")
        for n, done in enumerate(rounds, 1):
            for m in done.values():
                print(row(m.name, n, m.result, m.rss_mib, m.result.ok))
            if peers:
                r, rss, _ = peers[n - 1]
                print(row("radicale", n, r, rss, sum(c for s, c in r.statuses.items() if 200 <= s < 300)))
        for n, done in enumerate(rounds, 1):
            for m in done.values():
                print(f"verified round {n} " + accept.verification(m))
                ok = ok and m.verified
            if peers:
                r, _, accepted = peers[n - 1]
                print(f"verified round {n} radicale: events ACCEPTED on disk {accepted} "
                      f"(this run's 2xx {r.ok + r.statuses.get(201, 0)}, plus the warm-up's)")
        ref_pairs = [(d["sodiary"].result.rps, d["reference"].result.rps) for d in rounds]
        peer_pairs = [(d["sodiary"].result.rps, peer[0].rps) for d, peer in zip(rounds, peers, strict=False)]
        accept_reference, accept_radicale = median_ratio(ref_pairs), median_ratio(peer_pairs)
        if p.workers != 1:
            one = median_ratio([(d["sodiary-1w"].result.rps, d["reference"].result.rps) for d in rounds])
            print(f"\naccept/reference with {p.workers} workers = {ratio_text(accept_reference)}, "
                  f"with 1 worker = {ratio_text(one)}")
        max_rps = statistics.median(d["sodiary"].result.rps for d in rounds)

        if "halfrate" not in args.skip:
            # The reference at the same rate tells what the machine's own stalls do to a p99.
            print(f"\nhalf rate: open loop at {max_rps / 2:.0f} requests/s (half of sodiary's {max_rps:.0f}) "
                  f"for {p.halfrate_seconds} s, sodiary then the reference:")
            for target in ("sodiary", "reference"):
                h = half_rate(scratch, headers, max_rps / 2, p.halfrate_seconds, target, p.workers)
                print(f"  {target:<10} achieved {h.achieved:.0f}/s, p50 {h.p(50):.2f} ms, p99 {h.p(99):.2f} ms, "
                      f"statuses {dict(h.statuses)}, errors {h.errors}, "
                      f"client CPU {h.client_cpu_percent:.0f} % of a core")
        if "series" not in args.skip:
            import series

            s = series.measure(scratch, p.series_repeats)
            print(f"\nThisAndForward over {series.OCCURRENCES} occurrences, Accept: {summary(s.accept_ms)}")
            print(f"ThisAndForward over {series.OCCURRENCES} occurrences, Reject: {summary(s.reject_ms)}")
            print(f"  after the final Accept, {s.rows_accepted} of tje0's {series.OCCURRENCES} rows accepted")
        if "bigdb" not in args.skip:
            import bigdb

            workdir = scratch / "bigdb"
            workdir.mkdir()
            b = bigdb.measure(workdir, p.big_rows, p.bigdb_requests)
            print(f"\nAccept on {b.small_rows} rows: {summary(b.small_ms)}")
            print(f"Accept on {b.big_rows} rows: {summary(b.big_ms)} (databases built in {b.load_seconds:.0f} s)")
            print(f"big/small median latency = {statistics.median(b.big_ms) / statistics.median(b.small_ms):.2f}")
        if "filter" not in args.skip:
            import filtered_list

            workdir = scratch / "filter"
            workdir.mkdir()
            print("\n" + filtered_list.report(filtered_list.measure(workdir, requests=100 if args.quick else 300)))
        if "pg" not in args.skip:
            if pgscale.available():
                workdir = scratch / "pg"
                workdir.mkdir()
                pg_opts = replace(p.opts, invitations=p.pg_invitations)
                scale = pgscale.measure_scaling(workdir, headers, pg_opts, p.pg_rounds)
                print(f"\n{'':<10} {'round':>5} {'requests/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'requests':>9} "
                      f"{'2xx':>9} {'RSS MiB':>8} {'idle CPU':>8}")
                for n, sr in enumerate(scale, 1):
                    for m in (sr.one, sr.two):
                        print(row(m.name, n, m.result, m.rss_mib, m.result.ok) + f" {m.idle_percent:>7.0f}%")
                for n, sr in enumerate(scale, 1):
                    for m in (sr.one, sr.two):
                        print(f"verified round {n} " + accept.verification(m))
                        ok = ok and m.verified
                print(f"postgresql workers2/workers1 = {ratio_text(median_ratio(pairs(scale)))} "
                      "(the workers, PostgreSQL and wrk share the machine's CPUs: see the idle column)")
                print(f"\none worker: SQLite, PostgreSQL, and pgbench -M prepared -c {p.opts.connections} of the same "
                      "single-answer transaction (CPU from /proc, per request)")
                engine_opts = replace(p.opts, invitations=p.pg_engine_invitations)
                engines = pgscale.measure_engines(workdir, headers, engine_opts, p.pg_rounds)
                print("\n".join(pgscale.engine_report(engines)))
            else:
                print(f"\npostgresql: not reachable at {pgscale.ADMIN_URL}; skipped (set BENCH_PG_URL)")
        if "webhooks" not in args.skip:
            import webhooks

            workdir = scratch / "webhooks"
            workdir.mkdir()
            print(f"\nwebhooks: Accept without and with one active webhook on every event, {p.rounds} round(s)")
            done = webhooks.measure(workdir, p.opts, p.rounds, p.workers)
            hook_ratio, rate = webhooks.report(done)
            ok = ok and all(h.events == h.accepted for _, h in done)
            print(f"webhook/plain = {hook_ratio:.2f}, events delivered/s = {rate:.0f}")
        if "mail" not in args.skip:
            import mail

            # As many invitations as the accept section: a full run's plain Accept answers ~16k/s here for 12 s,
            # more than the 150 000 this section used to cap it at (its 404s are flagged and fail the run).
            mail_opts = p.opts
            print()
            mail_rounds = mail.rounds(scratch, mail_opts, p.workers, p.rounds)
            for line in mail.report(mail_rounds):
                print(line)
            ok = ok and all(run.result.ok == run.result.requests for pair in mail_rounds for run in pair)
    finally:
        if args.keep:
            print(f"scratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\nload average after: {load_average()}, {time.monotonic() - began:.0f} s in all")
    print(last_line(accept_reference, accept_radicale))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
