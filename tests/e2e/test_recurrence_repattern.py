"""Changing a series' pattern by saving an occurrence with another Recurrence: from that occurrence on,
the series follows the new rule; the occurrences before it keep the old one; later occurrences of the old
rule are cancelled (their invitations too) and the new rule's dates are invited afresh. A Recurrence sent
back as it was read changes nothing (docs/decisions.md, "Changing a series' pattern")."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.recurrence_support import (
    call,
    first,
    mothers,
    next_year,
    ok,
    rule_row,
    save,
    series_body,
    series_rows,
    weekly,
)
from tests.support.seed import Seeder


def entity(client: httpx.Client, appointment_id: int) -> dict[str, Any]:
    return dict(ok(call(client, "GetAppointmentEntity", params={"appointmentEntityId": appointment_id})))


def weekly_series(ada: httpx.Client, seed: Seeder, count: int = 6) -> tuple[date, int, list[int]]:
    """ada's weekly Monday 10:00 meeting with tje0: its first Monday, rule id and mother ids by date."""
    monday = first(next_year(), 2, 0)
    saved = save(ada, series_body(ada, f"{monday}T10:00:00", f"{monday}T11:00:00", weekly("Monday", count),
                                  [seed.user_id("tje0")]))
    rule_id = saved["Recurrence"]["RecurrenceId"]
    return monday, rule_id, [m["appointment_id"] for m in mothers(series_rows(seed, rule_id))]


def tje0_rows(seed: Seeder, rule_id: int) -> dict[datetime, dict[str, Any]]:
    """tje0's rows of the series by start."""
    tje0 = seed.user_id("tje0")
    return {r["start_date"]: r for r in series_rows(seed, rule_id) if r["associate_id"] == tje0}


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(10))


def test_every_other_week_from_the_third_occurrence(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder
) -> None:
    monday, old_rule, ids = weekly_series(ada, seed)
    third_child = tje0_rows(seed, old_rule)[at_ten(monday + timedelta(weeks=2))]["appointment_id"]
    assert call(tje0, "Accept", {"AppointmentId": third_child, "UpdateMode": "ThisAndForward"}).status_code == 204
    old_fourth = tje0_rows(seed, old_rule)[at_ten(monday + timedelta(weeks=3))]["appointment_id"]

    third = entity(ada, ids[2])
    third["Recurrence"] = dict(third["Recurrence"], WeekPattern={"Cycle": 2, "Weekdays": "Monday"},
                               RecurrenceEndType="Counter", RecurrenceCounter=3)
    saved = save(ada, third)

    new_rule = saved["Recurrence"]["RecurrenceId"]
    assert saved["AppointmentId"] == ids[2] and new_rule not in (0, old_rule)
    assert saved["Recurrence"]["WeekPattern"]["Cycle"] == 2 and saved["Recurrence"]["RecurrenceCounter"] == 3
    # The first two occurrences keep the old rule, which now ends with them.
    assert [m["appointment_id"] for m in mothers(series_rows(seed, old_rule))] == ids[:2]
    old = rule_row(seed, old_rule)
    assert old is not None and (old["end_date"], old["counter"]) == (at_ten(monday + timedelta(weeks=1)), 2)
    # From the third on: every other Monday, three occurrences, the third keeping its id.
    new = mothers(series_rows(seed, new_rule))
    assert [m["start_date"] for m in new] == [at_ten(monday + timedelta(weeks=w)) for w in (2, 4, 6)]
    assert new[0]["appointment_id"] == ids[2]
    # The old fourth to sixth are gone for ada; tje0's invitations to them are cancelled.
    assert {seed.row(old_fourth)["status"]} == {int(S.BookingDeleted)}
    assert all(seed.row(i)["recurrence_rule_id"] != new_rule for i in ids[3:] if _exists(seed, i))
    # tje0 keeps the accepted third; the new dates are new invitations.
    rows = tje0_rows(seed, new_rule)
    assert (S(rows[at_ten(monday + timedelta(weeks=2))]["status"]), T(rows[at_ten(monday + timedelta(weeks=2))][
        "type"])) == (S.NotStarted, T.inDiary)
    for weeks in (4, 6):
        assert (S(rows[at_ten(monday + timedelta(weeks=weeks))]["status"]), T(rows[at_ten(
            monday + timedelta(weeks=weeks))]["type"])) == (S.Booking, T.BookingForDiary)


def _exists(seed: Seeder, appointment_id: int) -> bool:
    try:
        seed.row(appointment_id)
    except AssertionError:
        return False
    return True


