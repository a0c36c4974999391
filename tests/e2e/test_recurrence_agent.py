"""The recurrence helpers (CreateDefaultRecurrence, …ByDate, CalculateDays, ValidateDays) and a series'
wall-clock time across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.recurrence_support import call, first, mothers, next_year, ok, save, series_body, series_rows, weekly
from tests.support.seed import Seeder


def test_create_default_recurrence_by_date_fills_every_pattern_from_the_date(ada: httpx.Client) -> None:
    info = ok(call(ada, "CreateDefaultRecurrenceByDate", {"StartDate": "2002-03-31T18:00:00"}))
    # Fixture 63: a Sunday, the last of its month; weekly, ending a year later.
    assert info == {
        "RecurrenceId": 0, "StartDate": "2002-03-31T00:00:00", "EndDate": "2003-03-31T00:00:00",
        "RecurrenceCounter": 1, "RecurrenceEndType": "EndDate", "Pattern": "Weekly",
        "DayPattern": {"Pattern": "EveryCyclicDay", "Cycle": 1},
        "WeekPattern": {"Cycle": 1, "Weekdays": "Sunday"},
        "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 31, "Weekday": "Sunday", "WeekOfMonth": "Last"},
        "YearPattern": {"Pattern": "DayOfMonth", "Cycle": 3, "Day": 31, "Weekday": "Sunday", "WeekOfMonth": "Last"},
        "Dates": [{"Date": "2002-03-31T00:00:00", "IsConflict": False, "Description": None,
                   "DescriptionStyleHint": "", "Tooltip": None}],
        "IsRecurrence": False,
    }


def test_create_default_recurrence_starts_today(ada: httpx.Client) -> None:
    info = ok(call(ada, "CreateDefaultRecurrence"))
    today = datetime.now().date()
    assert info["StartDate"][:10] in {str(today - timedelta(days=1)), str(today), str(today + timedelta(days=1))}
    assert (info["IsRecurrence"], info["Pattern"], info["RecurrenceId"]) == (False, "Weekly", 0)


def test_calculate_days_lists_the_dates_and_names_the_conflicting_appointments(ada: httpx.Client) -> None:
    monday = first(next_year(), 2, 0)
    clash = series_body(ada, f"{monday + timedelta(weeks=1)}T10:30:00", f"{monday + timedelta(weeks=1)}T11:30:00",
                        {"IsRecurrence": False})
    clash_id = save(ada, clash)["AppointmentId"]
    body = series_body(ada, f"{monday}T10:00:00", f"{monday}T11:00:00", weekly("Monday", 3))
    info = ok(call(ada, "CalculateDays", {"AppointmentEntity": body}))
    assert [d["Date"] for d in info["Dates"]] == [f"{monday + timedelta(weeks=w)}T00:00:00" for w in range(3)]
    assert [d["IsConflict"] for d in info["Dates"]] == [False, True, False]
    assert info["Dates"][1]["Tooltip"] == f"{{conflict_id={clash_id}}}"
    assert info["Dates"][1]["DescriptionStyleHint"] == "conflict"
    assert info["IsRecurrence"] is True and info["WeekPattern"]["Weekdays"] == "Monday"


def test_validate_days_checks_the_given_dates_at_the_entitys_time(ada: httpx.Client) -> None:
    tuesday = first(next_year(), 2, 1)
    clash_id = save(ada, series_body(ada, f"{tuesday}T09:00:00", f"{tuesday}T09:15:00",
                                     {"IsRecurrence": False}))["AppointmentId"]
    body = series_body(ada, f"{tuesday - timedelta(days=7)}T08:30:00", f"{tuesday - timedelta(days=7)}T09:30:00",
                       {"IsRecurrence": False})
    days = ok(call(ada, "ValidateDays", {"AppointmentEntity": body,
                                         "Dates": [f"{tuesday}T00:00:00", f"{tuesday + timedelta(days=1)}T00:00:00"]}))
    assert [(d["Date"], d["IsConflict"]) for d in days] == [
        (f"{tuesday}T00:00:00", True), (f"{tuesday + timedelta(days=1)}T00:00:00", False)]
    assert days[0]["Tooltip"] == f"{{conflict_id={clash_id}}}"


def test_calculate_days_refuses_an_invalid_recurrence_with_a_400(ada: httpx.Client, seed: Seeder) -> None:
    body = series_body(ada, "2043-01-05T10:00:00", "2043-01-05T11:00:00", weekly("Monday", 0))
    with Unchanged(seed):
        error = assert_error(call(ada, "CalculateDays", {"AppointmentEntity": body}), 400)
    assert "RecurrenceCounter" in error["Message"]
    with Unchanged(seed):
        assert_error(call(ada, "CalculateDays", {}), 400)


@pytest.mark.parametrize(("zone", "month", "weeks", "utc_hours"), [
    pytest.param("NO", 3, 4, [8, 8, 7, 7], id="oslo-spring"),  # 2031: summer time from Sunday 30 March
    pytest.param("NO", 10, 3, [7, 8, 8], id="oslo-autumn"),  # …until Sunday 26 October
    pytest.param("US-NY", 3, 3, [14, 13, 13], id="new-york-spring"),  # from Sunday 9 March
])
def test_a_nine_oclock_meeting_stays_at_nine_across_daylight_saving(
    ada: httpx.Client, seed: Seeder, zone: str, month: int, weeks: int, utc_hours: list[int]
) -> None:
    monday = first(2031, month, 0) + timedelta(weeks=2 if zone == "NO" else 0)
    body = series_body(ada, f"{monday}T09:00:00", f"{monday}T10:00:00", weekly("Monday", weeks))
    saved = save(ada, body, headers={"SO-TimeZone": zone})
    rows = mothers(series_rows(seed, saved["Recurrence"]["RecurrenceId"]))
    assert [r["start_date"].hour for r in rows] == utc_hours  # storage: the base zone, UTC here
    for r in rows:
        entity = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": r["appointment_id"]},
                         headers={"SO-TimeZone": f"{zone}, includeTZOffset"}))
        assert entity["StartDate"][11:19] == "09:00:00" and entity["EndDate"][11:19] == "10:00:00"
