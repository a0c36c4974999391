"""Update modes on a recurring booking (spec §2.7): after each operation, every row of the series
(organiser and invitees) is checked through GetAppointmentRecords.

The series: ada's weekly meeting, eight Mondays, tje0 and ben invited (tests/support/seed.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.accept_support import Unchanged, assert_error
from tests.e2e.recurrence_support import (
    call,
    first,
    next_year,
    ok,
    records,
    rule_row,
    save,
    series_body,
    series_rows,
    weekly,
)
from tests.support.seed import Seeder, Series
from tests.support.server import LiveServer

WEEKS = 8
PEOPLE = ("ada", "tje0", "ben")


@pytest.fixture(scope="module")
def clients(server: LiveServer) -> Iterator[dict[str, httpx.Client]]:
    opened = {name: server.client(name) for name in PEOPLE}
    try:
        yield opened
    finally:
        for client in opened.values():
            client.close()


@pytest.fixture
def series(seed: Seeder) -> Series:
    return seed.series(invitees=("tje0", "ben"), count=WEEKS)


State = dict[tuple[int, str], tuple[str, datetime]]


def state(client: httpx.Client, seed: Seeder, series: Series) -> State:
    """(week 1-8, user) → (InvitationStatus, start) for every row GetAppointmentRecords lists."""
    names = {seed.user_id(n): n for n in PEOPLE}
    week_of = {b.mother_id: week for week, b in enumerate(series.occurrences, 1)}
    out: State = {}
    for r in records(client, series.rule_id):
        key = (week_of[r["MotherId"]], names[r["AssociateId"]])
        assert key not in out, f"two rows for {key}"
        out[key] = (r["InvitationStatus"], datetime.fromisoformat(r["StartDate"]))
    return out


def initial(series: Series, seed: Seeder) -> State:
    first = seed.row(series.occurrences[0].mother_id)["start_date"]
    out: State = {}
    for week in range(1, WEEKS + 1):
        start = first + timedelta(weeks=week - 1)
        out[(week, "ada")] = ("Accepted", start)
        out[(week, "tje0")] = ("Invitation", start)
        out[(week, "ben")] = ("Invitation", start)
    return out


def child(series: Series, week: int, who: str) -> int:
    return series.occurrences[week - 1].children[who]


def mother(series: Series, week: int) -> int:
    return series.occurrences[week - 1].mother_id


def post(client: httpx.Client, method: str, body: dict[str, Any]) -> httpx.Response:
    response = call(client, method, body)
    assert response.status_code in (200, 204), response.text
    return response


def test_accepting_occurrence_3_of_8_with_only_this_accepts_that_row_alone(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["tje0"], "Accept", {"AppointmentId": child(series, 3, "tje0"), "UpdateMode": "OnlyThis"})
    expected[(3, "tje0")] = ("Accepted", expected[(3, "tje0")][1])
    assert state(clients["ada"], seed, series) == expected


def test_accepting_this_and_forward_from_occurrence_5_accepts_5_to_8(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["tje0"], "Accept", {"AppointmentId": child(series, 3, "tje0"), "UpdateMode": "OnlyThis"})
    post(clients["tje0"], "Accept", {"AppointmentId": child(series, 5, "tje0"), "UpdateMode": "ThisAndForward"})
    for week in (3, 5, 6, 7, 8):
        expected[(week, "tje0")] = ("Accepted", expected[(week, "tje0")][1])
    assert state(clients["ada"], seed, series) == expected


def test_rejecting_one_occurrence_declines_that_row_alone(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["ben"], "Reject", {"AppointmentId": child(series, 4, "ben"), "RejectReason": "Away",
                                    "UpdateMode": "OnlyThis"})
    expected[(4, "ben")] = ("Declined", expected[(4, "ben")][1])
    assert state(clients["ada"], seed, series) == expected
    assert seed.row(child(series, 4, "ben"))["reject_reason"] == "Away"


def test_moving_one_occurrence_moves_its_rows_alone_and_keeps_original_start_date(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["tje0"], "Accept", {"AppointmentId": child(series, 2, "tje0"), "UpdateMode": "OnlyThis"})
    original = expected[(2, "ada")][1]
    moved = original + timedelta(hours=2)
    post(clients["ada"], "Move", {"AppointmentId": mother(series, 2), "NewStartTime": moved.isoformat(),
                                  "UpdateMode": "OnlyThis"})
    expected[(2, "ada")] = ("Accepted", moved)
    expected[(2, "tje0")] = ("Moved", moved)  # an answered invitee is asked again
    expected[(2, "ben")] = ("Invitation", moved)
    assert state(clients["ada"], seed, series) == expected
    for row_id in (mother(series, 2), child(series, 2, "tje0"), child(series, 2, "ben")):
        assert seed.row(row_id)["original_start_date"] == original
        assert seed.row(row_id)["recurrence_rule_id"] == series.rule_id


def test_stop_recurrence_from_occurrence_6_keeps_1_to_6_and_cancels_the_rest(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["tje0"], "Accept", {"AppointmentId": child(series, 1, "tje0"), "UpdateMode": "ThisAndForward"})
    later = expected[(6, "ada")][1] + timedelta(minutes=30)
    post(clients["ada"], "Move", {"AppointmentId": mother(series, 6), "NewStartTime": later.isoformat(),
                                  "UpdateMode": "StopRecurrence"})
    for week in range(1, WEEKS + 1):
        expected[(week, "tje0")] = ("Accepted", expected[(week, "tje0")][1])
    expected[(6, "ada")] = ("Accepted", later)
    expected[(6, "tje0")] = ("Moved", later)
    expected[(6, "ben")] = ("Invitation", later)
    for week in (7, 8):  # the organiser's rows go; the invitees' rows are cancelled for them to clean up
        del expected[(week, "ada")]
        expected[(week, "tje0")] = ("Cancelled", expected[(week, "tje0")][1])
        expected[(week, "ben")] = ("Cancelled", expected[(week, "ben")][1])
    assert state(clients["ada"], seed, series) == expected
    rule = rule_row(seed, series.rule_id)
    assert rule is not None
    assert (rule["end_type"], rule["end_date"]) == (1, expected[(6, "ada")][1] - timedelta(minutes=30))
    entity = ok(call(clients["ada"], "GetAppointmentEntity", params={"appointmentEntityId": mother(series, 1)}))
    assert len(entity["Recurrence"]["Dates"]) == 6


def test_delete_with_stop_recurrence_at_the_first_occurrence_cancels_the_whole_series(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    invitations = [child(series, w, who) for w in range(1, WEEKS + 1) for who in ("tje0", "ben")]
    post(clients["ada"], "Delete", {"AppointmentId": mother(series, 1), "UpdateMode": "StopRecurrence"})
    assert rule_row(seed, series.rule_id) is None and series_rows(seed, series.rule_id) == []
    for row_id in invitations:  # every invitee learns of it; nothing points at the deleted rule
        assert (seed.row(row_id)["status"], seed.row(row_id)["recurrence_rule_id"]) == (10, 0)
    cancelled = records(clients["ada"], 0, mother(series, 1))
    assert sorted(r["AppointmentId"] for r in cancelled) == sorted(series.occurrences[0].children.values())
    assert {r["InvitationStatus"] for r in cancelled} == {"Cancelled"}


def test_save_with_stop_recurrence_at_the_first_occurrence_deletes_the_rule(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    entity = ok(call(clients["ada"], "GetAppointmentEntity", params={"appointmentEntityId": mother(series, 1)}))
    saved = ok(call(clients["ada"], "Save", {"AppointmentEntity": dict(entity, Title="Just once"),
                                             "UpdateMode": "StopRecurrence"}))
    assert saved["Recurrence"]["IsRecurrence"] is False and saved["Title"] == "Just once"
    assert rule_row(seed, series.rule_id) is None
    for row_id in (mother(series, 1), child(series, 1, "tje0"), child(series, 1, "ben")):
        assert seed.row(row_id)["recurrence_rule_id"] == 0
    assert {seed.row(child(series, w, "ben"))["status"] for w in range(2, WEEKS + 1)} == {10}


def test_save_this_and_forward_changes_the_later_occurrences_and_not_the_earlier(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    entity = ok(call(clients["ada"], "GetAppointmentEntity", params={"appointmentEntityId": mother(series, 5)}))
    start = datetime.fromisoformat(entity["StartDate"])
    body = dict(entity, Title="New room", StartDate=(start + timedelta(hours=1)).isoformat(),
                EndDate=(start + timedelta(hours=2)).isoformat())
    ok(call(clients["ada"], "Save", {"AppointmentEntity": body, "UpdateMode": "ThisAndForward"}))
    for week in range(5, WEEKS + 1):
        for who in PEOPLE:
            expected[(week, who)] = (expected[(week, who)][0], expected[(week, who)][1] + timedelta(hours=1))
    assert state(clients["ada"], seed, series) == expected
    titles = [seed.row(mother(series, w))["title"] for w in range(1, WEEKS + 1)]
    assert titles == ["Weekly"] * 4 + ["New room"] * 4
    assert seed.row(child(series, 8, "ben"))["title"] == "New room"
    assert seed.row(mother(series, 8))["original_start_date"] == expected[(8, "ada")][1] - timedelta(hours=1)


def test_delete_this_and_forward_cancels_the_later_occurrences(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["ada"], "Delete", {"AppointmentId": mother(series, 7), "UpdateMode": "ThisAndForward"})
    for week in (7, 8):
        del expected[(week, "ada")]
        for who in ("tje0", "ben"):
            expected[(week, who)] = ("Cancelled", expected[(week, who)][1])
    assert state(clients["ada"], seed, series) == expected


def test_an_invitee_cannot_stop_the_series(clients: dict[str, httpx.Client], seed: Seeder, series: Series) -> None:
    with Unchanged(seed):
        assert_error(call(clients["tje0"], "Move", {"AppointmentId": child(series, 3, "tje0"),
                                                    "NewStartTime": "2031-01-01T10:00:00",
                                                    "UpdateMode": "StopRecurrence"}), 403)


def test_set_seen_many_this_and_forward_marks_that_invitees_later_invitations_seen(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["tje0"], "SetSeenMany", {"AppointmentIds": [child(series, 6, "tje0")],
                                          "UpdateMode": "ThisAndForward"})
    for week in (6, 7, 8):
        expected[(week, "tje0")] = ("Seen", expected[(week, "tje0")][1])
    assert state(clients["ada"], seed, series) == expected


def test_update_appointment_with_mode_this_and_forward_moves_the_later_occurrences(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    start = expected[(7, "ada")][1] + timedelta(hours=1)
    post(clients["ada"], "UpdateAppointmentWithMode", {
        "Id": mother(series, 7), "StartTime": start.isoformat(), "EndTime": (start + timedelta(hours=1)).isoformat(),
        "UpdateMode": "ThisAndForward"})
    for week in (7, 8):
        for who in PEOPLE:
            expected[(week, who)] = (expected[(week, who)][0], expected[(week, who)][1] + timedelta(hours=1))
    assert state(clients["ada"], seed, series) == expected


def test_clean_up_this_and_forward_removes_one_invitees_cancelled_rows(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    post(clients["ada"], "Delete", {"AppointmentId": mother(series, 5), "UpdateMode": "ThisAndForward"})
    post(clients["ben"], "CleanUpBookingDeletedWithUpdateMode", {  # void: 204
        "AppointmentIds": [child(series, 5, "ben")], "UpdateMode": "ThisAndForward"})
    for week in (5, 6, 7, 8):
        del expected[(week, "ada")], expected[(week, "ben")]
        expected[(week, "tje0")] = ("Cancelled", expected[(week, "tje0")][1])
    assert state(clients["ada"], seed, series) == expected


def test_saving_an_occurrence_with_is_recurrence_false_and_no_pattern_stops_the_series_there(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    expected = initial(series, seed)
    entity = ok(call(clients["ada"], "GetAppointmentEntity", params={"appointmentEntityId": mother(series, 4)}))
    entity["Recurrence"] = dict(entity["Recurrence"], IsRecurrence=False, Pattern="Unknown")
    ok(call(clients["ada"], "SaveAppointmentEntity", entity))
    for week in range(5, WEEKS + 1):
        del expected[(week, "ada")]
        for who in ("tje0", "ben"):
            expected[(week, who)] = ("Cancelled", expected[(week, who)][1])
    assert state(clients["ada"], seed, series) == expected
    assert rule_row(seed, series.rule_id)["end_date"] == expected[(4, "ada")][1]  # type: ignore[index]


def test_assign_to_with_stop_recurrence_hands_over_one_occurrence_of_a_plain_series_and_ends_it(
    clients: dict[str, httpx.Client], seed: Seeder
) -> None:
    monday = first(next_year(), 5, 0)
    saved = save(clients["ada"], series_body(clients["ada"], f"{monday}T14:00:00", f"{monday}T15:00:00",
                                             weekly("Monday", 4)))
    rule_id = saved["Recurrence"]["RecurrenceId"]
    rows = series_rows(seed, rule_id)
    assert [r["mother_id"] for r in rows] == [0, 0, 0, 0]  # no invitees: plain rows
    second = rows[1]["appointment_id"]
    post(clients["ada"], "AssignTo", {"AppointmentId": second, "Participant": {"AssociateId": seed.user_id("ben")},
                                      "UpdateMode": "StopRecurrence"})
    left = series_rows(seed, rule_id)
    assert [r["appointment_id"] for r in left] == [rows[0]["appointment_id"], second]  # 3 and 4 are gone
    assert (left[1]["associate_id"], left[1]["status"], left[1]["assigned_by"]) == (
        seed.user_id("ben"), 11, seed.user_id("ada"))  # an Assignment for ben
    rule = rule_row(seed, rule_id)
    assert rule is not None and rule["end_date"] == rows[1]["start_date"]


def test_an_invitee_saving_with_stop_recurrence_is_refused_and_nothing_changes(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    entity = ok(call(clients["tje0"], "GetAppointmentEntity", params={"appointmentEntityId": child(series, 2, "tje0")}))
    with Unchanged(seed):
        assert_error(call(clients["tje0"], "Save", {"AppointmentEntity": entity, "UpdateMode": "StopRecurrence"}), 403)


def test_a_this_and_forward_save_that_fails_on_a_later_occurrence_changes_nothing(
    clients: dict[str, httpx.Client], seed: Seeder
) -> None:
    # The first occurrences can move 50 days; the last would leave the calendar: one unit of work, all undone.
    ada = clients["ada"]
    saved = save(ada, series_body(ada, "9999-11-01T10:00:00", "9999-11-01T11:00:00", weekly("Monday", 4),
                                  [seed.user_id("tje0")]))
    body = dict(saved, StartDate="9999-12-21T10:00:00", EndDate="9999-12-21T11:00:00", Title="Later")
    with Unchanged(seed):
        error = assert_error(call(ada, "Save", {"AppointmentEntity": body, "UpdateMode": "ThisAndForward"}), 400)
    assert "9999" in error["Message"]


def test_an_invitees_entity_lists_only_the_dates_still_in_the_series_once_later_ones_are_cancelled(
    clients: dict[str, httpx.Client], seed: Seeder, series: Series
) -> None:
    post(clients["ada"], "Delete", {"AppointmentId": mother(series, 7), "UpdateMode": "ThisAndForward"})
    entity = ok(call(clients["tje0"], "GetAppointmentEntity", params={"appointmentEntityId": child(series, 1, "tje0")}))
    assert len(entity["Recurrence"]["Dates"]) == 6
