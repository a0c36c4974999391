"""POST /api/v1/Agents/Appointment/Accept: the invitee accepts, for one occurrence or this and the following."""

from __future__ import annotations

import json

import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error, post_accept
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def accept_json(appointment_id: int, mode: str | int | None = "OnlyThis") -> str:
    body: dict[str, object] = {"AppointmentId": appointment_id}
    if mode is not None:
        body["UpdateMode"] = mode
    return json.dumps(body)


def test_invitee_accepts_own_child_row(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    child = booking.children["tje0"]
    with server.client("tje0") as c:
        r = post_accept(c, accept_json(child))
    assert r.status_code == 204
    assert r.content == b""
    assert seed.state(child) == (S.NotStarted, T.inDiary)
    assert seed.state(booking.children["ben"]) == (S.Booking, T.BookingForDiary), "the other invitee is untouched"
    row = seed.row(child)
    assert row["updated_associate_id"] == seed.user_id("tje0")
    assert row["updated_count"] == 1


def test_invitee_accepts_with_the_organisers_mother_id(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    before_mother = seed.row(booking.mother_id)
    with server.client("ben") as c:
        r = post_accept(c, accept_json(booking.mother_id))
    assert r.status_code == 204
    assert seed.state(booking.children["ben"]) == (S.NotStarted, T.inDiary)
    assert seed.state(booking.children["tje0"]) == (S.Booking, T.BookingForDiary)
    assert seed.row(booking.mother_id) == before_mother, "the mother row itself does not change"


def test_camel_case_body_as_the_official_client_sends_it(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = post_accept(c, json.dumps({"appointmentId": child, "updateMode": "OnlyThis"}))
    assert r.status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inDiary)


@pytest.mark.parametrize("mode", ["Unknown", "onlythis", "ONLYTHIS", 0, 1, "1", 9, "StopRecurrence", None])
def test_update_mode_by_name_in_any_case_or_by_number_or_missing(server: LiveServer, seed: Seeder,
                                                                   mode: object) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = post_accept(c, accept_json(child, mode))  # type: ignore[arg-type]
    assert r.status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inDiary)


@pytest.mark.parametrize("status", [S.Booking, S.BookingSeen, S.BookingMoved, S.BookingMovedSeen, S.BookingDeclined])
def test_accept_from_every_pending_state(server: LiveServer, seed: Seeder, status: S) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, status)
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(child)).status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inDiary)
    [answer] = seed.history(child)
    assert (answer["from_status"], answer["to_status"]) == (int(status), int(S.NotStarted))


def test_accepting_a_checklist_booking_puts_it_in_the_checklist(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.Booking, T.BookingForChecklist)
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(child)).status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inChecklist)


def test_accepting_twice_is_an_idempotent_204_that_writes_nothing(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(child)).status_code == 204
        with Unchanged(seed):
            assert post_accept(c, accept_json(child)).status_code == 204
    assert len(seed.history(child)) == 1


def test_organiser_accepting_their_own_booking_is_a_no_op(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    with server.client("ada") as c, Unchanged(seed):
        assert post_accept(c, accept_json(booking.mother_id)).status_code == 204


def test_answer_history_records_who_what_and_how(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = post_accept(c, accept_json(child, "OnlyThis"), SO_AppToken="partner-secret")
    assert r.status_code == 204
    [answer] = seed.history(child)
    assert answer["associate_id"] == seed.user_id("tje0")
    assert answer["operation"] == "Accept"
    assert answer["update_mode"] == 1
    assert (answer["from_type"], answer["to_type"]) == (int(T.BookingForDiary), int(T.inDiary))
    assert answer["scheme"] == "Basic"
    assert answer["app"] and "partner-secret" not in answer["app"], "the app is recorded, its secret is not"


# --- recurring bookings ---------------------------------------------------------------------------------


def test_only_this_accepts_one_occurrence_of_a_series(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=8)
    children = [o.children["tje0"] for o in series.occurrences]
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(children[2], "OnlyThis")).status_code == 204
    states = [seed.state(i)[0] for i in children]
    assert states == [S.Booking] * 2 + [S.NotStarted] + [S.Booking] * 5


def test_this_and_forward_accepts_this_and_every_later_occurrence(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(invitees=("tje0", "ben"), count=8)
    children = [o.children["tje0"] for o in series.occurrences]
    seed.set_status(children[6], S.BookingDeleted)  # the organiser cancelled one later occurrence
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(children[4], "ThisAndForward")).status_code == 204
    states = [seed.state(i)[0] for i in children]
    assert states == [S.Booking] * 4 + [S.NotStarted, S.NotStarted, S.BookingDeleted, S.NotStarted]
    assert all(seed.state(o.children["ben"])[0] == S.Booking for o in series.occurrences), "ben is untouched"
    assert all(seed.state(o.mother_id) == (S.NotStarted, T.inDiary) for o in series.occurrences)


def test_this_and_forward_with_a_mother_id_resolves_to_the_callers_occurrence(server: LiveServer,
                                                                              seed: Seeder) -> None:
    series = seed.series(invitees=("tje0", "ben"), count=4)
    with server.client("ben") as c:
        assert post_accept(c, accept_json(series.occurrences[1].mother_id, "ThisAndForward")).status_code == 204
    assert [seed.state(o.children["ben"])[0] for o in series.occurrences] == [S.Booking] + [S.NotStarted] * 3
    assert [seed.state(o.children["tje0"])[0] for o in series.occurrences] == [S.Booking] * 4


def test_this_and_forward_on_a_single_booking_accepts_just_it(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(child, "ThisAndForward")).status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inDiary)


# --- refusals: each a clear error, nothing changed ---------------------------------------------------------


def test_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        body = assert_error(post_accept(c, accept_json(2_000_000_000)), 404, "SoNotFoundException")
    assert "2000000000" in body["Message"]


def test_another_participants_invitation_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    with server.client("ben") as c, Unchanged(seed):
        assert_error(post_accept(c, accept_json(booking.children["tje0"])), 403, "SoAccessDeniedException")


def test_mother_id_of_a_booking_the_caller_is_not_invited_to_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0",))
    with server.client("ben") as c, Unchanged(seed):
        assert_error(post_accept(c, accept_json(booking.mother_id)), 403, "SoAccessDeniedException")


def test_a_plain_appointment_cannot_be_accepted(server: LiveServer, seed: Seeder) -> None:
    plain = seed.plain(owner="tje0")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, accept_json(plain)), 400, "InvalidOperationException")


def test_someone_elses_plain_appointment_is_403(server: LiveServer, seed: Seeder) -> None:
    plain = seed.plain(owner="ada")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(post_accept(c, accept_json(plain)), 403)


def test_a_cancelled_booking_is_409(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.BookingDeleted)
    with server.client("tje0") as c, Unchanged(seed):
        body = assert_error(post_accept(c, accept_json(child)), 409, "InvalidOperationException")
    assert "cancelled" in body["Message"]


def test_an_assignment_is_accepted_by_its_assignee(server: LiveServer, seed: Seeder) -> None:
    task = seed.plain(owner="tje0", status=S.Assignment, assigned_by="ada")
    with server.client("tje0") as c:
        assert post_accept(c, accept_json(task)).status_code == 204
    assert seed.state(task) == (S.NotStarted, T.inDiary)
