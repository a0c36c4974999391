"""The calendar subscription feed (issue 15): a secret per-user URL a calendar app polls without credentials,
whose events are the instants GetMyDiary answers, with pending invitations marked by PARTSTAT — both engines.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import text

from tests.e2e import test_cleanup as cl
from tests.e2e import test_mail as tm
from tests.support.seed import Seeder
from tests.support.server import LiveServer

OSLO = ZoneInfo("Europe/Oslo")
ZONES = ["UTC", "Europe/Oslo", "America/New_York"]


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"SODIARY_TIME_ZONE": "Europe/Oslo"}


_day = iter(range(1, 1000))


def soon(hour: int = 9) -> datetime:
    """A wall-clock start (Europe/Oslo) in the coming weeks, a new day for each call."""
    today = datetime.now(OSLO).replace(tzinfo=None, hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=next(_day))


def entity(client: httpx.Client, start: datetime, **changes: Any) -> dict[str, Any]:
    body = tm.booking_body(client, [], StartDate=start.isoformat(),
                           EndDate=(start + timedelta(minutes=45)).isoformat(), **changes)
    return body


def save(client: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    return tm.ok(tm.call(client, "SaveAppointmentEntity", body))


def new_feed(client: httpx.Client) -> dict[str, Any]:
    r = client.post("/api/v1/Sodiary/CalendarFeed")
    assert r.status_code == 201, r.text
    return dict(r.json())


def fetch(server: LiveServer, url: str, **headers: str) -> httpx.Response:
    with server.client() as anonymous:  # a calendar app has no credentials, only the secret URL
        return anonymous.get(url, headers=headers)


def events(server: LiveServer, url: str) -> list[icalendar.Event]:
    r = fetch(server, url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/calendar")
    return list(icalendar.Calendar.from_ical(r.content).walk("VEVENT"))


def partstat(event: icalendar.Event) -> str:
    attendee = event.get("ATTENDEE")
    return str(attendee.params["PARTSTAT"]) if attendee is not None else ""


def test_a_signed_in_user_creates_a_feed_and_is_shown_its_token_and_url_once(
        ben: httpx.Client, seed: Seeder) -> None:
    created = new_feed(ben)
    assert created["CalendarFeedId"] > 0
    assert created["Url"].endswith(f"/api/v1/Sodiary/Calendar/{created['Token']}.ics")
    with seed.engine.connect() as conn:
        stored = [r[0] for r in conn.execute(text("SELECT token_hash FROM calendar_feed"))]
    assert created["Token"] not in stored  # kept hashed only


def test_creating_a_feed_needs_credentials(server: LiveServer, seed: Seeder) -> None:
    with server.client() as anonymous:
        assert anonymous.post("/api/v1/Sodiary/CalendarFeed").status_code == 401


def test_an_unknown_token_is_a_404_that_reveals_nothing(server: LiveServer, seed: Seeder) -> None:
    r = fetch(server, "/api/v1/Sodiary/Calendar/not-a-token.ics")
    assert r.status_code == 404
    assert "token" not in r.text.lower()


def my_diary(client: httpx.Client, zone: str, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """GetMyDiary's rows in [lo, hi] as UTC instants, asked in `zone`."""
    tz = ZoneInfo(zone)
    window = {"StartTime": lo.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds"),
              "EndTime": hi.astimezone(tz).replace(tzinfo=None).isoformat(timespec="seconds"), "Count": -1}
    listed = tm.ok(client.post(tm.AGENT + "GetMyDiary", json=window,
                               headers={"SO-TimeZone": f"{zone}, includeTZOffset"}))
    return sorted((datetime.fromisoformat(r["StartDate"]).astimezone(UTC),
                   datetime.fromisoformat(r["EndDate"]).astimezone(UTC)) for r in listed)


def expanded(calendar: icalendar.Calendar, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    """What a calendar app shows in [lo, hi] as busy: every occurrence, series expanded by
    recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID) — the events the user accepted or owns."""
    found = recurring_ical_events.of(calendar).between(lo, hi)
    return sorted((e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC))
                  for e in found if partstat(e) in ("", "ACCEPTED"))


