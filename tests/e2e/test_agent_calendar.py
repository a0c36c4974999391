"""The diary's calendar (issue 17): one item per day with busy/free counts, the share of the working day
booked, and public holidays (the server runs with SODIARY_HOLIDAY_COUNTRY=NO, working hours 08:00-16:00)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import holidays
import httpx
import pytest
from sqlalchemy import update

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.store.schema import appointment
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
DAY = AGENT + "GetDayInformationListByDatesAndAssociate"
ACTIVITY = AGENT + "GetActivityInformationListByDatesAndAssociate"
RED = AGENT + "GetRedLetterInformationListByDatesAndAssociate"


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    return {"SODIARY_HOLIDAY_COUNTRY": "NO", "SODIARY_WORKING_HOURS": "08:00-16:00",
            "SODIARY_WORKING_DAYS": "mon-fri"}


_week = iter(range(0, 500))


def monday() -> datetime:
    """A Monday of its own for each test, so the counts see only that test's rows; a working day in Norway."""
    while True:
        day = datetime(2033, 1, 3) + timedelta(weeks=next(_week))
        red = holidays.country_holidays("NO", years=day.year)
        if day.date() not in red and (day + timedelta(days=1)).date() not in red:  # tests use Monday and Tuesday
            return day


def row_at(seed: Seeder, owner: str, start: str, end: str, **values: Any) -> int:
    row = seed.plain(owner)
    with seed.engine.begin() as conn:
        conn.execute(update(appointment).where(appointment.c.appointment_id == row).values(
            start_date=datetime.fromisoformat(start), end_date=datetime.fromisoformat(end),
            active_date=datetime.fromisoformat(start), **values))
    return row


def days(client: httpx.Client, path: str, start: str, end: str, associate_id: int = 0) -> list[dict[str, Any]]:
    r = client.post(path, json={"StartDate": start, "EndDate": end, "AssociateId": associate_id})
    assert r.status_code == 200, r.text
    return list(r.json())


def test_one_item_per_day_both_ends_included_whatever_the_times(tje0: httpx.Client) -> None:
    start = monday()
    found = days(tje0, DAY, start.replace(hour=15).isoformat(), (start + timedelta(days=6, hours=1)).isoformat())
    assert [d["Date"][:10] for d in found] == [(start + timedelta(days=n)).date().isoformat() for n in range(7)]
    assert all(d["Date"].endswith("T00:00:00") for d in found)


def test_an_empty_day_has_every_value_zero(tje0: httpx.Client) -> None:
    day = monday().date().isoformat()
    [item] = days(tje0, DAY, day, day)
    assert item["ActivityInformation"] | {"TableRight": None, "FieldProperties": {}} == {
        "NumBusyActivities": 0, "NumFreeActivities": 0, "PercentageBusy": 0, "TableRight": None,
        "FieldProperties": {}}
    assert item["RedLetterInformation"]["IsOwnCountryHoliday"] is False


def test_busy_rows_fill_their_share_of_the_working_day_and_free_ones_only_count(tje0: httpx.Client,
                                                                               seed: Seeder) -> None:
    day = monday().date().isoformat()
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T11:00")
    row_at(seed, "tje0", f"{day}T12:00", f"{day}T13:00", is_free=True)
    with Unchanged(seed):
        [item] = days(tje0, ACTIVITY, day, day)
    assert item["ActivityInformation"]["NumBusyActivities"] == 1
    assert item["ActivityInformation"]["NumFreeActivities"] == 1
    assert item["ActivityInformation"]["PercentageBusy"] == 25  # 2 of 8 working hours


def test_overlapping_busy_rows_count_their_time_once(tje0: httpx.Client, seed: Seeder) -> None:
    day = monday().date().isoformat()
    row_at(seed, "tje0", f"{day}T07:00", f"{day}T10:00")  # 08:00-10:00 is working time
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T12:00")
    [item] = days(tje0, ACTIVITY, day, day)
    assert item["ActivityInformation"]["NumBusyActivities"] == 2
    assert item["ActivityInformation"]["PercentageBusy"] == 50  # 08:00-12:00


def test_a_weekend_row_counts_but_books_no_working_time(tje0: httpx.Client, seed: Seeder) -> None:
    saturday = (monday() + timedelta(days=5)).date().isoformat()
    row_at(seed, "tje0", f"{saturday}T10:00", f"{saturday}T12:00")
    [item] = days(tje0, ACTIVITY, saturday, saturday)
    assert item["ActivityInformation"]["NumBusyActivities"] == 1
    assert item["ActivityInformation"]["PercentageBusy"] == 0


