"""Helpers shared by the recurrence and time-zone tests: agent calls, series bodies, rows of a series."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

import httpx
from sqlalchemy import select

from sodiary.store.schema import appointment, recurrence_rule
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
_years = count(2040)


def next_year() -> int:
    """A calendar year of its own per scenario, so no series overlaps another test's rows."""
    return next(_years)


def first(year: int, month: int, weekday: int) -> date:
    """The first date of the month on the weekday (Monday = 0)."""
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def call(client: httpx.Client, method: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return client.post(AGENT + method, json=body, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def weekly(weekdays: str = "Monday", counter: int = 4, cycle: int = 1) -> dict[str, Any]:
    return {"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": cycle, "Weekdays": weekdays},
            "RecurrenceEndType": "Counter", "RecurrenceCounter": counter}


def series_body(client: httpx.Client, start: str, end: str, recurrence: dict[str, Any],
                invitees: list[int] = (), **changes: Any) -> dict[str, Any]:  # type: ignore[assignment]
    """A new entity from CreateDefaultAppointmentEntity with the times, the recurrence and the invitees."""
    entity = ok(call(client, "CreateDefaultAppointmentEntity"))
    owner = entity["Associate"]["AssociateId"]
    entity.update(StartDate=start, EndDate=end, Title="Team", Description="Weekly team meeting",
                  Recurrence=recurrence, Participants=[{"AssociateId": i} for i in [owner, *invitees]])
    entity.update(changes)
    return dict(entity)


def save(client: httpx.Client, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return dict(ok(call(client, "SaveAppointmentEntity", body, **kwargs)))


def records(client: httpx.Client, rule_id: int, mother_id: int = 0) -> list[dict[str, Any]]:
    return list(ok(call(client, "GetAppointmentRecords", {"MotherId": mother_id, "RecurrenceRuleId": rule_id})))


def rule_row(seed: Seeder, rule_id: int) -> dict[str, Any] | None:
    with seed.engine.connect() as conn:
        r = conn.execute(select(recurrence_rule).where(recurrence_rule.c.recurrence_rule_id == rule_id)).mappings()
        found = r.first()
        return dict(found) if found is not None else None


def series_rows(seed: Seeder, rule_id: int) -> list[dict[str, Any]]:
    """Every appointment row of the rule, by start, mothers before their children."""
    with seed.engine.connect() as conn:
        q = select(appointment).where(appointment.c.recurrence_rule_id == rule_id).order_by(
            appointment.c.start_date, appointment.c.appointment_id != appointment.c.mother_id,
            appointment.c.appointment_id)
        return [dict(r) for r in conn.execute(q).mappings()]


def mothers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r["mother_id"] in (0, r["appointment_id"])]
