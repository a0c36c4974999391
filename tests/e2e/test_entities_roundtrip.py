"""GET → Save round trips the way the official client makes them, and time zones on the wire.

The official client reads naive datetimes as its own local time (and tagged ones as the instants they
are) and sends everything back as UTC `Z` in camelCase, with durations as ISO-8601 (`P0D`) and flags
as numbers. A round trip must not move anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.store.schema import associate
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
_NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
_TAGGED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
_SPAN = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")
_FLAGS = {"Select": 1, "Update": 2, "Insert": 4, "Delete": 8, "Monday": 1, "Tuesday": 2, "Wednesday": 4,
          "Thursday": 8, "Friday": 16, "Saturday": 32, "Sunday": 64}


def as_official_client(value: Any, offset_minutes: int, key: str = "") -> Any:
    """What @superoffice/webapi sends back for a parsed response, in a zone `offset_minutes` east of UTC."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: as_official_client(v, offset_minutes, k) for k, v in value.items()}
    if isinstance(value, list):
        return [as_official_client(v, offset_minutes) for v in value]
    if not isinstance(value, str):
        return value
    if key in ("Mask", "Weekdays", "Weekday"):
        return sum(_FLAGS.get(part.strip(), 0) for part in value.split(","))
    if _NAIVE.match(value):
        local = datetime.fromisoformat(value).replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
        return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if _TAGGED.match(value):
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if value.endswith("Z") and "T" in value:
        return value[:-1] + ".000Z"
    span = _SPAN.match(value)
    if span is not None:
        h, m, s = (int(x) for x in span.groups())
        return "P0D" if (h, m, s) == (0, 0, 0) else "PT" + (f"{h}H" if h else "") + (f"{m}M" if m else "") + (
            f"{s}S" if s else "")
    return value


def get_entity(client: httpx.Client, appointment_id: int, headers: dict[str, str] | None = None) -> Any:
    response = client.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": appointment_id},
                           content=b"null", headers={"Content-Type": "application/json", **(headers or {})})
    assert response.status_code == 200, response.text
    return response.json()


CLIENT_HEADERS = {"SO-Browser-TZ-Offset": "60", "User-Agent": "SO-TS-WebApi/1.0"}