def weekly(client: httpx.Client, start: datetime, count: int, **changes: Any) -> dict[str, Any]:
    week = {"Cycle": 1, "Weekdays": start.strftime("%A")}
    return save(client, entity(client, start, Recurrence={
        "IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": week, "RecurrenceEndType": "Counter",
        "RecurrenceCounter": count}, **changes))


def rows_of(client: httpx.Client, saved: dict[str, Any]) -> list[dict[str, Any]]:
    rule = saved["Recurrence"]["RecurrenceId"]
    rows = tm.ok(tm.call(client, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": rule}))
    return sorted((r for r in rows if r["MotherId"] in (0, r["AppointmentId"])), key=lambda r: r["StartDate"])


def calendar_of(server: LiveServer, url: str) -> icalendar.Calendar:
    r = fetch(server, url)
    assert r.status_code == 200, r.text
    return icalendar.Calendar.from_ical(r.content)


@pytest.mark.parametrize("zone", ZONES)
def test_the_feeds_accepted_events_are_the_instants_get_my_diary_answers(
        ada: httpx.Client, ben: httpx.Client, server: LiveServer, seed: Seeder, zone: str) -> None:
    save(ben, entity(ben, soon(8), Title="Own"))
    weekly(ben, soon(10), 3, Title="Weekly")
    invited = tm.ok(tm.call(ada, "SaveAppointmentEntity", tm.booking_body(
        ada, [{"AssociateId": tm.ids(seed)["ben"]}], StartDate=soon(13).isoformat(),
        EndDate=(soon(13) + timedelta(hours=1)).isoformat(), Title="Accepted meeting")))
    child = tm.child_of(seed, invited["AppointmentId"], "ben")
    assert tm.call(ben, "Accept", {"AppointmentId": child, "UpdateMode": "OnlyThis"}).status_code == 204

    lo = datetime.now(UTC)
    hi = lo + timedelta(days=300)
    api = my_diary(ben, zone, lo, hi)
    assert expanded(calendar_of(server, new_feed(ben)["Url"]), lo, hi) == api
    assert len(api) >= 5


@pytest.mark.parametrize("zone", ZONES)
def test_a_series_is_one_event_with_rrule_whose_expansion_is_the_diarys_occurrences(
        ben: httpx.Client, server: LiveServer, seed: Seeder, zone: str) -> None:
    # Across the autumn DST change in Oslo, so the wall clock must stay put while UTC moves.
    first = datetime(datetime.now(OSLO).year + 1, 10, 1, 9, 0) + timedelta(days=ZONES.index(zone))
    title = f"Series with exceptions in {zone}"
    saved = weekly(ben, first, 8, Title=title, Location="Room 1")
    rows = rows_of(ben, saved)
    assert len(rows) == 8
    assert cl.delete(ben, rows[2]["AppointmentId"]).status_code == 204
    moved_to = datetime.fromisoformat(rows[4]["StartDate"]) + timedelta(days=1, hours=3)
    r = tm.call(ben, "Move", {"AppointmentId": rows[4]["AppointmentId"], "NewStartTime": moved_to.isoformat(),
                              "UpdateMode": "OnlyThis"})
    assert r.status_code in (200, 204), r.text
    retitled = tm.ok(ben.post(tm.AGENT + "GetAppointmentEntity",
                              params={"appointmentEntityId": rows[6]["AppointmentId"]}))
    save(ben, {**retitled, "Title": "Moved to the big room", "Location": "Room 9"})

    calendar = calendar_of(server, new_feed(ben)["Url"])
    uid = next(str(e["UID"]) for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == title and "RRULE" in e)
    mine = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid]
    [master] = [e for e in mine if "RECURRENCE-ID" not in e]
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    assert len(mine) == 3  # the master and two overrides (moved, retitled); the deleted one is an EXDATE
    assert calendar.walk("VTIMEZONE"), "a series in local time carries its VTIMEZONE"

    lo = datetime.combine(first.date(), datetime.min.time(), OSLO).astimezone(UTC) - timedelta(days=1)
    hi = lo + timedelta(days=70)
    shown = recurring_ical_events.of(calendar).between(lo, hi)
    series = sorted((e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC), str(e["SUMMARY"]),
                     str(e.get("LOCATION", ""))) for e in shown if str(e["UID"]) == uid)
    api = tm.ok(tm.call(ben, "GetAppointmentRecords", {"MotherId": 0,
                                                       "RecurrenceRuleId": saved["Recurrence"]["RecurrenceId"]},
                        headers={"SO-TimeZone": f"{zone}, includeTZOffset"}))
    expected = sorted((datetime.fromisoformat(a["StartDate"]).astimezone(UTC),
                       datetime.fromisoformat(a["EndDate"]).astimezone(UTC))
                      for a in api if a["MotherId"] in (0, a["AppointmentId"]))
    assert [s[:2] for s in series] == expected
    assert len(series) == 7
    assert ("Moved to the big room", "Room 9") in {s[2:] for s in series}
    assert {s[3] for s in series} == {"Room 1", "Room 9"}


