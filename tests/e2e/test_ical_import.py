"""`sodiary import --format ics FILE --user NAME` (issue 15): a calendar file as Google or Outlook export one
(events, a series with an EXDATE and a moved exception, all-day, an open series) lands in the diary so that
GetMyDiary answers exactly what recurring-ical-events expands from the file; a second run changes nothing;
what cannot be imported is named with the reason — both engines.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import text

from tests.e2e import test_mail as tm
from tests.support.seed import Seeder
from tests.support.server import LiveServer

CALENDAR = """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
X-WR-CALNAME:Imported
BEGIN:VEVENT
UID:single-1@google.com
DTSTART;TZID=Europe/Oslo:20330110T093000
DTEND;TZID=Europe/Oslo:20330110T103000
SUMMARY:Dentist
LOCATION:Storgata 1
DESCRIPTION:Bring the card\\, please
END:VEVENT
BEGIN:VEVENT
UID:allday-1@google.com
DTSTART;VALUE=DATE:20330113
DTEND;VALUE=DATE:20330115
SUMMARY:Conference
END:VEVENT
BEGIN:VEVENT
UID:weekly-1@google.com
DTSTART;TZID=America/New_York:20330103T090000
DTEND;TZID=America/New_York:20330103T100000
RRULE:FREQ=WEEKLY;COUNT=6;BYDAY=MO
EXDATE;TZID=America/New_York:20330110T090000
SUMMARY:Standup (NY)
END:VEVENT
BEGIN:VEVENT
UID:weekly-1@google.com
RECURRENCE-ID;TZID=America/New_York:20330124T090000
DTSTART;TZID=America/New_York:20330124T113000
DTEND;TZID=America/New_York:20330124T123000
SUMMARY:Standup (moved)
END:VEVENT
BEGIN:VEVENT
UID:daily-open@google.com
DTSTART:20330201T070000Z
DTEND:20330201T071500Z
RRULE:FREQ=DAILY;INTERVAL=3
SUMMARY:Every third day
END:VEVENT
BEGIN:VEVENT
UID:cancelled-1@google.com
DTSTART:20330111T120000Z
DTEND:20330111T130000Z
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
BEGIN:VEVENT
DTSTART:20330112T120000Z
DTEND:20330112T130000Z
SUMMARY:No identity
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n")

LO = datetime(2033, 1, 1, tzinfo=UTC)
HI = datetime(2033, 3, 15, tzinfo=UTC)


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"SODIARY_TIME_ZONE": "Europe/Oslo"}


def import_file(server: LiveServer, path: Path, user: str = "ben", *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sodiary.cli", "import", "--format", "ics", str(path), "--user", user,
                           *extra], env={**os.environ, "DATABASE_URL": server.database_url,
                                         "SODIARY_TIME_ZONE": "Europe/Oslo"},
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def diary(client: httpx.Client) -> list[tuple[datetime, datetime, str]]:
    window = {"StartTime": LO.isoformat(), "EndTime": HI.isoformat(), "Count": -1}
    listed = tm.ok(client.post(tm.AGENT + "GetMyDiary", json=window, headers={"SO-TimeZone": "UTC, includeTZOffset"}))
    return sorted((datetime.fromisoformat(a["StartDate"]), datetime.fromisoformat(a["EndDate"]), a["Title"])
                  for a in listed)


def expected(zone_of_all_day: Any) -> list[tuple[datetime, datetime, str]]:
    """The file as a calendar app shows it, expanded by recurring-ical-events (the oracle)."""
    cal = icalendar.Calendar.from_ical(CALENDAR)
    out = []
    for e in recurring_ical_events.of(cal).between(LO, HI):
        if str(e.get("STATUS", "")) == "CANCELLED" or "UID" not in e:
            continue
        start, end = e.decoded("DTSTART"), e.decoded("DTEND")
        if not isinstance(start, datetime):  # all-day: the diary row runs over its days in the base zone
            continue
        out.append((start.astimezone(UTC), end.astimezone(UTC), str(e["SUMMARY"])))
    return sorted(out)


def test_an_imported_calendar_is_what_a_calendar_app_expands_from_the_file(
        ben: httpx.Client, server: LiveServer, seed: Seeder, tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_text(CALENDAR)
    done = import_file(server, path)
    assert done.returncode == 0, done.stderr
    assert "imported 4 event(s)" in done.stdout
    assert "cancelled" in done.stdout and "no UID" in done.stdout
    timed = [d for d in diary(ben) if d[2] != "Conference"]
    assert timed == expected(None)
    assert ("Standup (moved)" in {d[2] for d in timed}) and len([d for d in timed if "Standup" in d[2]]) == 5
    [conference] = [d for d in diary(ben) if d[2] == "Conference"]
    oslo = ZoneInfo("Europe/Oslo")  # an all-day row lies on its days in the server's zone
    assert (conference[0].astimezone(oslo).date().isoformat(), conference[1].astimezone(oslo).date().isoformat()) \
        == ("2033-01-13", "2033-01-14")

    again = import_file(server, path)
    assert again.returncode == 0, again.stderr
    assert "imported 0 event(s)" in again.stdout and "4 already there" in again.stdout
    assert [d for d in diary(ben) if d[2] != "Conference"] == timed


def test_an_imported_series_is_one_sodiary_series_whose_uid_is_the_files(
        ben: httpx.Client, server: LiveServer, seed: Seeder, tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_text(CALENDAR.replace("weekly-1@google.com", "weekly-2@google.com"))
    assert import_file(server, path).returncode == 0
    found = tm.ok(tm.call(ben, "GetAppointmentFromUID", {"UID": "weekly-2@google.com"}))
    assert found["AppointmentId"] > 0
    assert found["Recurrence"]["IsRecurrence"] is True
    with seed.engine.connect() as conn:
        rule = conn.execute(text("SELECT recurrence_rule_id FROM appointment WHERE appointment_id = :i"),
                            {"i": found["AppointmentId"]}).scalar_one()
        count = conn.execute(text("SELECT count(*) FROM appointment WHERE recurrence_rule_id = :r"),
                             {"r": rule}).scalar_one()
    assert count == 5


def test_importing_for_an_unknown_user_or_a_file_that_is_no_calendar_fails_clearly(
        server: LiveServer, seed: Seeder, tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_text(CALENDAR)
    unknown = import_file(server, path, "nobody")
    assert unknown.returncode == 1 and "no such user" in unknown.stderr
    junk = tmp_path / "junk.ics"
    junk.write_bytes(b"\x00\x01 this is not a calendar")
    refused = import_file(server, junk)
    assert refused.returncode == 65 and "not a calendar" in refused.stderr


def test_on_a_terminal_the_import_shows_a_progress_bar(server: LiveServer, seed: Seeder, tmp_path: Path) -> None:
    path = tmp_path / "export.ics"
    path.write_text(CALENDAR.replace("@google.com", "@bar.example"))
    controller, terminal = pty.openpty()  # stderr is a terminal, as when an operator runs it by hand
    try:
        done = subprocess.run([sys.executable, "-m", "sodiary.cli", "import", str(path), "--user", "tje0"],
                              env={**os.environ, "DATABASE_URL": server.database_url}, stdout=subprocess.PIPE,
                              stderr=terminal, stdin=subprocess.DEVNULL, timeout=300, text=True)
        os.close(terminal)
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: everything was read
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0
    assert b"4/4" in shown and b"#" * 30 in shown
    assert "4/4" not in done.stdout  # the summary alone goes to standard output
