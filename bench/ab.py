"""Two (or more) builds of sodiary compared on the Accept path, alternating in the same minutes.

The reference's fsync swings too much on a shared VM to compare builds through `accept/reference` (see
docs/performance.md); this compares the builds directly instead. Each build is a checkout with its own
`.venv` (`make install`); each round runs every build once, in turn, on a fresh copy of a database that
build prepared itself (its own migrations), with bench/accept.py's `measure`: the same login, warm-up,
wrk run and read-back check as `make bench`. Besides requests/s it reports the server's CPU time per
request (all its processes, from /proc), which the machine's other load disturbs far less.

    .venv/bin/python bench/ab.py main=. base=/work/wt/base11 --rounds 5
    .venv/bin/python bench/ab.py main=. quiet=.:SODIARY_ACCESS_LOG=false,SODIARY_METRICS=off base=../base11

A build is `LABEL=PATH[:VAR=VALUE,...]`; the first build is the one the others are divided into.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accept import (  # noqa: E402  # bench/ is not a package
    CLIENT_HEADERS,
    INVITEE,
    LOGINS,
    PASSWORD,
    Measurement,
    Options,
    Server,
    basic_auth,
    count_sodiary_accepted,
    free_port,
    load_average,
    measure,
    process_tree,
    verification,
)

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Build:
    label: str
    root: Path
    env: dict[str, str]

    @property
    def python(self) -> str:
        return str(self.root / ".venv" / "bin" / "python")


def parse_build(text: str) -> Build:
    label, _, rest = text.partition("=")
    path, _, settings = rest.partition(":")
    env = dict(item.split("=", 1) for item in settings.split(",") if item)
    if not label or not path:
        raise argparse.ArgumentTypeError(f"not LABEL=PATH[:VAR=VALUE,...]: {text!r}")
    return Build(label, Path(path).resolve(), env)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of `pid` and its descendants, living ones only (workers outlive the run)."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat(5))
    return total / _TICKS


def prepare(build: Build, cache: Path, invitations: int) -> tuple[Path, int]:
    """The build's own bench/accept.py loads the invitations (its schema is its own), once per schema: the
    template is kept in `cache` under the git tree of the build's migrations (loading takes minutes)."""
    schema = subprocess.run(["git", "-C", str(build.root), "rev-parse", "HEAD:src/sodiary/store/migrations"],
                            capture_output=True, text=True, check=True).stdout.strip()
    template = cache / f"{schema[:12]}-{invitations}.db"
    first = template.with_suffix(".first")
    if template.exists() and first.exists():
        return template, int(first.read_text())
    template.unlink(missing_ok=True)
    code = ("import sys; from pathlib import Path; sys.path.insert(0, 'bench'); import accept; "
            f"print(accept.prepare_sodiary(Path({str(template)!r}), {invitations}))")
    # With the build's own settings (a PYTHONPATH naming its source): otherwise the venv's installed sodiary,
    # perhaps another build's, would migrate the template to a schema the build's server then refuses.
    env = dict(os.environ, **build.env)
    env.pop("VIRTUAL_ENV", None)
    out = subprocess.run([build.python, "-c", code], cwd=build.root, env=env, capture_output=True, text=True,
                         check=True)
    with sqlite3.connect(template) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    first.write_text(out.stdout.strip().splitlines()[-1])
    return template, int(first.read_text())


@dataclass(frozen=True)
class Run:
    build: str
    round: int
    measurement: Measurement
    cpu_us: float  # server CPU per completed request in the measured run
    load: str