def test_an_invitees_series_shows_their_declined_occurrence_as_an_exdate(
        ada: httpx.Client, ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    start = soon(15)
    booked = tm.ok(tm.call(ada, "SaveAppointmentEntity", tm.booking_body(
        ada, [{"AssociateId": tm.ids(seed)["ben"]}], StartDate=start.isoformat(),
        EndDate=(start + timedelta(hours=1)).isoformat(), Title="Invited weekly", Recurrence={
            "IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": start.strftime("%A")},
            "RecurrenceEndType": "Counter", "RecurrenceCounter": 4})))
    rule = booked["Recurrence"]["RecurrenceId"]
    records = tm.ok(tm.call(ben, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": rule}))
    mine = sorted((r for r in records if r["AssociateId"] == tm.ids(seed)["ben"]
                   or r["MotherId"] not in (0, r["AppointmentId"])), key=lambda r: r["StartDate"])
    children = [r["AppointmentId"] for r in mine if r["MotherId"] not in (0, r["AppointmentId"])]
    assert len(children) == 4
    assert tm.call(ben, "Accept", {"AppointmentId": children[0], "UpdateMode": "ThisAndForward"}).status_code == 204
    r = tm.call(ben, "Reject", {"AppointmentId": children[1], "UpdateMode": "OnlyThis", "RejectReason": "away"})
    assert r.status_code == 204, r.text

    calendar = calendar_of(server, new_feed(ben)["Url"])
    [master] = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]) == "Invited weekly" and "RRULE" in e]
    assert partstat(master) == "ACCEPTED"
    lo = datetime.now(UTC)
    shown = [e for e in recurring_ical_events.of(calendar).between(lo, lo + timedelta(days=120))
             if str(e["UID"]) == str(master["UID"])]
    assert len(shown) == 3
    rejected = datetime.fromisoformat(mine[1]["StartDate"]).replace(tzinfo=OSLO)
    assert rejected not in {e.decoded("DTSTART") for e in shown}


