"""Saving recurring appointments and bookings: the rule, a mother row per occurrence and a child row per
occurrence and invitee, in one unit of work (spec §2.7); the series read back; every pattern; refusals."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.recurrence_support import (
    call,
    first,
    mothers,
    next_year,
    records,
    rule_row,
    save,
    series_body,
    series_rows,
    weekly,
)
from tests.support.seed import Seeder


@pytest.fixture(scope="module")
def users(seed: Seeder) -> dict[str, int]:
    return {name: seed.user_id(name) for name in ("ada", "ben", "tje0")}


def test_a_weekly_booking_saves_one_rule_a_mother_per_occurrence_and_a_child_per_invitee(
    ada: httpx.Client, seed: Seeder, users: dict[str, int]
) -> None:
    monday = first(next_year(), 1, 0)
    body = series_body(ada, f"{monday}T10:00:00", f"{monday}T11:00:00", weekly("Monday", 4),
                       [users["tje0"], users["ben"]])
    saved = save(ada, body)
    rule_id = saved["Recurrence"]["RecurrenceId"]
    assert rule_id > 0 and saved["Recurrence"]["IsRecurrence"] is True
    assert saved["Recurrence"]["Pattern"] == "Weekly" and saved["Recurrence"]["WeekPattern"]["Weekdays"] == "Monday"
    assert saved["Recurrence"]["RecurrenceEndType"] == "Counter" and saved["Recurrence"]["RecurrenceCounter"] == 4
    starts = [datetime.combine(monday, time(10)) + timedelta(weeks=w) for w in range(4)]
    assert [d["Date"] for d in saved["Recurrence"]["Dates"]] == [f"{s.date()}T00:00:00" for s in starts]
    assert saved["BookingType"] == "Owner" and saved["MotherId"] == saved["AppointmentId"]

    rows = series_rows(seed, rule_id)
    assert len(rows) == 12
    for occurrence, start in zip(mothers(rows), starts, strict=True):
        assert occurrence["associate_id"] == users["ada"] and occurrence["mother_id"] == occurrence["appointment_id"]
        assert (occurrence["start_date"], occurrence["end_date"]) == (start, start + timedelta(hours=1))
        assert occurrence["original_start_date"] == start
        kids = [r for r in rows if r["mother_id"] == occurrence["appointment_id"] and r is not occurrence
                and r["appointment_id"] != occurrence["appointment_id"]]
        assert {k["associate_id"] for k in kids} == {users["tje0"], users["ben"]}
        for kid in kids:
            assert (S(kid["status"]), T(kid["type"])) == (S.Booking, T.BookingForDiary)
            assert (kid["start_date"], kid["original_start_date"], kid["text_id"]) == (
                start, start, occurrence["text_id"])

    listed = records(ada, rule_id)
    assert sorted(r["AppointmentId"] for r in listed) == sorted(r["appointment_id"] for r in rows)
    assert all(r["IsRecurrence"] and r["RecurringPattern"] == "Weekly" for r in listed)


def test_the_saved_series_reads_back_the_same_through_any_occurrence(ada: httpx.Client, seed: Seeder) -> None:
    monday = first(next_year(), 3, 0)
    saved = save(ada, series_body(ada, f"{monday}T08:30:00", f"{monday}T09:00:00",
                                  weekly("Tuesday, Thursday", 6, cycle=2)))
    rule_id = saved["Recurrence"]["RecurrenceId"]
    third = mothers(series_rows(seed, rule_id))[2]["appointment_id"]
    entity = ok_entity(ada, third)
    assert entity["Recurrence"] == saved["Recurrence"]
    # Every second week on Tuesday and Thursday: Tue, Thu of the first week, then Tue two weeks later.
    assert entity["StartDate"] == f"{monday + timedelta(days=15)}T08:30:00"
    assert rule_row(seed, rule_id)["cycle"] == 2  # type: ignore[index]


def ok_entity(client: httpx.Client, appointment_id: int, **headers: str) -> dict[str, Any]:
    response = client.post("/api/v1/Agents/Appointment/GetAppointmentEntity",
                           params={"appointmentEntityId": appointment_id}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize(("recurrence", "first", "dates"), [
    pytest.param({"Pattern": "Daily", "DayPattern": {"Pattern": "EveryWorkday", "Cycle": 0}},
                 "01-05", ["01-07", "01-08", "01-09", "01-10"], id="daily-every-workday"),
    pytest.param({"Pattern": "Daily", "DayPattern": {"Pattern": "EveryWeekday", "Cycle": 0}},
                 "01-05", ["01-05", "01-06", "01-07", "01-08"], id="daily-every-day"),
    pytest.param({"Pattern": "Daily", "DayPattern": {"Pattern": "EveryCyclicDay", "Cycle": 3}},
                 "01-05", ["01-05", "01-08", "01-11", "01-14"], id="daily-every-third-day"),
    pytest.param({"Pattern": "Monthly", "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 31}},
                 "01-31", ["01-31", "02-28", "03-31", "04-30"], id="monthly-day-31-clamps"),
    pytest.param({"Pattern": "Monthly", "MonthPattern": {"Pattern": "WeekdayOfMonth", "Cycle": 2,
                                                         "Weekday": "Friday", "WeekOfMonth": "Last"}},
                 "01-05", ["01-25", "03-29", "05-31", "07-26"], id="monthly-last-friday-every-second-month"),
    pytest.param({"Pattern": "Yearly", "YearPattern": {"Pattern": "DayOfMonth", "Cycle": 6, "Day": 17}},
                 "01-05", ["06-17", "+1-06-17", "+2-06-17", "+3-06-17"], id="yearly-17-june"),
    pytest.param({"Pattern": "Yearly", "YearPattern": {"Pattern": "WeekdayOfMonth", "Cycle": 10,
                                                       "Weekday": "Monday", "WeekOfMonth": "Second"}},
                 "01-05", ["10-14", "+1-10-13", "+2-10-12", "+3-10-10"], id="yearly-second-monday-of-october"),
    pytest.param({"Pattern": "Custom", "Dates": [{"Date": "{y}-02-03T00:00:00"}, {"Date": "{y}-01-20T00:00:00"},
                                                 {"Date": "{y}-02-03T00:00:00"}, {"Date": "{y}-05-01T00:00:00"}]},
                 "01-05", ["01-20", "02-03", "05-01"], id="custom-dates-sorted-once"),
])
def test_every_pattern_saves_its_occurrences(ada: httpx.Client, seed: Seeder, recurrence: dict[str, Any],
                                              first: str, dates: list[str]) -> None:
    year = 2041  # 5 January 2041 is a Saturday
    for r in (recurrence,):
        for d in r.get("Dates", []):
            d["Date"] = d["Date"].format(y=year)
    counter = 3 if recurrence["Pattern"] == "Custom" else 4
    body = series_body(ada, f"{year}-{first}T07:00:00", f"{year}-{first}T07:45:00",
                       dict(recurrence, IsRecurrence=True, RecurrenceEndType="Counter", RecurrenceCounter=counter))
    saved = save(ada, body)
    rows = mothers(series_rows(seed, saved["Recurrence"]["RecurrenceId"]))

    def when(text: str) -> datetime:
        if text.startswith("+"):
            plus, month, day = text[1:].split("-")
            return datetime(year + int(plus), int(month), int(day), 7, 0)
        month, day = text.split("-")
        return datetime(year, int(month), int(day), 7, 0)

    assert [r["start_date"] for r in rows] == [when(d) for d in dates]
    assert all(r["end_date"] - r["start_date"] == timedelta(minutes=45) for r in rows)
    assert saved["StartDate"] == when(dates[0]).isoformat()  # the saved entity is the first occurrence


def test_a_series_ends_on_its_end_date_inclusive(ada: httpx.Client, seed: Seeder) -> None:
    wednesday = first(next_year(), 1, 2)
    last = wednesday + timedelta(weeks=4)
    recurrence = {"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": "Wednesday"},
                  "RecurrenceEndType": "EndDate", "EndDate": f"{last}T00:00:00"}
    saved = save(ada, series_body(ada, f"{wednesday}T12:00:00", f"{wednesday}T13:00:00", recurrence))
    rows = series_rows(seed, saved["Recurrence"]["RecurrenceId"])
    assert [r["start_date"].date() for r in rows] == [wednesday + timedelta(weeks=w) for w in range(5)]
    assert saved["Recurrence"]["EndDate"] == f"{last}T00:00:00"


def test_an_all_day_series_stays_on_its_dates(ada: httpx.Client, seed: Seeder) -> None:
    thursday = first(next_year(), 3, 3) + timedelta(weeks=2)  # across the end of March: daylight saving
    body = series_body(ada, f"{thursday}T00:00:00", f"{thursday + timedelta(days=1)}T00:00:00",
                       weekly("Thursday", 3), IsAlldayEvent=True)
    saved = save(ada, body)
    rows = series_rows(seed, saved["Recurrence"]["RecurrenceId"])
    entity = ok_entity(ada, rows[-1]["appointment_id"])
    assert [(r["start_date"], r["end_date"] - r["start_date"]) for r in rows] == [
        (datetime.combine(thursday + timedelta(weeks=w), time()), timedelta(days=1)) for w in range(3)]
    assert entity["IsAlldayEvent"] is True


def test_a_ten_year_weekly_series_with_five_invitees_saves(ada: httpx.Client, seed: Seeder,
                                                           invitees: list[int]) -> None:
    friday = first(next_year(), 1, 4)
    weeks = 52 * 10
    recurrence = {"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": "Friday"},
                  "RecurrenceEndType": "Counter", "RecurrenceCounter": weeks}
    saved = save(ada, series_body(ada, f"{friday}T15:00:00", f"{friday}T16:00:00", recurrence, invitees))
    rows = series_rows(seed, saved["Recurrence"]["RecurrenceId"])
    assert len(mothers(rows)) == weeks and len(rows) == weeks * 6
    assert len(saved["Recurrence"]["Dates"]) == weeks
    assert rows[-1]["start_date"] == datetime.combine(friday + timedelta(weeks=weeks - 1), time(15))


@pytest.fixture(scope="module")
def invitees(seed: Seeder, users: dict[str, int]) -> list[int]:
    """Five users to invite: ben, tje0 and three more."""
    from sodiary.store import associates

    extra = []
    with seed.engine.begin() as conn:
        for name in ("rec1", "rec2", "rec3"):
            extra.append(associates.add_associate(conn, name, "", None))
    return [users["ben"], users["tje0"], *extra]


BAD = [
    pytest.param({"Pattern": "Unknown"}, "Pattern must be", id="no-pattern"),
    pytest.param({"Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": 0}}, "weekday", id="no-weekdays"),
    pytest.param({"Pattern": "Weekly", "WeekPattern": {"Cycle": 0, "Weekdays": "Monday"}}, "Cycle", id="cycle-0"),
    pytest.param({"Pattern": "Daily", "DayPattern": {"Pattern": "DayOfMonth", "Cycle": 1}}, "", id="foreign-sub"),
    pytest.param({"Pattern": "Daily"}, "sub-pattern", id="daily-without-day-pattern"),
    pytest.param({"Pattern": "Monthly", "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 32}}, "Day",
                 id="day-32"),
    pytest.param({"Pattern": "Yearly", "YearPattern": {"Pattern": "DayOfMonth", "Cycle": 2, "Day": 30}}, "29",
                 id="30-february"),
    pytest.param({"Pattern": "Yearly", "YearPattern": {"Pattern": "DayOfMonth", "Cycle": 13, "Day": 1}}, "month",
                 id="month-13"),
    pytest.param({"Pattern": "Monthly", "MonthPattern": {"Pattern": "WeekdayOfMonth", "Cycle": 1,
                                                         "Weekday": "Monday", "WeekOfMonth": "Unknown"}},
                 "WeekOfMonth", id="no-week-of-month"),
    pytest.param({"Pattern": "Custom", "Dates": []}, "Custom", id="custom-without-dates"),
    pytest.param({"RecurrenceEndType": "Unknown"}, "RecurrenceEndType", id="no-end-type"),
    pytest.param({"RecurrenceEndType": "EndDate", "EndDate": None}, "EndDate", id="no-end-date"),
    pytest.param({"RecurrenceEndType": "EndDate", "EndDate": "2000-01-01T00:00:00"}, "before", id="end-before"),
    pytest.param({"RecurrenceCounter": 0}, "RecurrenceCounter", id="counter-0"),
    pytest.param({"RecurrenceCounter": 5000}, "1000", id="too-many"),
    pytest.param({"RecurrenceEndType": "EndDate", "EndDate": "9000-01-01T00:00:00"}, "1000", id="too-long"),
    pytest.param({"WeekPattern": {"Cycle": 1, "Weekdays": "Someday"}}, "Weekdays", id="weekday-name"),
    pytest.param({"WeekPattern": {"Cycle": 1, "Weekdays": 200}}, "200", id="weekday-flag-beyond-sunday"),
    pytest.param({"WeekPattern": {"Cycle": 1, "Weekdays": -1}}, "Weekdays", id="weekday-flags-negative"),
    pytest.param({"WeekPattern": {"Cycle": 1, "Weekdays": 2**40}}, "Weekdays", id="weekday-flags-huge"),
    pytest.param({"WeekPattern": {"Cycle": 2**40, "Weekdays": 1}}, "Cycle", id="cycle-beyond-int32"),
]


@pytest.mark.parametrize(("change", "text"), BAD)
def test_an_invalid_recurrence_is_a_400_naming_the_problem_and_writes_nothing(
    ada: httpx.Client, seed: Seeder, users: dict[str, int], change: dict[str, Any], text: str
) -> None:
    recurrence = dict(weekly("Monday", 4), **change)
    body = series_body(ada, "2042-01-06T10:00:00", "2042-01-06T11:00:00", recurrence, [users["tje0"]])
    with Unchanged(seed):
        error = assert_error(call(ada, "SaveAppointmentEntity", body), 400)
    assert text in error["Message"]


def test_a_series_whose_last_occurrence_would_end_after_the_calendar_is_a_400(ada: httpx.Client,
                                                                               seed: Seeder) -> None:
    recurrence = {"IsRecurrence": True, "Pattern": "Custom", "RecurrenceEndType": "Counter",
                  "RecurrenceCounter": 2, "Dates": [{"Date": "9999-12-30T00:00:00"}, {"Date": "9999-12-31T00:00:00"}]}
    body = series_body(ada, "9999-12-30T00:00:00", "9999-12-31T00:00:00", recurrence, IsAlldayEvent=True)
    with Unchanged(seed):
        error = assert_error(call(ada, "SaveAppointmentEntity", body), 400)
    assert "9999-12-31" in error["Message"]