def run_once(build: Build, template: Path, first_id: int, workdir: Path, opts: Options, workers: int,
             round_number: int, logins: int | None = None, perf: Path | None = None) -> Run:
    db_path = workdir / f"{build.label}.db"
    shutil.copyfile(template, db_path)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_path}", SODIARY_LOG_LEVEL="warning", **build.env)
    env.pop("VIRTUAL_ENV", None)
    cmd = [build.python, "-m", "sodiary.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers)]
    server = Server(build.label, cmd, env, workdir / f"{build.label}.log", port)
    cpu: dict[str, float] = {}
    recorder: list[subprocess.Popen[bytes]] = []

    def on_run(moment: str) -> None:
        assert server.process is not None
        cpu[moment] = cpu_seconds(server.process.pid)
        if perf is not None and moment == "before":
            # Which libraries the server's CPU went to (`perf report --sort dso -i FILE`): the interpreter,
            # SQLite, the kernel, msgspec, ... of the measured run only.
            pids = ",".join(map(str, process_tree(server.process.pid)))
            out = perf / f"perf-{build.label}-{round_number}.data"
            recorder.append(subprocess.Popen(["perf", "record", "-F", "499", "-q", "-o", str(out), "-p", pids],
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if moment == "after" and recorder:
            recorder[0].send_signal(signal.SIGINT)
            recorder[0].wait()

    headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
    load = load_average()
    m = measure(build.label, server, first_id, workdir, headers, opts,
                lambda: count_sodiary_accepted(db_path, first_id, opts.invitations),
                logins=logins or (1 if workers == 1 else LOGINS), on_run=on_run)
    db_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return Run(build.label, round_number, m, 1e6 * (cpu["after"] - cpu["before"]) / max(1, m.result.requests), load)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("builds", nargs="+", type=parse_build, help="LABEL=PATH[:VAR=VALUE,...]")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--duration", type=int, default=6)
    p.add_argument("--logins", type=int,
                   help=f"credentials the load uses (default: 1 with one worker, {LOGINS} with more)")
    p.add_argument("--perf", type=Path, help="record each measured run with `perf record` into this directory")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--connections", type=int, default=64)
    p.add_argument("--invitations", type=int, default=200_000)
    p.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "sodiary-ab-templates",
                   help="where each schema's loaded database is kept between runs")
    args = p.parse_args(argv)
    opts = Options(args.duration, args.warmup, args.connections, 1, args.invitations)
    builds: list[Build] = args.builds
    scratch = Path(tempfile.mkdtemp(prefix="sodiary-ab-"))
    print(f"start {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load {load_average()}; {args.workers} worker(s), "
          f"wrk -t1 -c{args.connections}, {args.warmup} s warm-up then {args.duration} s, "
          f"{args.invitations} invitations, {args.rounds} rounds", flush=True)
    runs: list[Run] = []
    try:
        args.cache.mkdir(parents=True, exist_ok=True)
        templates = {build.label: prepare(build, args.cache, args.invitations) for build in builds}
        for n in range(1, args.rounds + 1):
            for build in builds:
                template, first_id = templates[build.label]
                workdir = scratch / f"round{n}"
                workdir.mkdir(exist_ok=True)
                run = run_once(build, template, first_id, workdir, opts, args.workers, n, args.logins, args.perf)
                runs.append(run)
                m = run.measurement
                print(f"round {n} {build.label:<10} {m.result.rps:8.0f}/s  cpu {run.cpu_us:6.0f} us/request  "
                      f"p99 {m.result.p99_ms:6.1f} ms  load {run.load}  {'ok' if m.verified else 'MISMATCH'}",
                      flush=True)
                if not m.verified:
                    print("  " + verification(m), flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"end {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load {load_average()}")
    medians = {}
    for build in builds:
        mine = [r for r in runs if r.build == build.label]
        rps = statistics.median(r.measurement.result.rps for r in mine)
        cpu = statistics.median(r.cpu_us for r in mine)
        medians[build.label] = (rps, cpu)
        print(f"{build.label:<10} median {rps:8.0f}/s ({', '.join(f'{r.measurement.result.rps:.0f}' for r in mine)})"
              f"  cpu {cpu:5.0f} us/request ({', '.join(f'{r.cpu_us:.0f}' for r in mine)})")
    first = builds[0].label
    for build in builds[1:]:
        print(f"{first}/{build.label}: throughput {medians[first][0] / medians[build.label][0]:.2f}, "
              f"cpu per request {medians[first][1] / medians[build.label][1]:.2f}")
    return 0 if all(r.measurement.verified for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
