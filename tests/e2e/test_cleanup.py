"""Delete, DeleteAppointmentEntity and the invitees' CleanUp of cancelled bookings (spec §2.6.7)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from sodiary.store.schema import appointment
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def agent(client: httpx.Client, method: str, body: Any = None, **params: str) -> httpx.Response:
    return client.post(f"/api/v1/Agents/Appointment/{method}", json=body, params=params)


def delete(client: httpx.Client, appointment_id: int, mode: str = "OnlyThis") -> httpx.Response:
    return agent(client, "Delete", {"AppointmentId": appointment_id, "UpdateMode": mode,
                                    "SendEmailToParticipants": False, "SmtpEMailConnectionInfo": None})


def exists(seed: Seeder, appointment_id: int) -> bool:
    with seed.engine.connect() as conn:
        q = select(appointment.c.appointment_id).where(appointment.c.appointment_id == appointment_id)
        return conn.execute(q).first() is not None


# --- Delete by the organiser -------------------------------------------------------------------


def test_organiser_deletes_the_booking_and_every_invitation_is_cancelled(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    seed.set_status(booking.children["ben"], S.NotStarted, T.inDiary)
    with server.client("ada") as c:
        r = delete(c, booking.mother_id)
    assert r.status_code == 204 and r.content == b""
    assert not exists(seed, booking.mother_id)
    assert seed.state(booking.children["tje0"]) == (S.BookingDeleted, T.BookingForDiary)
    assert seed.state(booking.children["ben"]) == (S.BookingDeleted, T.inDiary)
    [answer] = seed.history(booking.children["ben"])
    assert (answer["operation"], answer["from_status"], answer["to_status"]) == (
        "Delete", int(S.NotStarted), int(S.BookingDeleted))
    assert [h["operation"] for h in seed.history(booking.mother_id)] == ["Delete"]


@pytest.mark.parametrize("status", [S.Booking, S.BookingSeen, S.BookingMoved, S.BookingMovedSeen,
                                    S.BookingDeclined, S.Started, S.Completed])
def test_organiser_delete_cancels_an_invitation_in_every_state(server: LiveServer, seed: Seeder, status: S) -> None:
    booking = seed.booking()
    seed.set_status(booking.children["tje0"], status)
    with server.client("ada") as c:
        assert delete(c, booking.mother_id).status_code == 204
    assert seed.state(booking.children["tje0"])[0] == S.BookingDeleted


def test_organiser_may_name_the_booking_by_a_child_id(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c:
        assert delete(c, booking.children["tje0"]).status_code == 204
    assert not exists(seed, booking.mother_id)
    assert seed.state(booking.children["tje0"])[0] == S.BookingDeleted


def test_organiser_delete_this_and_forward_cancels_later_occurrences(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=4)
    with server.client("ada") as c:
        assert delete(c, series.occurrences[2].mother_id, "ThisAndForward").status_code == 204
    assert [exists(seed, o.mother_id) for o in series.occurrences] == [True, True, False, False]
    assert [seed.state(o.children["tje0"])[0] for o in series.occurrences] == [
        S.Booking, S.Booking, S.BookingDeleted, S.BookingDeleted]


def test_organiser_delete_only_this_cancels_one_occurrence(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    with server.client("ada") as c:
        assert delete(c, series.occurrences[0].mother_id).status_code == 204
    assert [exists(seed, o.mother_id) for o in series.occurrences] == [False, True, True]


def test_delete_as_the_official_client_sends_it_with_nulls(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    body = {"appointmentId": booking.mother_id, "updateMode": "OnlyThis", "sendEmailToParticipants": None,
            "smtpEMailConnectionInfo": None, "imapEMailConnectionInfo": None}
    with server.client("ada") as c:
        assert agent(c, "Delete", body).status_code == 204
    assert not exists(seed, booking.mother_id)


def test_owner_deletes_a_plain_appointment(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        assert delete(c, row).status_code == 204
    assert not exists(seed, row)


# --- Delete by an invitee: a decline without a reason --------------------------------------------


def test_invitee_delete_counts_as_declining(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    child = booking.children["tje0"]
    with server.client("tje0") as c:
        assert delete(c, child).status_code == 204
    assert seed.state(child) == (S.BookingDeclined, T.BookingForDiary)
    assert seed.row(child)["reject_reason"] == ""
    assert seed.row(booking.mother_id)["reject_counter"] == 1
    assert exists(seed, booking.mother_id)
    [answer] = seed.history(child)
    assert (answer["operation"], answer["to_status"]) == ("Delete", int(S.BookingDeclined))


def test_invitee_delete_with_the_mother_id_declines_their_own_invitation(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    with server.client("ben") as c:
        assert delete(c, booking.mother_id).status_code == 204
    assert seed.state(booking.children["ben"])[0] == S.BookingDeclined
    assert seed.state(booking.children["tje0"])[0] == S.Booking
    assert exists(seed, booking.mother_id)


def test_assignee_delete_declines_the_assignment_back_to_the_assigner(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0", status=S.Assignment, assigned_by="ada")
    with server.client("tje0") as c:
        assert delete(c, row).status_code == 204
    after = seed.row(row)
    assert (after["status"], after["associate_id"]) == (int(S.AssignmentDeclined), seed.user_id("ada"))


# --- Delete: errors ---------------------------------------------------------------------------------


def test_delete_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(delete(c, 999_999), 404, "SoNotFoundException")


def test_delete_of_a_booking_one_is_not_invited_to_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0",))
    with server.client("ben") as c, Unchanged(seed):
        assert_error(delete(c, booking.mother_id), 403, "SoAccessDeniedException")


def test_delete_of_another_invitees_row_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    with server.client("ben") as c, Unchanged(seed):
        assert_error(delete(c, booking.children["tje0"]), 403, "SoAccessDeniedException")


def test_delete_of_someone_elses_plain_appointment_is_403(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(delete(c, row), 403, "SoAccessDeniedException")


def test_invitee_delete_of_a_cancelled_booking_is_409(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.BookingDeleted)
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(delete(c, child), 409, "InvalidOperationException")


@pytest.mark.parametrize("body", [{}, {"AppointmentId": -1}, {"AppointmentId": 685, "UpdateMode": "Sometimes"},
                                  {"AppointmentId": 685, "SendEmailToParticipants": "maybe"}])
def test_delete_malformed_body_is_400(server: LiveServer, seed: Seeder, body: dict[str, Any]) -> None:
    with server.client("ada") as c, Unchanged(seed):
        assert_error(agent(c, "Delete", body), 400, "ArgumentException")


# --- DeleteAppointmentEntity ----------------------------------------------------------------------------


def test_delete_entity_removes_a_plain_row(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        r = agent(c, "DeleteAppointmentEntity", None, AppointmentEntityId=str(row))
    assert r.status_code == 204
    assert not exists(seed, row)


def test_delete_entity_query_name_is_case_insensitive(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        assert agent(c, "DeleteAppointmentEntity", None, appointmententityid=str(row)).status_code == 204
    assert not exists(seed, row)


def test_delete_entity_of_a_mother_cancels_the_booking(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=2)
    first = series.occurrences[0]
    with server.client("ada") as c:
        assert agent(c, "DeleteAppointmentEntity", None, AppointmentEntityId=str(first.mother_id)).status_code == 204
    assert not exists(seed, first.mother_id)
    assert seed.state(first.children["tje0"])[0] == S.BookingDeleted
    assert exists(seed, series.occurrences[1].mother_id), "like Delete with OnlyThis"


def test_delete_entity_of_a_child_declines_it(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("tje0") as c:
        r = agent(c, "DeleteAppointmentEntity", None, AppointmentEntityId=str(booking.children["tje0"]))
    assert r.status_code == 204
    assert seed.state(booking.children["tje0"])[0] == S.BookingDeclined


def test_delete_entity_of_a_child_by_the_organiser_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c, Unchanged(seed):
        r = agent(c, "DeleteAppointmentEntity", None, AppointmentEntityId=str(booking.children["tje0"]))
        assert_error(r, 403, "SoAccessDeniedException")


@pytest.mark.parametrize("params", [{}, {"AppointmentEntityId": "abc"}, {"AppointmentEntityId": "0"},
                                    {"AppointmentEntityId": "99999999999"}])
def test_delete_entity_without_a_valid_id_is_400(server: LiveServer, seed: Seeder, params: dict[str, str]) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "DeleteAppointmentEntity", None, **params), 400, "ArgumentException")


def test_delete_entity_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "DeleteAppointmentEntity", None, AppointmentEntityId="999999"), 404)


# --- CleanUp* ---------------------------------------------------------------------------------------


def test_clean_up_removes_the_callers_cancelled_rows_and_counts_them(server: LiveServer, seed: Seeder) -> None:
    gone, pending = seed.booking(invitees=("tje0", "ben")), seed.booking()
    seed.set_status(gone.children["tje0"], S.BookingDeleted)
    seed.set_status(gone.children["ben"], S.BookingDeleted)
    ids = [gone.children["tje0"], pending.children["tje0"], gone.children["ben"], 999_999]
    with server.client("tje0") as c:
        r = agent(c, "CleanUpBookingDeleted", {"AppointmentIds": ids})
    assert r.status_code == 200
    assert r.json() == 1
    assert not exists(seed, gone.children["tje0"])
    assert seed.state(pending.children["tje0"])[0] == S.Booking, "only cancelled rows go"
    assert seed.state(gone.children["ben"])[0] == S.BookingDeleted, "another invitee's row stays"
    [answer] = seed.history(gone.children["tje0"])
    assert (answer["operation"], answer["from_status"]) == ("CleanUp", int(S.BookingDeleted))


def test_clean_up_after_the_organiser_deleted(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c:
        assert delete(c, booking.mother_id).status_code == 204
    with server.client("tje0") as c:
        assert agent(c, "CleanUpBookingDeleted", {"AppointmentIds": [booking.children["tje0"]]}).json() == 1
    assert not exists(seed, booking.children["tje0"])


def test_clean_up_with_nothing_to_remove_answers_0(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        r = agent(c, "CleanUpBookingDeleted", {"AppointmentIds": [child]})
        assert (r.status_code, r.json()) == (200, 0)


def test_clean_up_with_update_mode_this_and_forward(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    children = [o.children["tje0"] for o in series.occurrences]
    for child in children:
        seed.set_status(child, S.BookingDeleted)
    with server.client("tje0") as c:
        r = agent(c, "CleanUpBookingDeletedWithUpdateMode",
                  {"AppointmentIds": [children[1]], "UpdateMode": "ThisAndForward"})
    assert r.status_code == 204 and r.content == b""
    assert [exists(seed, i) for i in children] == [True, False, False]


def test_clean_up_recurring_removes_every_cancelled_row_of_the_caller(fresh_server: LiveServer) -> None:
    seed = Seeder(fresh_server.database_url)
    try:
        series = seed.series(invitees=("tje0", "ben"), count=3)
        for o in series.occurrences:
            seed.set_status(o.children["tje0"], S.BookingDeleted)
            seed.set_status(o.children["ben"], S.BookingDeleted)
        with fresh_server.client("tje0") as c:
            r = c.post("/api/v1/Agents/Appointment/CleanUpRecurringBookingDeleted", content=b"null",
                       headers={"Content-Type": "application/json"})
        assert (r.status_code, r.json()) == (200, 3)
        assert not any(exists(seed, o.children["tje0"]) for o in series.occurrences)
        assert all(exists(seed, o.children["ben"]) for o in series.occurrences)
    finally:
        seed.close()


@pytest.mark.parametrize("body", [{"AppointmentIds": [0]}, {"AppointmentIds": "x"},
                                  {"AppointmentIds": list(range(1, 1002))}])
def test_clean_up_bad_id_list_is_400(server: LiveServer, seed: Seeder, body: dict[str, Any]) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "CleanUpBookingDeleted", body), 400, "ArgumentException")


def test_clean_up_as_xml(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.BookingDeleted)
    body = f"<CleanUpBookingDeleted><AppointmentIds><int>{child}</int></AppointmentIds></CleanUpBookingDeleted>"
    with server.client("tje0") as c:
        r = c.post("/api/v1/Agents/Appointment/CleanUpBookingDeleted", content=body,
                   headers={"Content-Type": "application/xml", "Accept": "application/xml"})
    assert r.status_code == 200
    assert b">1<" in r.content
    assert not exists(seed, child)
