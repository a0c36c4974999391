"""A `$filter`ed REST list on 100 000 appointment rows against the same list on 1 000 (issue 17).

Both databases hold the same 300 bookings with tje0 invited (bench/accept.py's loader); the big one is
padded with other diaries' rows (bench/bigdb.py's filler). One sequential client alternates between the
two servers in small blocks with `GET /api/v1/Appointment?$filter=associateId eq <tje0>&$top=50` (the
default order, by date): the filter is on an indexed column (ix_appointment_diary leads with associate_id),
so the big database's answer should cost what the small one's does: the issue asks for a ratio <= 1.5.
The figure is the ratio of the medians.

    .venv/bin/python bench/filtered_list.py            # standalone, about a minute
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from accept import CLIENT_HEADERS, INVITEE, PASSWORD, basic_auth, prepare_sodiary, sodiary_server
from bigdb import pad, row_count

BOOKINGS = 300
TOP = 50
HEADERS = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))


@dataclass(frozen=True)
class FilterResult:
    small_rows: int
    big_rows: int
    small_ms: list[float]
    big_ms: list[float]

    @property
    def ratio(self) -> float:
        return statistics.median(self.big_ms) / statistics.median(self.small_ms)


def list_path(associate_id: int) -> str:
    query = urllib.parse.urlencode({"$filter": f"associateId eq {associate_id}", "$top": str(TOP)})
    return f"/api/v1/Appointment?{query}"


def user_id(db_path: Path, name: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT associate_id FROM associate WHERE name = ?", (name,)).fetchone()[0])


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float, int]:
    """(status, milliseconds, rows in `value`) of one list request."""
    began = time.perf_counter()
    conn.request("GET", path, headers=HEADERS)
    response = conn.getresponse()
    body = response.read()
    ms = (time.perf_counter() - began) * 1000
    rows = len(json.loads(body).get("value", [])) if response.status == 200 else 0
    return response.status, ms, rows


def measure(workdir: Path, big_rows: int = 100_000, requests: int = 300, block: int = 25) -> FilterResult:
    small_db, big_db = workdir / "small.db", workdir / "big.db"
    prepare_sodiary(small_db, BOOKINGS)
    prepare_sodiary(big_db, BOOKINGS)
    pad(small_db, 1_000)
    pad(big_db, big_rows)
    servers = [sodiary_server(name, f"sqlite:///{db}", workdir / f"{name}.log").start()
               for name, db in (("small", small_db), ("big", big_db))]
    paths = [list_path(user_id(small_db, INVITEE)), list_path(user_id(big_db, INVITEE))]
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=120) for s in servers]
    times: list[list[float]] = [[], []]
    try:
        for which in (0, 1):
            get(conns[which], paths[which])  # the login (argon2) and warm caches, not measured
        for _ in range(0, requests, block):
            for which in (0, 1):
                for _ in range(block):
                    status, ms, rows = get(conns[which], paths[which])
                    if status != 200 or rows != TOP:
                        raise RuntimeError(f"filtered list answered {status} with {rows} rows")
                    times[which].append(ms)
    finally:
        for c in conns:
            c.close()
        for s in servers:
            s.stop()
    return FilterResult(row_count(small_db), row_count(big_db), times[0], times[1])


def report(r: FilterResult) -> str:
    return (f"$filter on an indexed column, $top={TOP}: {r.small_rows} rows median "
            f"{statistics.median(r.small_ms):.2f} ms, {r.big_rows} rows median {statistics.median(r.big_ms):.2f} ms; "
            f"big/small = {r.ratio:.2f}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sodiary-filter-") as scratch:
        result = measure(Path(scratch))
    print(report(result))
    return 0 if result.ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