def test_a_row_over_midnight_counts_on_both_days(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday().date()
    first, second = start.isoformat(), (start + timedelta(days=1)).isoformat()
    row_at(seed, "tje0", f"{first}T22:00", f"{second}T09:00")
    found = days(tje0, ACTIVITY, first, second)
    assert [d["ActivityInformation"]["NumBusyActivities"] for d in found] == [1, 1]
    assert found[1]["ActivityInformation"]["PercentageBusy"] == 12  # 08:00-09:00 of 8 hours, rounded


def test_unanswered_and_declined_invitations_do_not_count(tje0: httpx.Client, seed: Seeder) -> None:
    day = monday().date().isoformat()
    pending, declined = seed.booking("ada", ("tje0",)), seed.booking("ada", ("tje0",))
    seed.set_status(declined.children["tje0"], S.BookingDeclined)
    for n, b in enumerate((pending, declined)):
        with seed.engine.begin() as conn:
            conn.execute(update(appointment).where(appointment.c.mother_id == b.mother_id).values(
                start_date=datetime.fromisoformat(f"{day}T1{n}:00"), end_date=datetime.fromisoformat(f"{day}T1{n}:30")))
    [item] = days(tje0, ACTIVITY, day, day)
    assert item["ActivityInformation"]["NumBusyActivities"] == 0


def test_another_users_private_row_is_counted_but_not_shown(ben: httpx.Client, seed: Seeder) -> None:
    day = monday().date().isoformat()
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T10:00", private=1, title="Secret")
    with Unchanged(seed):
        [item] = days(ben, DAY, day, day, seed.user_id("tje0"))
    assert item["ActivityInformation"]["NumBusyActivities"] == 1
    assert "Secret" not in str(item)


def test_associate_zero_is_the_caller(tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    day = monday().date().isoformat()
    row_at(seed, "ben", f"{day}T09:00", f"{day}T10:00")
    assert days(ben, ACTIVITY, day, day)[0]["ActivityInformation"]["NumBusyActivities"] == 1
    assert days(tje0, ACTIVITY, day, day)[0]["ActivityInformation"]["NumBusyActivities"] == 0


def test_a_public_holiday_is_a_red_letter_day_named_in_english(tje0: httpx.Client) -> None:
    found = days(tje0, RED, "2031-05-16", "2031-05-18")
    assert [d["RedLetterInformation"]["IsOwnCountryHoliday"] for d in found] == [False, True, False]
    assert found[1]["RedLetterDetails"]["OwnCountryDayTexts"] == ["Constitution Day"]
    assert found[0]["RedLetterDetails"]["OwnCountryDayTexts"] == []
    assert all(d["RedLetterInformation"]["IsOtherCountryHoliday"] is False for d in found)


def test_a_public_holiday_is_named_in_norwegian_when_asked(tje0: httpx.Client) -> None:
    r = tje0.post(RED, json={"StartDate": "2031-05-17", "EndDate": "2031-05-17"}, headers={"Accept-Language": "nb"})
    assert r.json()[0]["RedLetterDetails"]["OwnCountryDayTexts"] == ["Grunnlovsdag"]


def test_a_public_holiday_books_no_working_time(tje0: httpx.Client, seed: Seeder) -> None:
    row_at(seed, "tje0", "2031-12-25T09:00", "2031-12-25T12:00")  # Christmas Day, a Thursday
    [item] = days(tje0, DAY, "2031-12-25", "2031-12-25")
    assert item["RedLetterInformation"]["IsOwnCountryHoliday"] is True
    assert item["ActivityInformation"]["NumBusyActivities"] == 1
    assert item["ActivityInformation"]["PercentageBusy"] == 0


def test_an_end_before_the_start_is_refused(tje0: httpx.Client) -> None:
    r = tje0.post(DAY, json={"StartDate": "2031-05-17", "EndDate": "2031-05-16"})
    assert "before" in assert_error(r, 400)["Message"]


def test_more_than_a_thousand_days_is_refused(tje0: httpx.Client) -> None:
    assert_error(tje0.post(ACTIVITY, json={"StartDate": "2030-01-01", "EndDate": "2033-01-01"}), 400)


def test_a_missing_date_is_refused(tje0: httpx.Client) -> None:
    assert_error(tje0.post(RED, json={"StartDate": "2031-05-17"}), 400)


def test_an_unknown_associate_is_refused(tje0: httpx.Client) -> None:
    assert_error(tje0.post(DAY, json={"StartDate": "2031-05-17", "EndDate": "2031-05-17",
                                      "AssociateId": 999_999}), 400)


def test_the_last_day_of_the_calendar_is_answered(tje0: httpx.Client) -> None:
    found = days(tje0, DAY, "9999-12-30", "9999-12-31")
    assert [d["Date"] for d in found] == ["9999-12-30T00:00:00", "9999-12-31T00:00:00"]


# --- GetNextAvailableTime ---------------------------------------------------------------------

NEXT = AGENT + "GetNextAvailableTime"


def openings(client: httpx.Client, start: datetime, minutes: int = 60, **body: Any) -> list[dict[str, Any]]:
    r = client.post(NEXT, json={"StartTime": start.isoformat(),
                                "EndTime": (start + timedelta(minutes=minutes)).isoformat(), **body})
    assert r.status_code == 200, r.text
    return list(r.json())


def span(o: dict[str, Any]) -> tuple[str, str, str, str]:
    return (o["AvailableTimeStart"][11:16], o["AvailableTimeEnd"][11:16], o["RecommendedTimeStart"][11:16],
            o["RecommendedTimeEnd"][11:16])


def test_a_free_working_day_offers_the_asked_time_at_once(tje0: httpx.Client) -> None:
    start = monday().replace(hour=9)
    [o] = openings(tje0, start)
    assert o["RecommendedTimeStart"] == start.isoformat()
    assert span(o) == ("09:00", "16:00", "09:00", "10:00")


def test_a_busy_row_pushes_the_opening_past_it(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday().replace(hour=9)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T11:00")
    with Unchanged(seed):
        [o] = openings(tje0, start)
    assert span(o) == ("11:00", "16:00", "11:00", "12:00")


def test_every_associate_must_be_free(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday().replace(hour=9)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T11:00")
    row_at(seed, "ben", f"{day}T11:00", f"{day}T13:00")
    [o] = openings(tje0, start, Associates=[seed.user_id("tje0"), seed.user_id("ben")])
    assert span(o) == ("13:00", "16:00", "13:00", "14:00")


def test_count_asks_for_several_openings_in_order(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday().replace(hour=8)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T10:00", f"{day}T11:00")
    row_at(seed, "tje0", f"{day}T12:00", f"{day}T13:00")
    found = openings(tje0, start, Count=3)
    assert [span(o) for o in found] == [("08:00", "10:00", "08:00", "09:00"), ("11:00", "12:00", "11:00", "12:00"),
                                        ("13:00", "16:00", "13:00", "14:00")]


def test_a_gap_shorter_than_the_appointment_is_passed_over(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday().replace(hour=8)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T08:30", f"{day}T15:00")
    [o] = openings(tje0, start)
    assert span(o) == ("15:00", "16:00", "15:00", "16:00")


def test_the_search_moves_on_over_the_weekend(tje0: httpx.Client) -> None:
    [o] = openings(tje0, datetime(2031, 3, 7, 15, 30))  # a Friday: 30 minutes left, one hour needed
    assert o["RecommendedTimeStart"] == "2031-03-10T08:00:00"


def test_public_holidays_are_no_working_days(tje0: httpx.Client) -> None:
    # 25 and 26 December are Norwegian public holidays; 27 and 28 are a weekend.
    [o] = openings(tje0, datetime(2031, 12, 24, 15, 30))
    assert o["RecommendedTimeStart"] == "2031-12-29T08:00:00"


def test_free_rows_and_declined_invitations_do_not_block_but_unanswered_ones_do(tje0: httpx.Client,
                                                                                seed: Seeder) -> None:
    start = monday().replace(hour=8)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T08:00", f"{day}T09:00", is_free=True)
    declined, pending = seed.booking("ada", ("tje0",)), seed.booking("ada", ("tje0",))
    seed.set_status(declined.children["tje0"], S.BookingDeclined)
    for b, hours in ((declined, ("08:30", "09:30")), (pending, ("09:00", "10:00"))):
        with seed.engine.begin() as conn:
            conn.execute(update(appointment).where(appointment.c.mother_id == b.mother_id).values(
                start_date=datetime.fromisoformat(f"{day}T{hours[0]}"),
                end_date=datetime.fromisoformat(f"{day}T{hours[1]}")))
    [o] = openings(tje0, start)
    assert span(o) == ("08:00", "09:00", "08:00", "09:00")
    [later] = openings(tje0, start.replace(hour=9))
    assert span(later) == ("10:00", "16:00", "10:00", "11:00")


def test_all_day_asks_for_a_whole_free_working_day(tje0: httpx.Client, seed: Seeder) -> None:
    start = monday()
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T17:00", f"{day}T18:00")  # after hours, yet the day is not free
    [o] = openings(tje0, start, minutes=24 * 60, IsAllDay=True)
    tuesday = (start + timedelta(days=1)).date().isoformat()
    assert (o["RecommendedTimeStart"], o["RecommendedTimeEnd"]) == (f"{tuesday}T00:00:00", f"{tuesday}T23:59:59")


def test_another_users_private_row_blocks_their_time_and_shows_nothing(ben: httpx.Client, seed: Seeder) -> None:
    start = monday().replace(hour=9)
    day = start.date().isoformat()
    row_at(seed, "tje0", f"{day}T09:00", f"{day}T10:00", private=1, title="Secret")
    r = ben.post(NEXT, json={"Associates": [seed.user_id("tje0")], "StartTime": start.isoformat(),
                             "EndTime": (start + timedelta(hours=1)).isoformat()})
    assert span(r.json()[0]) == ("10:00", "16:00", "10:00", "11:00")
    assert "Secret" not in r.text


def test_an_end_not_after_the_start_is_refused(tje0: httpx.Client) -> None:
    r = tje0.post(NEXT, json={"StartTime": "2031-03-03T10:00", "EndTime": "2031-03-03T10:00"})
    assert "after" in assert_error(r, 400)["Message"]


def test_an_unknown_associate_is_refused_when_looking_for_time(tje0: httpx.Client) -> None:
    r = tje0.post(NEXT, json={"Associates": [999_999], "StartTime": "2031-03-03T10:00",
                              "EndTime": "2031-03-03T11:00"})
    assert_error(r, 400)