def test_round_trip_from_the_official_client_east_of_utc_changes_no_time(ada: httpx.Client, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    seed.set_status(booking.children["tje0"], S.NotStarted)  # an answered invitee would be asked again on a move
    before = {i: seed.row(i) for i in (booking.mother_id, *booking.children.values())}
    entity = get_entity(ada, booking.mother_id, CLIENT_HEADERS)
    body = as_official_client(entity, 60)
    assert body["alarmLeadTime"] == "P0D" and body["tableRight"]["mask"] == 15
    assert body["startDate"].endswith(".000Z")
    response = ada.post(AGENT + "SaveAppointmentEntity", json=body, headers=CLIENT_HEADERS)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert (saved["StartDate"], saved["EndDate"]) == (entity["StartDate"], entity["EndDate"])
    for appointment_id, row in before.items():
        after = seed.row(appointment_id)
        assert (after["start_date"], after["end_date"], after["status"], after["type"]) == (
            row["start_date"], row["end_date"], row["status"], row["type"])


def test_browser_offset_renders_times_in_the_clients_offset_tagged_with_it(ada: httpx.Client, seed: Seeder) -> None:
    booking = seed.booking()
    stored = seed.row(booking.mother_id)["start_date"]
    plain = get_entity(ada, booking.mother_id)
    assert plain["StartDate"] == stored.isoformat()  # base zone (UTC here), no offset, as NetServer does
    east = get_entity(ada, booking.mother_id, {"SO-Browser-TZ-Offset": "60"})
    assert east["StartDate"] == (stored + timedelta(hours=1)).isoformat() + "+01:00"
    west = get_entity(ada, booking.mother_id, {"SO-Browser-TZ-Offset": "-300"})
    assert west["StartDate"] == (stored - timedelta(hours=5)).isoformat() + "-05:00"


def test_unreadable_browser_offset_falls_back_to_the_base_zone(ada: httpx.Client, seed: Seeder) -> None:
    booking = seed.booking()
    stored = seed.row(booking.mother_id)["start_date"]
    assert get_entity(ada, booking.mother_id, {"SO-Browser-TZ-Offset": "soon"})["StartDate"] == stored.isoformat()


def test_round_trip_of_a_recurring_occurrence_keeps_the_series(ada: httpx.Client, seed: Seeder) -> None:
    series = seed.series(count=2)
    first = series.occurrences[0].mother_id
    entity = get_entity(ada, first, CLIENT_HEADERS)
    assert entity["Recurrence"]["IsRecurrence"] is True and entity["Recurrence"]["Pattern"] == "Weekly"
    assert entity["Recurrence"]["WeekPattern"]["Weekdays"] == "Monday"
    assert len(entity["Recurrence"]["Dates"]) == 2
    body = as_official_client(dict(entity, Description="Only this one"), 60)
    assert body["recurrence"]["weekPattern"]["weekdays"] == 1
    response = ada.post(AGENT + "SaveAppointmentEntity", json=body, headers=CLIENT_HEADERS)
    assert response.status_code == 200, response.text
    assert response.json()["Recurrence"]["RecurrenceId"] == series.rule_id
    assert seed.row(first)["recurrence_rule_id"] == series.rule_id


@pytest.fixture(scope="module")
def oslo_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose base zone is Europe/Oslo."""
    path: Path = tmp_path_factory.mktemp("oslo")
    with fresh_database(backend, path) as url:
        live = LiveServer(url, path / "server.log", env={"SODIARY_TIME_ZONE": "Europe/Oslo"}).start()
        try:
            yield live
        finally:
            live.stop()


def test_utc_datetimes_are_stored_in_the_base_zone_and_come_back_naive(oslo_server: LiveServer) -> None:
    with oslo_server.client("ada") as ada:
        entity = ada.post(AGENT + "CreateDefaultAppointmentEntity", json=None).json()
        entity.update(StartDate="2031-06-02T08:00:00.000Z", EndDate="2031-06-02T09:00:00+00:00",
                      Participants=[])
        saved = ada.post(AGENT + "SaveAppointmentEntity", json=entity).json()
        assert (saved["StartDate"], saved["EndDate"]) == ("2031-06-02T10:00:00", "2031-06-02T11:00:00")
        seeder = Seeder(oslo_server.database_url)
        try:
            assert seeder.row(saved["AppointmentId"])["start_date"] == datetime(2031, 6, 2, 10, 0)
        finally:
            seeder.close()
        utc_view = get_entity(ada, saved["AppointmentId"], {"SO-Browser-TZ-Offset": "0"})
        assert utc_view["StartDate"] == "2031-06-02T08:00:00Z"


def test_created_date_is_stored_utc_and_shown_in_the_view_zone(oslo_server: LiveServer) -> None:
    with oslo_server.client("ada") as ada:
        entity = ada.post(AGENT + "CreateDefaultAppointmentEntity", json=None).json()
        entity.update(StartDate="2031-06-03T08:00:00Z", EndDate="2031-06-03T09:00:00Z", Participants=[])
        saved = ada.post(AGENT + "SaveAppointmentEntity", json=entity).json()
        seeder = Seeder(oslo_server.database_url)
        try:
            registered = seeder.row(saved["AppointmentId"])["registered"]
        finally:
            seeder.close()
        utc_view = get_entity(ada, saved["AppointmentId"], {"SO-Browser-TZ-Offset": "0"})
        assert utc_view["CreatedDate"] == registered.isoformat() + "Z"
        assert utc_view["UpdatedDate"] == "0001-01-01T00:00:00Z"  # never updated: the sentinel, tagged UTC


def person_ids(seed: Seeder) -> dict[str, int]:
    with seed.engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(select(associate.c.name, associate.c.person_id))}


def captured_save_body(owner: int, owner_person: int, invitee: int) -> dict[str, Any]:
    """The SaveAppointmentEntity body captured from @superoffice/webapi (wire spec §5.2), with our ids."""
    return {
        "tableRight": {"mask": 11, "reason": ""}, "fieldProperties": {},
        "associate": {"tableRight": None, "fieldProperties": {}, "associateId": owner, "name": "ada",
                      "personId": owner_person, "type": "InternalAssociate", "fullName": "Ada Lovelace",
                      "formalName": "Ada Lovelace", "deleted": False},
        "contact": None, "createdBy": None, "updatedBy": None, "createdDate": None, "appointmentId": 0,
        "description": "harness A single", "title": "",
        "startDate": "2032-11-26T08:00:00.000Z", "endDate": "2032-11-26T09:00:00.000Z",
        "invitedPerson": None, "person": None, "motherId": 0, "priority": None, "private": "Public",
        "project": None, "type": "inDiary", "updatedDate": None, "completed": "NotStarted", "links": [],
        "alarmLeadTime": "P0D", "lagTime": "P0D", "leadTime": "P0D", "rejectCounter": 0, "rejectReason": "",
        "recurrence": {"recurrenceId": 0, "startDate": None, "endDate": None, "recurrenceEndType": "Unknown",
                       "pattern": "Unknown", "dayPattern": None, "weekPattern": None, "monthPattern": None,
                       "yearPattern": None, "dates": [], "isRecurrence": False},
        "participants": [{"associateId": owner, "personId": owner_person, "contactId": 0, "sendEmail": False},
                         {"associateId": invitee, "personId": 0, "contactId": 0, "sendEmail": False}],
        "assignmentStatus": "None", "invitationStatus": "None", "bookingType": "None", "activeDate": None,
        "assignedBy": None, "motherAssociate": None, "task": None, "preferredTZLocationData": None, "sale": None,
        "userDefinedFields": {}, "extraFields": {}, "customFields": {}, "publishEventDate": None,
        "publishTo": None, "publishFrom": None, "visibleFor": [],
    }


def test_save_body_captured_from_the_official_client_makes_a_booking(ada: httpx.Client, seed: Seeder) -> None:
    people = person_ids(seed)
    body = captured_save_body(seed.user_id("ada"), people["ada"], seed.user_id("tje0"))
    response = ada.post(AGENT + "SaveAppointmentEntity", json=body, headers=CLIENT_HEADERS)
    assert response.status_code == 200, response.text
    saved = response.json()
    assert saved["StartDate"] == "2032-11-26T09:00:00+01:00"  # 08:00 UTC, shown in the client's +01:00
    assert (saved["BookingType"], saved["Description"]) == ("Owner", "harness A single")
    assert [p["InvitationStatus"] for p in saved["Participants"]] == ["Accepted", "Invitation"]
    assert seed.row(saved["AppointmentId"])["start_date"] == datetime(2032, 11, 26, 8, 0)


def test_captured_recurring_save_makes_four_weekly_occurrences_at_the_same_time(ada: httpx.Client,
                                                                                 seed: Seeder) -> None:
    people = person_ids(seed)
    body = captured_save_body(seed.user_id("ada"), people["ada"], seed.user_id("tje0"))
    body["recurrence"] = {"recurrenceId": 0, "startDate": "2032-11-26T23:00:00.000Z", "endDate": None,
                          "recurrenceEndType": "Counter", "pattern": "Weekly", "dayPattern": None,
                          "weekPattern": {"cycle": 1, "weekdays": 16}, "monthPattern": None, "yearPattern": None,
                          "dates": [], "recurrenceCounter": 4, "isRecurrence": True}
    response = ada.post(AGENT + "SaveAppointmentEntity", json=body, headers=CLIENT_HEADERS)
    assert response.status_code == 200, response.text
    saved = response.json()
    # The series starts on the appointment's own date (Friday 26 November), not on the UI's midnight.
    assert saved["StartDate"] == "2032-11-26T09:00:00+01:00"
    assert [d["Date"] for d in saved["Recurrence"]["Dates"]] == [
        "2032-11-26T00:00:00", "2032-12-03T00:00:00", "2032-12-10T00:00:00", "2032-12-17T00:00:00"]
    records = ada.post(AGENT + "GetAppointmentRecords", json={"MotherId": 0,
                       "RecurrenceRuleId": saved["Recurrence"]["RecurrenceId"]}, headers=CLIENT_HEADERS).json()
    assert len(records) == 8
    assert {r["StartDate"][11:] for r in records} == {"09:00:00+01:00"}
