"""Another associate's private rows are busy time at most: CalculateDays and ValidateDays may say a day
conflicts, never which row, when or what (issue 12, defect 4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.e2e.recurrence_support import call, first, next_year, ok, save, series_body, weekly


def _plain(client: httpx.Client, day: date, hour: int, **changes: Any) -> int:
    body = series_body(client, f"{day}T{hour:02}:00:00", f"{day}T{hour + 1:02}:00:00", {"IsRecurrence": False},
                       Title="Doctor's appointment", Description="Private matter", **changes)
    return int(save(client, body)["AppointmentId"])


def _in_bens_diary(ada: httpx.Client, ben_id: int, monday: date, weeks: int) -> dict[str, Any]:
    body = series_body(ada, f"{monday}T10:00:00", f"{monday}T11:00:00", weekly("Monday", weeks),
                       Associate={"AssociateId": ben_id})
    return body


def test_calculate_days_for_another_diary_marks_a_private_row_busy_without_naming_it(
    ada: httpx.Client, ben: httpx.Client
) -> None:
    ben_id = ok(call(ben, "CreateDefaultAppointmentEntity"))["Associate"]["AssociateId"]
    monday = first(next_year(), 3, 0)
    private = _plain(ben, monday + timedelta(weeks=1), 10, Private="PrivateUser")
    public = _plain(ben, monday + timedelta(weeks=2), 10)
    response = call(ada, "CalculateDays", {"AppointmentEntity": _in_bens_diary(ada, ben_id, monday, 3)})
    info = ok(response)
    assert [(d["IsConflict"], d["DescriptionStyleHint"], d["Tooltip"]) for d in info["Dates"]] == [
        (False, "", None), (True, "conflict", "{conflict_id=0}"), (True, "conflict", f"{{conflict_id={public}}}")]
    assert str(private) not in response.text and "Private matter" not in response.text


def test_validate_days_for_another_diary_marks_a_private_row_busy_without_naming_it(
    ada: httpx.Client, ben: httpx.Client
) -> None:
    ben_id = ok(call(ben, "CreateDefaultAppointmentEntity"))["Associate"]["AssociateId"]
    tuesday = first(next_year(), 4, 1)
    private = _plain(ben, tuesday, 9, Private="PrivateUser")
    body = series_body(ada, f"{tuesday}T08:30:00", f"{tuesday}T09:30:00", {"IsRecurrence": False},
                       Associate={"AssociateId": ben_id})
    response = call(ada, "ValidateDays", {"AppointmentEntity": body, "Dates": [
        f"{tuesday}T00:00:00", f"{tuesday + timedelta(days=1)}T00:00:00"]})
    assert [(d["IsConflict"], d["Tooltip"]) for d in ok(response)] == [(True, "{conflict_id=0}"), (False, None)]
    assert str(private) not in response.text


def test_several_private_rows_on_one_day_are_one_anonymous_conflict_beside_the_public_ones(
    ada: httpx.Client, ben: httpx.Client
) -> None:
    ben_id = ok(call(ben, "CreateDefaultAppointmentEntity"))["Associate"]["AssociateId"]
    tuesday = first(next_year(), 5, 1)
    _plain(ben, tuesday, 9, Private="PrivateUser")
    _plain(ben, tuesday, 9, Private="PrivateGroup", IsFree=False)
    public = _plain(ben, tuesday, 9)
    body = series_body(ada, f"{tuesday}T08:30:00", f"{tuesday}T09:30:00", {"IsRecurrence": False},
                       Associate={"AssociateId": ben_id})
    [day] = ok(call(ada, "ValidateDays", {"AppointmentEntity": body, "Dates": [f"{tuesday}T00:00:00"]}))
    assert (day["IsConflict"], day["Tooltip"]) == (True, f"{{conflict_id={public}&conflict_id=0}}")


def test_the_owner_of_a_private_row_sees_it_named_in_their_own_conflicts(ben: httpx.Client) -> None:
    tuesday = first(next_year(), 6, 1)
    private = _plain(ben, tuesday, 9, Private="PrivateUser")
    body = series_body(ben, f"{tuesday}T08:30:00", f"{tuesday}T09:30:00", {"IsRecurrence": False})
    [day] = ok(call(ben, "ValidateDays", {"AppointmentEntity": body, "Dates": [f"{tuesday}T00:00:00"]}))
    assert (day["IsConflict"], day["Tooltip"]) == (True, f"{{conflict_id={private}}}")
