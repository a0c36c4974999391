"""Accept latency on a database of a million appointment rows against one of a thousand.

Both databases hold the same invitations for tje0 (bench/accept.py's loader); the big one is then
padded with other people's appointments, written with sqlite3's executemany in big transactions
(SQLAlchemy Core would take minutes for a million rows). Two servers run side by side and one
sequential client alternates between them in small blocks, each request a distinct invitation,
so drift on the shared machine hits both alike. The figure is the ratio of the median latencies.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from accept import Server, prepare_sodiary, sodiary_server
from sequential import Client

FILLER_COLUMNS = (
    "appointment_id", "mother_id", "associate_id", "invited_person_id", "person_id", "contact_id", "task_id",
    "type", "status", "private", "start_date", "end_date", "active_date", "title", "location", "text_id",
    "reject_reason", "reject_counter", "assigned_by", "mother_associate_id", "recurrence_rule_id",
    "original_start_date", "is_allday", "is_free", "has_alarm", "alarm_lead_seconds", "lead_seconds",
    "lag_seconds", "registered", "registered_associate_id", "updated", "updated_associate_id", "updated_count",
)
FILLER_DIARIES = 2_000  # the padding is spread over this many (made-up) associates' diaries
BATCH = 100_000


def _timestamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DateTime text on SQLite


def filler_rows(first_id: int, count: int, origin: datetime) -> Iterator[tuple[object, ...]]:
    """`count` ordinary appointments (type inDiary, status NotStarted, each its own mother) in many
    diaries over about ten years, in the columns of FILLER_COLUMNS."""
    registered = _timestamp(origin)
    for k in range(count):
        appointment_id = first_id + k
        start = origin + timedelta(hours=k % 87_600)
        start_text = _timestamp(start)
        end_text = _timestamp(start + timedelta(hours=1))
        associate_id = 1_000 + k % FILLER_DIARIES
        yield (appointment_id, appointment_id, associate_id, 0, 0, 0, 0, 1, 1, 0, start_text, end_text, start_text,
               f"Filler {k}", "", None, "", 0, 0, associate_id, 0, None, 0, 0, 0, 0, 0, 0, registered,
               associate_id, None, 0, 0)


def pad(db_path: Path, total_rows: int) -> int:
    """Add filler rows until the appointment table holds `total_rows`; returns how many were added."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        have, last = conn.execute("SELECT count(*), max(appointment_id) FROM appointment").fetchone()
        missing = max(0, total_rows - have)
        sql = f"INSERT INTO appointment ({', '.join(FILLER_COLUMNS)}) VALUES ({', '.join('?' * len(FILLER_COLUMNS))})"
        rows = filler_rows(last + 1, missing, datetime(2020, 1, 1, 8))
        for _ in range(0, missing, BATCH):
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            conn.execute("BEGIN")
            conn.executemany(sql, batch)
            conn.execute("COMMIT")
        conn.execute("ANALYZE")
        return missing
    finally:
        conn.close()


@dataclass(frozen=True)
class BigDbResult:
    small_rows: int
    big_rows: int
    small_ms: list[float]
    big_ms: list[float]
    load_seconds: float


def _server(name: str, db_path: Path, workdir: Path) -> Server:
    return sodiary_server(name, f"sqlite:///{db_path}", workdir / f"{name}.log")


def row_count(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT count(*) FROM appointment").fetchone()[0])


def measure(workdir: Path, big_rows: int, requests: int, block: int = 25) -> BigDbResult:
    import time

    invitations = requests + 1  # one more for the login request
    began = time.monotonic()
    small_db, big_db = workdir / "small.db", workdir / "big.db"
    first_small = prepare_sodiary(small_db, invitations)
    first_big = prepare_sodiary(big_db, invitations)
    pad(small_db, 1_000)
    pad(big_db, big_rows)
    load_seconds = time.monotonic() - began
    servers = [_server("small", small_db, workdir).start(), _server("big", big_db, workdir).start()]
    clients = [Client(s.port) for s in servers]
    firsts = [first_small, first_big]
    times: list[list[float]] = [[], []]
    try:
        for which in (0, 1):
            clients[which].accept(firsts[which])  # the login (argon2) once
        for lo in range(1, invitations, block):
            for which in (0, 1):
                for k in range(lo, min(invitations, lo + block)):
                    status, ms = clients[which].accept(firsts[which] + k)
                    if status != 204:
                        raise RuntimeError(f"bigdb: Accept answered {status}")
                    times[which].append(ms)
    finally:
        for c in clients:
            c.close()
        for s in servers:
            s.stop()
    return BigDbResult(row_count(small_db), row_count(big_db), times[0], times[1], load_seconds)
