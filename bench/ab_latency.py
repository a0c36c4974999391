"""One build's SQLite latency figures, for an A/B across builds run alternating (docs/performance.md, issue 18's
"the SQLite figures do not regress"): make bench's open-loop half-rate section at a fixed rate, the same for every
build instead of half the build's own maximum, and ThisAndForward over 520 occurrences.

Run it from the build's own bench/ with the build's own sources, so that each build runs its own server and
harness (an older build's harness has the same `half_rate` and `series.measure`):

    cd BUILD/bench && PYTHONPATH=BUILD/src /work/main/.venv/bin/python /path/to/ab_latency.py LABEL --rate 4000
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, ".")  # the build's bench/, whose modules are not a package

import run  # noqa: E402
import series  # noqa: E402
from accept import CLIENT_HEADERS, INVITEE, PASSWORD, basic_auth  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("label")
    p.add_argument("--rate", type=float, default=4000, help="open-loop requests/s (4000)")
    p.add_argument("--seconds", type=int, default=10, help="open-loop duration (10)")
    p.add_argument("--repeats", type=int, default=10, help="ThisAndForward repeats (10)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="ab-latency-"))
    try:
        headers = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))
        h = run.half_rate(scratch, headers, args.rate, args.seconds, "sodiary", args.workers)
        s = series.measure(scratch, args.repeats)
        print(f"RESULT {args.label}: open loop {args.rate:.0f}/s achieved {h.achieved:.0f}/s p50 {h.p(50):.2f} ms "
              f"p99 {h.p(99):.2f} ms errors {h.errors} | ThisAndForward Accept median "
              f"{statistics.median(s.accept_ms):.1f} ms Reject median {statistics.median(s.reject_ms):.1f} ms",
              flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
