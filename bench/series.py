"""Accept ThisAndForward over a ten-year weekly series (520 occurrences), from the first one.

The series is ada's, with tje0 and ben invited: 520 mother rows and 1040 child rows sharing one
recurrence rule, booked with sodiary.service.demo.book. tje0 then answers for the whole series
from its first occurrence, alternately Accept and Reject (Reject is allowed from every accepted
state, Accept from a declined one), so every request rewrites all 520 of tje0's rows and writes
520 audit rows. One sequential client: the figure is the latency of one such request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from accept import INVITEE, sodiary_server
from sequential import Client

OCCURRENCES = 520  # ten years, weekly


@dataclass(frozen=True)
class SeriesResult:
    accept_ms: list[float]
    reject_ms: list[float]
    rows_accepted: int  # tje0's rows in the series that are accepted after the final Accept


def prepare(db_path: Path, occurrences: int) -> tuple[int, int]:
    """A fresh database with the demo data and the series; (tje0's first invitation id, rule id)."""
    from sqlalchemy import select

    from sodiary.cli import init
    from sodiary.config import Settings
    from sodiary.service.demo import Demo, book, next_weekday
    from sodiary.store import appointments
    from sodiary.store.database import Database
    from sodiary.store.schema import appointment, associate

    url = f"sqlite:///{db_path}"
    init(Settings(database_url=url), demo=True)
    db = Database(url)

    def load(conn):  # type: ignore[no-untyped-def]
        rows = conn.execute(select(associate.c.name, associate.c.associate_id, associate.c.person_id)).all()
        demo = Demo({r.name: r.associate_id for r in rows}, {r.name: r.person_id for r in rows}, 0)
        first = datetime.combine(next_weekday(datetime.now().date(), 1), time(13, 0))  # Tuesdays 13:00
        rule_id = appointments.insert_rule(conn, pattern=2, sub_pattern=0, cycle=1, weekdays=2,
                                           start_date=first, end_type=2, counter=occurrences)
        first_mother = 0
        for week in range(occurrences):
            mother = book(conn, demo, "ada", [INVITEE, "ben"], first + timedelta(weeks=week),
                          "Ten-year weekly", "A long series", 0, 0, rule_id=rule_id)
            first_mother = first_mother or mother
        child = conn.execute(select(appointment.c.appointment_id).where(
            appointment.c.mother_id == first_mother, appointment.c.associate_id == demo.users[INVITEE])).scalar_one()
        return int(child), rule_id

    try:
        return db.run_sync(load)  # type: ignore[no-any-return]
    finally:
        db.engine.dispose()


def accepted_rows(db_path: Path, rule_id: int) -> int:
    import sqlite3

    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(
            "SELECT count(*) FROM appointment a JOIN associate s ON s.associate_id = a.associate_id "
            "WHERE a.recurrence_rule_id = ? AND s.name = ? AND a.type = 1 AND a.status = 1",
            (rule_id, INVITEE)).fetchone()[0])


def measure(workdir: Path, repeats: int, occurrences: int = OCCURRENCES) -> SeriesResult:
    db_path = workdir / "series.db"
    first_id, rule_id = prepare(db_path, occurrences)
    server = sodiary_server("sodiary-series", f"sqlite:///{db_path}", workdir / "series.log").start()
    port = server.port
    accept_ms: list[float] = []
    reject_ms: list[float] = []
    client = Client(port)
    try:
        client.accept(first_id, "OnlyThis")  # the login (argon2) once; then the series is mixed, as in life
        client.reject(first_id, "OnlyThis")
        for _ in range(repeats):
            for answer, into in ((client.accept, accept_ms), (client.reject, reject_ms)):
                status, ms = answer(first_id, "ThisAndForward")
                if status != 204:
                    raise RuntimeError(f"series: ThisAndForward answered {status}")
                into.append(ms)
        status, _ = client.accept(first_id, "ThisAndForward")
        if status != 204:
            raise RuntimeError(f"series: ThisAndForward answered {status}")
    finally:
        client.close()
        server.stop()
    return SeriesResult(accept_ms, reject_ms, accepted_rows(db_path, rule_id))
