"""Per-user working hours (issue 17): `sodiary workhours` gives a user their own working day over
SODIARY_WORKING_HOURS/DAYS; PercentageBusy and GetNextAvailableTime measure against it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from sodiary.store.schema import appointment
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
_week = iter(range(0, 500))


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"SODIARY_HOLIDAY_COUNTRY": "", "SODIARY_WORKING_HOURS": "08:00-16:00", "SODIARY_WORKING_DAYS": "mon-fri"}


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODIARY_")}
    return subprocess.run([sys.executable, "-m", "sodiary.cli", "workhours", *args],
                          env=dict(env, DATABASE_URL=server.database_url), capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def monday() -> datetime:
    return datetime(2036, 1, 7) + timedelta(weeks=next(_week))


def busy(seed: Seeder, owner: str, start: datetime, hours: int) -> None:
    row = seed.plain(owner)
    with seed.engine.begin() as conn:
        conn.execute(update(appointment).where(appointment.c.appointment_id == row).values(
            start_date=start, end_date=start + timedelta(hours=hours), active_date=start))


def percentage(client: httpx.Client, day: datetime, associate_id: int) -> Any:
    r = client.post(AGENT + "GetActivityInformationListByDatesAndAssociate", json={
        "StartDate": day.date().isoformat(), "EndDate": day.date().isoformat(), "AssociateId": associate_id})
    assert r.status_code == 200, r.text
    return r.json()[0]["ActivityInformation"]["PercentageBusy"]


def first_opening(client: httpx.Client, start: datetime, *associates: int) -> str:
    r = client.post(AGENT + "GetNextAvailableTime", json={
        "Associates": list(associates), "StartTime": start.isoformat(),
        "EndTime": (start + timedelta(hours=1)).isoformat(), "Count": 1})
    assert r.status_code == 200, r.text
    return str(r.json()[0]["RecommendedTimeStart"][:16])


def test_a_users_own_working_day_is_what_their_day_is_measured_against(
        server: LiveServer, ada: httpx.Client, seed: Seeder) -> None:
    day = monday()
    busy(seed, "ben", day.replace(hour=12), 1)
    ben = seed.user_id("ben")
    assert percentage(ada, day, ben) == 12  # 1 of the settings' 8 hours
    out = cli(server, "set", "ben", "12:00-14:00", "--days", "mon-thu")
    assert out.returncode == 0, out.stderr
    assert percentage(ada, day, ben) == 50
    assert percentage(ada, day + timedelta(days=4), ben) == 0  # Friday is no longer a working day
    assert "ben\t12:00-14:00\tmon,tue,wed,thu" in cli(server, "list").stdout.splitlines()
    assert cli(server, "clear", "ben").returncode == 0
    assert percentage(ada, day, ben) == 12


def test_the_next_available_time_of_several_users_is_in_the_working_time_they_share(
        server: LiveServer, ada: httpx.Client, seed: Seeder) -> None:
    day = monday()
    assert cli(server, "set", "tje0", "10:00-18:00").returncode == 0
    try:
        users = seed.user_id("ada"), seed.user_id("tje0")
        assert first_opening(ada, day.replace(hour=7), users[0]) == f"{day.date().isoformat()}T08:00"
        assert first_opening(ada, day.replace(hour=7), *users) == f"{day.date().isoformat()}T10:00"
        assert first_opening(ada, day.replace(hour=15, minute=30), *users) == \
            f"{(day + timedelta(days=1)).date().isoformat()}T10:00"  # 15:00-16:00 is the last shared hour
    finally:
        cli(server, "clear", "tje0")


def test_bad_working_hours_or_an_unknown_user_are_refused_and_change_nothing(server: LiveServer) -> None:
    for args in (("set", "ben", "16:00-08:00"), ("set", "ben", "09:00-17:00", "--days", "funday"),
                 ("set", "nobody", "09:00-17:00")):
        out = cli(server, *args)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out.stderr
    assert not [line for line in cli(server, "list").stdout.splitlines() if line.startswith("ben\t")]
