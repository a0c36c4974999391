"""The organiser's changes that answer an entity: Move*, AcceptRejected, AssignTo, UpdateAppointment*."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def agent(client: httpx.Client, method: str, body: Any = None) -> httpx.Response:
    return client.post(f"/api/v1/Agents/Appointment/{method}", json=body)


def wire(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def move(client: httpx.Client, appointment_id: int, start: datetime | str, mode: str = "OnlyThis",
         method: str = "Move") -> httpx.Response:
    text = start if isinstance(start, str) else wire(start)
    return agent(client, method, {"AppointmentId": appointment_id, "NewStartTime": text, "UpdateMode": mode})


def times(seed: Seeder, appointment_id: int) -> tuple[datetime, datetime]:
    row = seed.row(appointment_id)
    return row["start_date"], row["end_date"]


# --- Move --------------------------------------------------------------------------------------------


def test_organiser_moves_the_booking_and_answered_invitations_are_asked_again(server: LiveServer,
                                                                              seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    seed.set_status(booking.children["ben"], S.NotStarted, T.inDiary)
    start, end = times(seed, booking.mother_id)
    new_start = start + timedelta(days=1, hours=2)
    with server.client("ada") as c:
        r = move(c, booking.mother_id, new_start)
    assert r.status_code == 200, r.text
    entity = r.json()
    assert entity["AppointmentId"] == booking.mother_id
    assert entity["StartDate"] == wire(new_start)
    assert entity["EndDate"] == wire(new_start + (end - start)), "the duration is kept"
    for row_id in (booking.mother_id, *booking.children.values()):
        assert times(seed, row_id) == (new_start, new_start + (end - start))
    assert seed.state(booking.children["ben"]) == (S.BookingMoved, T.BookingForDiary)
    assert seed.state(booking.children["tje0"]) == (S.Booking, T.BookingForDiary), "not seen yet: stays"
    assert seed.state(booking.mother_id) == (S.NotStarted, T.inDiary)
    [answer] = seed.history(booking.children["ben"])
    assert (answer["operation"], answer["to_status"]) == ("Move", int(S.BookingMoved))
    [mother_answer] = seed.history(booking.mother_id)
    assert (mother_answer["operation"], mother_answer["from_status"], mother_answer["to_status"]) == (
        "Move", int(S.NotStarted), int(S.NotStarted))


@pytest.mark.parametrize(("before", "after"), [(S.Booking, S.Booking), (S.BookingSeen, S.BookingMoved),
                                               (S.BookingMoved, S.BookingMoved),
                                               (S.BookingMovedSeen, S.BookingMoved),
                                               (S.BookingDeclined, S.BookingMoved),
                                               (S.Completed, S.BookingMoved),
                                               (S.BookingDeleted, S.BookingDeleted)])
def test_move_per_invitation_state(server: LiveServer, seed: Seeder, before: S, after: S) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    seed.set_status(child, before)
    start, _ = times(seed, booking.mother_id)
    with server.client("ada") as c:
        assert move(c, booking.mother_id, start + timedelta(hours=1)).status_code == 200
    assert seed.state(child)[0] == after
    assert times(seed, child)[0] == start + timedelta(hours=1)


def test_move_with_a_child_id_moves_the_booking_and_answers_that_row(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    start, _ = times(seed, child)
    with server.client("ada") as c:
        r = move(c, child, start - timedelta(hours=3), method="MoveWithEmail")
    assert r.status_code == 200
    assert r.json()["AppointmentId"] == child
    assert times(seed, booking.mother_id)[0] == start - timedelta(hours=3)


def test_move_this_and_forward_moves_later_occurrences_by_the_same_delta(server: LiveServer,
                                                                         seed: Seeder) -> None:
    series = seed.series(count=4)
    starts = [times(seed, o.mother_id)[0] for o in series.occurrences]
    with server.client("ada") as c:
        assert move(c, series.occurrences[1].mother_id, starts[1] + timedelta(hours=2),
                    "ThisAndForward").status_code == 200
    assert [times(seed, o.mother_id)[0] for o in series.occurrences] == [
        starts[0], *(s + timedelta(hours=2) for s in starts[1:])]
    assert [times(seed, o.children["tje0"])[0] for o in series.occurrences] == [
        starts[0], *(s + timedelta(hours=2) for s in starts[1:])]


def test_move_to_the_same_time_writes_nothing(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    start, _ = times(seed, booking.mother_id)
    with server.client("ada") as c, Unchanged(seed):
        assert move(c, booking.mother_id, start).status_code == 200


def test_move_with_a_utc_time_is_stored_in_the_base_zone(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    start, _ = times(seed, booking.mother_id)
    target = start + timedelta(hours=5)
    with server.client("ada") as c:
        assert move(c, booking.mother_id, target.strftime("%Y-%m-%dT%H:%M:%S.000Z")).status_code == 200
    assert times(seed, booking.mother_id)[0] == target  # the test server's base zone is UTC


def test_move_extended_also_sets_all_day_and_free(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    start, _ = times(seed, booking.mother_id)
    data = {"AppointmentId": booking.mother_id, "NewStartTime": wire(start + timedelta(days=2)),
            "UpdateMode": "OnlyThis", "IsAlldayEvent": True, "IsFree": True}
    with server.client("ada") as c:
        r = agent(c, "MoveExtended", {"AppointmentMoveData": data})
    assert r.status_code == 200
    assert (r.json()["IsAlldayEvent"], r.json()["IsFree"]) == (True, True)
    child = seed.row(booking.children["tje0"])
    assert (child["is_allday"], child["is_free"], child["start_date"]) == (True, True, start + timedelta(days=2))


def test_move_by_an_invitee_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    start, _ = times(seed, booking.mother_id)
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(move(c, booking.children["tje0"], start + timedelta(hours=1)), 403, "SoAccessDeniedException")
        assert_error(move(c, booking.mother_id, start + timedelta(hours=1)), 403, "SoAccessDeniedException")


def test_move_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(move(c, 999_999, datetime(2030, 1, 1, 10)), 404, "SoNotFoundException")


@pytest.mark.parametrize("body", [{"AppointmentId": 684}, {"AppointmentId": 684, "NewStartTime": "tomorrow"},
                                  {"AppointmentId": 684, "NewStartTime": "2030-02-30T10:00:00"},
                                  {"NewStartTime": "2030-01-01T10:00:00"}])
def test_move_malformed_body_is_400(server: LiveServer, seed: Seeder, body: dict[str, Any]) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(agent(c, "Move", body), 400, "ArgumentException")


def test_move_extended_without_its_data_is_400(server: LiveServer, seed: Seeder) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(agent(c, "MoveExtended", {}), 400, "ArgumentException")


# --- AcceptRejected -----------------------------------------------------------------------------------


def decline(server: LiveServer, user: str, appointment_id: int) -> None:
    with server.client(user) as c:
        r = agent(c, "Reject", {"AppointmentId": appointment_id, "RejectReason": "no", "UpdateMode": "OnlyThis"})
        assert r.status_code == 204


def exists(seed: Seeder, appointment_id: int) -> bool:
    return any(row[0] == appointment_id for row in seed.snapshot()[0])


def test_organiser_acknowledges_a_decline_and_the_invitee_leaves(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    decline(server, "tje0", booking.children["tje0"])
    assert seed.row(booking.mother_id)["reject_counter"] == 1
    with server.client("ada") as c:
        r = agent(c, "AcceptRejected", {"AppointmentId": booking.children["tje0"], "UpdateMode": "OnlyThis"})
    assert r.status_code == 200, r.text
    entity = r.json()
    assert entity["AppointmentId"] == booking.mother_id
    assert entity["RejectCounter"] == 0
    assert not exists(seed, booking.children["tje0"])
    assert seed.state(booking.children["ben"])[0] == S.Booking
    assert seed.row(booking.mother_id)["reject_counter"] == 0


def test_acknowledging_with_the_mother_id_covers_every_decline(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    decline(server, "tje0", booking.children["tje0"])
    decline(server, "ben", booking.children["ben"])
    with server.client("ada") as c:
        assert agent(c, "AcceptRejected", {"AppointmentId": booking.mother_id}).status_code == 200
        with Unchanged(seed):
            assert agent(c, "AcceptRejected", {"AppointmentId": booking.mother_id}).status_code == 200
    assert not exists(seed, booking.children["tje0"]) and not exists(seed, booking.children["ben"])
    assert seed.row(booking.mother_id)["reject_counter"] == 0


def test_accept_rejected_this_and_forward(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    children = [o.children["tje0"] for o in series.occurrences]
    with server.client("tje0") as c:
        assert agent(c, "Reject", {"AppointmentId": children[0], "UpdateMode": "ThisAndForward"}).status_code == 204
    with server.client("ada") as c:
        r = agent(c, "AcceptRejected", {"AppointmentId": children[1], "UpdateMode": "ThisAndForward"})
    assert r.status_code == 200
    assert [exists(seed, i) for i in children] == [True, False, False]
    assert [seed.row(o.mother_id)["reject_counter"] for o in series.occurrences] == [1, 0, 0]


def test_accept_rejected_of_an_invitation_not_declined_is_400(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c, Unchanged(seed):
        assert_error(agent(c, "AcceptRejected", {"AppointmentId": booking.children["tje0"]}), 400,
                     "InvalidOperationException")


def test_accept_rejected_by_the_invitee_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    decline(server, "tje0", booking.children["tje0"])
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "AcceptRejected", {"AppointmentId": booking.children["tje0"]}), 403,
                     "SoAccessDeniedException")


def test_accept_rejected_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(agent(c, "AcceptRejected", {"AppointmentId": 999_999}), 404, "SoNotFoundException")


# --- AssignTo and the assignee's answers ---------------------------------------------------------------


def assign(client: httpx.Client, appointment_id: int, associate_id: int | None) -> httpx.Response:
    participant = None if associate_id is None else {"AssociateId": associate_id, "InvitationStatus": "None"}
    return agent(client, "AssignTo", {"AppointmentId": appointment_id, "Participant": participant,
                                      "UpdateMode": "OnlyThis"})


def test_assign_to_hands_the_appointment_over(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("ada") as c:
        r = assign(c, row, seed.user_id("tje0"))
    assert r.status_code == 200, r.text
    assert r.json()["AssignmentStatus"] == "Assigning"
    after = seed.row(row)
    assert (after["status"], after["associate_id"], after["assigned_by"]) == (
        int(S.Assignment), seed.user_id("tje0"), seed.user_id("ada"))
    [answer] = seed.history(row)
    assert (answer["operation"], answer["to_status"]) == ("AssignTo", int(S.Assignment))


def test_assignee_accepts_an_assignment(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("ada") as c:
        assert assign(c, row, seed.user_id("tje0")).status_code == 200
    with server.client("tje0") as c:
        assert agent(c, "Accept", {"AppointmentId": row, "UpdateMode": "OnlyThis"}).status_code == 204
    after = seed.row(row)
    assert (after["status"], after["associate_id"]) == (int(S.NotStarted), seed.user_id("tje0"))


def test_assignee_rejects_and_the_assigner_takes_it_back(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("ada") as c:
        assert assign(c, row, seed.user_id("tje0")).status_code == 200
    decline(server, "tje0", row)
    after = seed.row(row)
    assert (after["status"], after["associate_id"]) == (int(S.AssignmentDeclined), seed.user_id("ada"))
    with server.client("ada") as c:
        r = agent(c, "AcceptRejected", {"AppointmentId": row, "UpdateMode": "OnlyThis"})
    assert r.status_code == 200
    assert r.json()["AppointmentId"] == row
    after = seed.row(row)
    assert (after["status"], after["associate_id"], after["reject_counter"]) == (
        int(S.NotStarted), seed.user_id("ada"), 0)


def test_assign_a_booking_row_is_400(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c, Unchanged(seed):
        assert_error(assign(c, booking.mother_id, seed.user_id("ben")), 400, "InvalidOperationException")


def test_assign_someone_elses_appointment_is_403(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ben")
    with server.client("ada") as c, Unchanged(seed):
        assert_error(assign(c, row, seed.user_id("tje0")), 403, "SoAccessDeniedException")


@pytest.mark.parametrize("assignee", [None, 0, 999_999])
def test_assign_without_a_real_assignee_is_400(server: LiveServer, seed: Seeder, assignee: int | None) -> None:
    row = seed.plain(owner="ada")
    with server.client("ada") as c, Unchanged(seed):
        assert_error(assign(c, row, assignee), 400)


def test_assign_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(assign(c, 999_999, seed.user_id("tje0")), 404, "SoNotFoundException")


# --- UpdateAppointment, UpdateAppointmentWithMode --------------------------------------------------------


def test_update_appointment_sets_times_and_status_by_number(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    start, _ = times(seed, row)
    body = {"Id": row, "StartTime": wire(start + timedelta(hours=1)), "EndTime": wire(start + timedelta(hours=3)),
            "Status": 3, "Type": 1, "AssociateId": 0}
    with server.client("tje0") as c:
        r = agent(c, "UpdateAppointment", body)
    assert r.status_code == 200, r.text
    simple = r.json()
    assert simple["AppointmentId"] == row
    assert (simple["StartDate"], simple["EndDate"]) == (wire(start + timedelta(hours=1)),
                                                        wire(start + timedelta(hours=3)))
    assert simple["Completed"] == "Completed"
    assert seed.state(row) == (S.Completed, T.inDiary)


def test_update_appointment_with_mode_takes_enum_names(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        r = agent(c, "UpdateAppointmentWithMode", {"Id": row, "Status": "Started", "Type": "inChecklist",
                                                   "UpdateMode": "OnlyThis"})
    assert r.status_code == 200
    assert seed.state(row) == (S.Started, T.inChecklist)


def test_update_appointment_on_a_mother_moves_the_booking(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    seed.set_status(child, S.NotStarted, T.inDiary)
    start, _ = times(seed, booking.mother_id)
    body = {"Id": booking.mother_id, "StartTime": wire(start + timedelta(days=1)),
            "EndTime": wire(start + timedelta(days=1, hours=2)), "UpdateMode": "OnlyThis"}
    with server.client("ada") as c:
        assert agent(c, "UpdateAppointmentWithMode", body).status_code == 200
    assert times(seed, child) == (start + timedelta(days=1), start + timedelta(days=1, hours=2))
    assert seed.state(child) == (S.BookingMoved, T.BookingForDiary)


def test_update_appointment_this_and_forward_moves_later_occurrences(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    starts = [times(seed, o.mother_id)[0] for o in series.occurrences]
    body = {"Id": series.occurrences[1].mother_id, "StartTime": wire(starts[1] + timedelta(hours=1)),
            "EndTime": wire(starts[1] + timedelta(hours=3)), "UpdateMode": "ThisAndForward"}
    with server.client("ada") as c:
        assert agent(c, "UpdateAppointmentWithMode", body).status_code == 200
    assert [times(seed, o.mother_id) for o in series.occurrences] == [
        (starts[0], starts[0] + timedelta(hours=1)),
        *((s + timedelta(hours=1), s + timedelta(hours=3)) for s in starts[1:])]


def test_update_appointment_of_someone_elses_row_is_403(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "UpdateAppointment", {"Id": row, "Status": 3}), 403, "SoAccessDeniedException")


def test_invitee_cannot_move_their_invitation_with_update_appointment(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    start, end = times(seed, child)
    with server.client("tje0") as c, Unchanged(seed):
        r = agent(c, "UpdateAppointment", {"Id": child, "StartTime": wire(start + timedelta(hours=1)),
                                           "EndTime": wire(end + timedelta(hours=1))})
        assert_error(r, 403, "SoAccessDeniedException")


@pytest.mark.parametrize("body", [{"Status": "Booking"}, {"Status": 10}, {"Type": "BookingForDiary"}])
def test_update_appointment_cannot_set_booking_states(server: LiveServer, seed: Seeder,
                                                      body: dict[str, Any]) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "UpdateAppointment", {"Id": row, **body}), 400, "InvalidOperationException")


def test_update_appointment_end_before_start_is_400(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    start, _ = times(seed, row)
    with server.client("tje0") as c, Unchanged(seed):
        r = agent(c, "UpdateAppointment", {"Id": row, "StartTime": wire(start),
                                           "EndTime": wire(start - timedelta(hours=1))})
        assert_error(r, 400, "InvalidOperationException")


@pytest.mark.parametrize("body", [{}, {"Id": 0}, {"Id": 685, "Status": "Nope"}, {"Id": 685, "StartTime": "x"},
                                  {"Id": 685, "AssociateId": -1}])
def test_update_appointment_malformed_body_is_400(server: LiveServer, seed: Seeder, body: dict[str, Any]) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "UpdateAppointment", body), 400, "ArgumentException")


def test_update_appointment_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "UpdateAppointment", {"Id": 999_999, "Status": 3}), 404, "SoNotFoundException")


def test_move_beyond_the_end_of_the_calendar_is_400(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c, Unchanged(seed):
        assert_error(move(c, booking.mother_id, "9999-12-31T23:30:00"), 400, "InvalidOperationException")
