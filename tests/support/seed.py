"""Scenarios written straight into the server's database, and snapshots to prove nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from sodiary.service import demo
from sodiary.store import appointments
from sodiary.store.database import normalise_url
from sodiary.store.schema import answer_history, appointment, associate


@dataclass
class Booking:
    mother_id: int
    children: dict[str, int]  # invitee user name -> child row id


@dataclass
class Series:
    rule_id: int
    occurrences: list[Booking]  # in date order


class Seeder:
    def __init__(self, database_url: str) -> None:
        self.engine: Engine = create_engine(normalise_url(database_url))
        self._start = datetime(2030, 1, 7, 10, 0)
        self._n = 0

    def close(self) -> None:
        self.engine.dispose()

    def _demo(self, conn: Any) -> demo.Demo:
        rows = conn.execute(select(associate.c.name, associate.c.associate_id, associate.c.person_id)).all()
        return demo.Demo({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, 0)

    def user_id(self, name: str) -> int:
        with self.engine.connect() as conn:
            return self._demo(conn).users[name]

    def _next_start(self) -> datetime:
        # Each scenario on its own day, so unique diary indexes never collide.
        self._n += 1
        return self._start + timedelta(days=self._n)

    def booking(self, organiser: str = "ada", invitees: tuple[str, ...] = ("tje0",), title: str = "Meeting") -> Booking:
        start = self._next_start()
        with self.engine.begin() as conn:
            d = self._demo(conn)
            mother = demo.book(conn, d, organiser, list(invitees), start, title, title, 0, 0)
            appointments.sync_sequences(conn)
            return Booking(mother, self._children(conn, d, mother))

    def bookings(self, count: int, organiser: str = "ada", invitee: str = "tje0") -> list[int]:
        """Many one-invitee bookings in one transaction; returns the invitee's child ids."""
        start = self._next_start()
        self._n += count
        with self.engine.begin() as conn:
            d = self._demo(conn)
            mothers = [demo.book(conn, d, organiser, [invitee], start + timedelta(hours=i), "Bulk", "Bulk", 0, 0)
                       for i in range(count)]
            appointments.sync_sequences(conn)
            return [self._children(conn, d, m)[invitee] for m in mothers]

    def series(self, organiser: str = "ada", invitees: tuple[str, ...] = ("tje0",), count: int = 8) -> Series:
        start = self._next_start()
        self._n += count * 7
        with self.engine.begin() as conn:
            d = self._demo(conn)
            rule = appointments.insert_rule(conn, pattern=2, cycle=1, weekdays=1, start_date=start, end_type=2,
                                            counter=count)
            out = []
            for week in range(count):
                mother = demo.book(conn, d, organiser, list(invitees), start + timedelta(weeks=week), "Weekly",
                                   "Weekly", 0, 0, rule_id=rule)
                out.append(Booking(mother, self._children(conn, d, mother)))
            appointments.sync_sequences(conn)
            return Series(rule, out)

    def plain(self, owner: str = "tje0", status: S = S.NotStarted, type_: T = T.inDiary,
              assigned_by: str | None = None) -> int:
        start = self._next_start()
        with self.engine.begin() as conn:
            d = self._demo(conn)
            text_id = appointments.insert_text(conn, "plain")
            row = appointments.insert_row(
                conn, associate_id=d.users[owner], invited_person_id=d.persons[owner], type=int(type_),
                status=int(status), start_date=start, end_date=start + timedelta(hours=1), active_date=start,
                text_id=text_id, registered=start, mother_id=0,
                assigned_by=d.users[assigned_by] if assigned_by else 0,
            )
            appointments.sync_sequences(conn)
            return row

    def set_status(self, appointment_id: int, status: S, type_: T | None = None) -> None:
        values: dict[str, int] = {"status": int(status)}
        if type_ is not None:
            values["type"] = int(type_)
        with self.engine.begin() as conn:
            conn.execute(appointment.update().where(appointment.c.appointment_id == appointment_id).values(**values))

    def row(self, appointment_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            q = select(appointment).where(appointment.c.appointment_id == appointment_id)
            r = conn.execute(q).mappings().first()
            assert r is not None, f"no row {appointment_id}"
            return dict(r)

    def state(self, appointment_id: int) -> tuple[S, T]:
        r = self.row(appointment_id)
        return S(r["status"]), T(r["type"])

    def history(self, appointment_id: int) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(answer_history).where(answer_history.c.appointment_id == appointment_id)
            return [dict(r) for r in conn.execute(q.order_by(answer_history.c.answer_id)).mappings()]

    def snapshot(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Every appointment and answer row: equal before and after means nothing changed."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(appointment).order_by(appointment.c.appointment_id)).all()
            answers = conn.execute(select(answer_history).order_by(answer_history.c.answer_id)).all()
            return [tuple(r) for r in rows], [tuple(r) for r in answers]

    def _children(self, conn: Any, d: demo.Demo, mother: int) -> dict[str, int]:
        names = {v: k for k, v in d.users.items()}
        q = select(appointment.c.associate_id, appointment.c.appointment_id).where(
            appointment.c.mother_id == mother, appointment.c.appointment_id != mother
        )
        return {names[a]: i for a, i in conn.execute(q)}