def test_an_occurrence_saved_back_as_read_leaves_the_series_alone(ada: httpx.Client, seed: Seeder) -> None:
    _, rule_id, ids = weekly_series(ada, seed, count=4)
    second = entity(ada, ids[1])

    def series() -> list[tuple[Any, ...]]:
        return [(r["appointment_id"], r["status"], r["type"], r["start_date"]) for r in series_rows(seed, rule_id)]

    before, rule_before = series(), rule_row(seed, rule_id)
    resaved = save(ada, second)  # (a save marks the row updated, nothing else)
    assert resaved["Recurrence"]["RecurrenceId"] == rule_id
    assert series() == before and rule_row(seed, rule_id) == rule_before


def test_a_new_end_from_the_first_occurrence_replaces_the_whole_series(ada: httpx.Client, seed: Seeder) -> None:
    monday, _, ids = weekly_series(ada, seed, count=6)
    first_one = entity(ada, ids[0])
    first_one["Recurrence"] = dict(first_one["Recurrence"], RecurrenceCounter=3)
    saved = save(ada, first_one)
    new = mothers(series_rows(seed, saved["Recurrence"]["RecurrenceId"]))
    assert [m["start_date"] for m in new] == [at_ten(monday + timedelta(weeks=w)) for w in range(3)]
    # The first occurrence carries on; the old second to sixth are gone (new rows stand on their dates).
    assert new[0]["appointment_id"] == ids[0]
    assert not any(_exists(seed, i) for i in ids[1:])
    assert saved["Recurrence"]["RecurrenceCounter"] == 3


def test_a_plain_appointment_given_a_recurrence_becomes_a_series(ada: httpx.Client, seed: Seeder) -> None:
    monday = first(next_year(), 4, 0)
    plain = save(ada, series_body(ada, f"{monday}T09:00:00", f"{monday}T09:30:00", {"IsRecurrence": False}))
    assert plain["Recurrence"]["IsRecurrence"] is False
    read = entity(ada, plain["AppointmentId"])
    read["Recurrence"] = weekly("Monday", 3)
    saved = save(ada, read)
    assert saved["AppointmentId"] == plain["AppointmentId"] and saved["Recurrence"]["IsRecurrence"] is True
    rows = mothers(series_rows(seed, saved["Recurrence"]["RecurrenceId"]))
    assert [r["start_date"] for r in rows] == [
        datetime.combine(monday + timedelta(weeks=w), time(9)) for w in range(3)]


def test_only_the_organiser_may_change_the_pattern(ada: httpx.Client, tje0: httpx.Client, seed: Seeder) -> None:
    _, rule_id, ids = weekly_series(ada, seed, count=3)
    child = tje0_rows(seed, rule_id)
    mine = entity(tje0, next(iter(child.values()))["appointment_id"])
    mine["Recurrence"] = dict(mine["Recurrence"], RecurrenceCounter=2)
    with Unchanged(seed):
        assert_error(call(tje0, "SaveAppointmentEntity", mine), 403)


def test_a_new_pattern_that_cannot_be_a_series_is_a_400_and_changes_nothing(
    ada: httpx.Client, seed: Seeder
) -> None:
    _, _, ids = weekly_series(ada, seed, count=3)
    second = entity(ada, ids[1])
    second["Recurrence"] = dict(second["Recurrence"], WeekPattern={"Cycle": 0, "Weekdays": "Monday"})
    with Unchanged(seed):
        assert_error(call(ada, "SaveAppointmentEntity", second), 400)


def test_stop_recurrence_wins_over_a_changed_pattern(ada: httpx.Client, seed: Seeder) -> None:
    _, rule_id, ids = weekly_series(ada, seed, count=4)
    second = entity(ada, ids[1])
    second["Recurrence"] = dict(second["Recurrence"], RecurrenceCounter=9)
    r = call(ada, "Save", {"AppointmentEntity": second, "UpdateMode": "StopRecurrence"})
    assert r.status_code == 200, r.text
    assert [m["appointment_id"] for m in mothers(series_rows(seed, rule_id))] == ids[:2]


def test_a_rest_merge_patch_of_the_week_pattern_re_patterns_and_one_of_the_title_does_not(
    ada: httpx.Client, seed: Seeder
) -> None:
    monday, rule_id, ids = weekly_series(ada, seed, count=4)
    merge = {"Content-Type": "application/merge-patch+json"}
    r = ada.patch(f"/api/v1/Appointment/{ids[1]}", json={"Title": "Renamed"}, headers=merge)
    assert r.status_code == 200, r.text
    assert r.json()["Recurrence"]["RecurrenceId"] == rule_id
    assert len(mothers(series_rows(seed, rule_id))) == 4
    r = ada.patch(f"/api/v1/Appointment/{ids[1]}", headers=merge,
                  json={"Recurrence": {"WeekPattern": {"Cycle": 2}, "RecurrenceCounter": 2}})
    assert r.status_code == 200, r.text
    new_rule = r.json()["Recurrence"]["RecurrenceId"]
    assert new_rule != rule_id
    assert [m["start_date"] for m in mothers(series_rows(seed, new_rule))] == [
        at_ten(monday + timedelta(weeks=w)) for w in (1, 3)]