def test_a_pending_invitation_is_in_the_feed_as_needs_action_and_a_declined_one_is_not(
        ada: httpx.Client, ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    who = tm.ids(seed)["ben"]
    save(ada, entity(ada, soon(), Title="Pending", Participants=[{"AssociateId": who}]))
    declined = save(ada, entity(ada, soon(), Title="Declined", Participants=[{"AssociateId": who}]))
    child = tm.child_of(seed, declined["AppointmentId"], "ben")
    r = tm.call(ben, "Reject", {"AppointmentId": child, "UpdateMode": "OnlyThis", "RejectReason": "no"})
    assert r.status_code == 204, r.text
    found = {str(e["SUMMARY"]): e for e in events(server, new_feed(ben)["Url"])}
    assert partstat(found["Pending"]) == "NEEDS-ACTION"
    assert "Declined" not in found


def test_another_users_private_appointment_never_appears_in_a_feed(
        ada: httpx.Client, ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    save(ada, entity(ada, soon(), Title="Ada's doctor", Private="PrivateUser"))
    titles = {str(e["SUMMARY"]) for e in events(server, new_feed(ben)["Url"])}
    assert "Ada's doctor" not in titles
    assert "Ada's doctor" in {str(e["SUMMARY"]) for e in events(server, new_feed(ada)["Url"])}


def test_an_unchanged_feed_answers_304_to_its_etag_and_200_after_a_change(
        ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    url = new_feed(ben)["Url"]
    first = fetch(server, url)
    etag = first.headers["ETag"]
    assert fetch(server, url, **{"If-None-Match": etag}).status_code == 304
    save(ben, entity(ben, soon(), Title="New one"))
    changed = fetch(server, url, **{"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_a_user_lists_their_live_feeds_and_a_revoked_feed_is_a_404(
        ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    created = new_feed(ben)
    listed = ben.get("/api/v1/Sodiary/CalendarFeed").json()
    assert created["CalendarFeedId"] in [f["CalendarFeedId"] for f in listed]
    assert all("Token" not in f for f in listed)
    assert ben.delete(f"/api/v1/Sodiary/CalendarFeed/{created['CalendarFeedId']}").status_code == 204
    assert fetch(server, created["Url"]).status_code == 404
    after = ben.get("/api/v1/Sodiary/CalendarFeed").json()
    assert created["CalendarFeedId"] not in [f["CalendarFeedId"] for f in after]
    assert ben.delete(f"/api/v1/Sodiary/CalendarFeed/{created['CalendarFeedId']}").status_code == 404


def test_nobody_revokes_another_users_feed(ada: httpx.Client, ben: httpx.Client, server: LiveServer,
                                           seed: Seeder) -> None:
    created = new_feed(ben)
    r = ada.delete(f"/api/v1/Sodiary/CalendarFeed/{created['CalendarFeedId']}")
    assert r.status_code == 404
    assert r.json()["ErrorType"] == "SoNotFoundException"
    assert fetch(server, created["Url"]).status_code == 200


def test_the_cli_creates_a_feed_for_any_user(server: LiveServer, seed: Seeder) -> None:
    done = subprocess.run([sys.executable, "-m", "sodiary.cli", "user", "feed", "tje0"],
                          env={**os.environ, "DATABASE_URL": server.database_url}, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    [path] = re.findall(r"/api/v1/Sodiary/Calendar/\S+\.ics", done.stdout)
    assert fetch(server, path).status_code == 200
    refused = subprocess.run([sys.executable, "-m", "sodiary.cli", "user", "feed", "nobody"],
                             env={**os.environ, "DATABASE_URL": server.database_url}, capture_output=True, text=True,
                             timeout=120, stdin=subprocess.DEVNULL)
    assert refused.returncode == 1 and "no such user" in refused.stderr


def test_the_short_ical_address_serves_the_same_feed_and_refuses_an_unknown_token(
        ben: httpx.Client, server: LiveServer) -> None:
    token = new_feed(ben)["Token"]
    long, short = fetch(server, f"/api/v1/Sodiary/Calendar/{token}.ics"), fetch(server, f"/ical/{token}.ics")
    assert short.status_code == 200 and short.headers["content-type"].startswith("text/calendar")
    assert short.status_code == long.status_code == 200
    assert short.content == long.content and short.headers["etag"] == long.headers["etag"]
    assert fetch(server, "/ical/not-a-token.ics").status_code == 404


def test_the_cli_lists_a_users_live_feeds_and_revokes_one_which_then_answers_404(
        ben: httpx.Client, server: LiveServer) -> None:
    created = new_feed(ben)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "sodiary.cli", "user", *args],
                              env={**os.environ, "DATABASE_URL": server.database_url}, capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)

    listed = cli("feeds", "ben")
    assert listed.returncode == 0, listed.stderr
    assert str(created["CalendarFeedId"]) in [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert cli("unfeed", "tje0", str(created["CalendarFeedId"])).returncode == 1  # not tje0's
    revoked = cli("unfeed", "ben", str(created["CalendarFeedId"]))
    assert revoked.returncode == 0, revoked.stderr
    assert fetch(server, f"/ical/{created['Token']}.ics").status_code == 404
    assert str(created["CalendarFeedId"]) not in cli("feeds", "ben").stdout.split()
