"""The SO-TimeZone header (spec §6.4): zone codes, includeTZOffset, incoming naive and tagged datetimes.

The test server's base zone is UTC: storage is naive UTC wall clock here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.e2e.recurrence_support import call, ok
from tests.support.seed import Seeder


def save_plain(client: httpx.Client, start: str, end: str, zone: str | None) -> dict[str, Any]:
    headers = {"SO-TimeZone": zone} if zone is not None else {}
    entity = ok(call(client, "CreateDefaultAppointmentEntity", headers=headers))
    entity.update(StartDate=start, EndDate=end, Participants=[], Title="Time zone")
    return dict(ok(call(client, "SaveAppointmentEntity", entity, headers=headers)))


def read(client: httpx.Client, appointment_id: int, zone: str) -> dict[str, Any]:
    return dict(ok(call(client, "GetAppointmentEntity", params={"appointmentEntityId": appointment_id},
                        headers={"SO-TimeZone": zone})))


def test_naive_datetimes_are_read_in_the_header_zone_and_stored_in_the_base_zone(ada: httpx.Client,
                                                                                   seed: Seeder) -> None:
    saved = save_plain(ada, "2031-12-24T12:34:45", "2031-12-24T13:34:45", "US-NY")
    assert seed.row(saved["AppointmentId"])["start_date"] == datetime(2031, 12, 24, 17, 34, 45)
    assert saved["StartDate"] == "2031-12-24T12:34:45"  # no flag: naive, in the header's zone
    assert read(ada, saved["AppointmentId"], "NO")["StartDate"] == "2031-12-24T18:34:45"


def test_utc_datetimes_are_instants_whatever_the_header_zone(ada: httpx.Client, seed: Seeder) -> None:
    # The docs' example: 12:34:45Z with US-NY is 07:34:45 in New York, answered as -05:00 with the flag.
    saved = save_plain(ada, "2031-12-24T12:34:45Z", "2031-12-24T13:34:45Z", "US-NY, includeTZOffset")
    assert seed.row(saved["AppointmentId"])["start_date"] == datetime(2031, 12, 24, 12, 34, 45)
    assert saved["StartDate"] == "2031-12-24T07:34:45-05:00"


@pytest.mark.parametrize(("header", "start"), [
    ("NO, includeTZOffset", "2031-01-15T11:00:00+01:00"),
    ("no,includeTZOffset", "2031-01-15T11:00:00+01:00"),
    ("261, includeTZOffset", "2031-01-15T11:00:00+01:00"),
    ("UTC,includeTZOffset", "2031-01-15T10:00:00Z"),
    ("includeTZOffset", "2031-01-15T10:00:00Z"),  # the base zone, UTC here
    ("US-CA", "2031-01-15T02:00:00"),
    ("Europe/Oslo", "2031-01-15T11:00:00"),
    ("XX-NOWHERE", "2031-01-15T10:00:00"),  # unknown code: the base zone, as without the header
])
def test_zone_codes_ids_and_the_offset_flag(ada: httpx.Client, header: str, start: str) -> None:
    saved = save_plain(ada, "2031-01-15T10:00:00Z", "2031-01-15T11:00:00Z", None)
    assert read(ada, saved["AppointmentId"], header)["StartDate"] == start


def test_the_offset_follows_daylight_saving_time(ada: httpx.Client) -> None:
    saved = save_plain(ada, "2031-07-15T10:00:00Z", "2031-07-15T11:00:00Z", None)
    assert read(ada, saved["AppointmentId"], "NO, includeTZOffset")["StartDate"] == "2031-07-15T12:00:00+02:00"


def test_created_and_updated_stay_utc_and_are_tagged_with_the_flag(ada: httpx.Client, seed: Seeder) -> None:
    saved = save_plain(ada, "2031-02-01T10:00:00Z", "2031-02-01T11:00:00Z", None)
    registered = seed.row(saved["AppointmentId"])["registered"]
    assert read(ada, saved["AppointmentId"], "US-NY")["CreatedDate"] == registered.isoformat()
    tagged = read(ada, saved["AppointmentId"], "US-NY, includeTZOffset")
    assert tagged["CreatedDate"] == registered.isoformat() + "Z"
    assert tagged["UpdatedDate"] == "0001-01-01T00:00:00Z"


def test_a_read_and_save_round_trip_under_a_header_zone_shifts_nothing(ada: httpx.Client, seed: Seeder) -> None:
    saved = save_plain(ada, "2031-03-10T08:00:00Z", "2031-03-10T09:00:00Z", None)
    before = seed.row(saved["AppointmentId"])
    for header in ("US-NY", "NO, includeTZOffset", "UTC"):
        entity = read(ada, saved["AppointmentId"], header)
        ok(call(ada, "SaveAppointmentEntity", entity, headers={"SO-TimeZone": header}))
        after = seed.row(saved["AppointmentId"])
        assert (after["start_date"], after["end_date"]) == (before["start_date"], before["end_date"])
