"""Reject (and its e-mail twins), SetSeenMany: the invitee declines or marks invitations as seen."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def agent(client: httpx.Client, method: str, body: Any = None, **params: str) -> httpx.Response:
    return client.post(f"/api/v1/Agents/Appointment/{method}", json=body, params=params)


def reject(client: httpx.Client, appointment_id: int, reason: str = "", mode: str = "OnlyThis",
           method: str = "Reject") -> httpx.Response:
    return agent(client, method, {"AppointmentId": appointment_id, "RejectReason": reason, "UpdateMode": mode})


def test_invitee_rejects_with_a_reason_and_the_mother_counts_it(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    child = booking.children["tje0"]
    with server.client("tje0") as c:
        r = reject(c, child, "On holiday")
    assert r.status_code == 204 and r.content == b""
    assert seed.state(child) == (S.BookingDeclined, T.BookingForDiary)
    assert seed.row(child)["reject_reason"] == "On holiday"
    assert seed.row(booking.mother_id)["reject_counter"] == 1
    assert seed.state(booking.children["ben"]) == (S.Booking, T.BookingForDiary), "the other invitee is untouched"
    [answer] = seed.history(child)
    assert (answer["operation"], answer["from_status"], answer["to_status"], answer["reason"]) == (
        "Reject", int(S.Booking), int(S.BookingDeclined), "On holiday")


@pytest.mark.parametrize("status", [S.Booking, S.BookingSeen, S.BookingMoved, S.BookingMovedSeen])
def test_reject_from_every_pending_state(server: LiveServer, seed: Seeder, status: S) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, status)
    with server.client("tje0") as c:
        assert reject(c, child).status_code == 204
    assert seed.state(child) == (S.BookingDeclined, T.BookingForDiary)


@pytest.mark.parametrize("status", [S.NotStarted, S.Started, S.Completed])
def test_rejecting_an_accepted_invitation_takes_it_out_of_the_diary(server: LiveServer, seed: Seeder,
                                                                    status: S) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, status, T.inDiary)
    with server.client("tje0") as c:
        assert reject(c, child).status_code == 204
    assert seed.state(child) == (S.BookingDeclined, T.BookingForDiary)


def test_rejecting_twice_counts_once_and_writes_nothing_more(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    with server.client("tje0") as c:
        assert reject(c, child, "first").status_code == 204
        with Unchanged(seed):
            assert reject(c, child, "second").status_code == 204
    assert seed.row(booking.mother_id)["reject_counter"] == 1
    assert seed.row(child)["reject_reason"] == "first"


def test_reject_with_the_mother_id_declines_the_callers_invitation(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    with server.client("ben") as c:
        assert reject(c, booking.mother_id).status_code == 204
    assert seed.state(booking.children["ben"])[0] == S.BookingDeclined
    assert seed.state(booking.children["tje0"])[0] == S.Booking


@pytest.mark.parametrize("reason", [{}, {"rejectReason": None}])
def test_camel_case_body_and_missing_or_null_reason(server: LiveServer, seed: Seeder,
                                                    reason: dict[str, Any]) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = agent(c, "Reject", {"appointmentId": child, "updateMode": "onlythis", **reason})
    assert r.status_code == 204
    assert seed.state(child)[0] == S.BookingDeclined
    assert seed.row(child)["reject_reason"] == ""


@pytest.mark.parametrize("method", ["RejectWithEmailConfirmation", "RejectWithSmtpEmailConfirmation"])
def test_e_mail_twins_reject_like_reject(server: LiveServer, seed: Seeder, method: str) -> None:
    booking = seed.booking()
    child = booking.children["tje0"]
    with server.client("tje0") as c:
        assert reject(c, child, "busy", method=method).status_code == 204
    assert seed.state(child)[0] == S.BookingDeclined
    assert seed.row(booking.mother_id)["reject_counter"] == 1


@pytest.mark.parametrize("method", ["AcceptWithEmailConfirmation", "AcceptWithSmtpEmailConfirmation"])
def test_e_mail_twins_accept_like_accept(server: LiveServer, seed: Seeder, method: str) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c:
        r = agent(c, method, {"AppointmentId": child, "UpdateMode": "OnlyThis", "SmtpEMailConnectionInfo": None})
    assert r.status_code == 204
    assert seed.state(child) == (S.NotStarted, T.inDiary)


def test_this_and_forward_rejects_this_and_later_occurrences(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=4)
    children = [o.children["tje0"] for o in series.occurrences]
    with server.client("tje0") as c:
        assert reject(c, children[1], "leaving", mode="ThisAndForward").status_code == 204
    assert [seed.state(i)[0] for i in children] == [S.Booking, S.BookingDeclined, S.BookingDeclined,
                                                     S.BookingDeclined]
    assert [seed.row(o.mother_id)["reject_counter"] for o in series.occurrences] == [0, 1, 1, 1]
    assert all(seed.row(i)["reject_reason"] == "leaving" for i in children[1:])


def test_only_this_rejects_one_occurrence(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    children = [o.children["tje0"] for o in series.occurrences]
    with server.client("tje0") as c:
        assert reject(c, children[0]).status_code == 204
    assert [seed.state(i)[0] for i in children] == [S.BookingDeclined, S.Booking, S.Booking]


def test_assignee_rejects_and_the_assignment_goes_back_to_the_assigner(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0", status=S.Assignment, assigned_by="ada")
    with server.client("tje0") as c:
        assert reject(c, row, "not mine").status_code == 204
    after = seed.row(row)
    assert (after["status"], after["associate_id"]) == (int(S.AssignmentDeclined), seed.user_id("ada"))
    assert after["reject_reason"] == "not mine"
    assert after["reject_counter"] == 1


# --- errors: status, SuperOffice's shape, nothing changed ---------------------------------------------


def test_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(reject(c, 999_999), 404, "SoNotFoundException")


def test_another_participants_invitation_is_403(server: LiveServer, seed: Seeder) -> None:
    booking = seed.booking(invitees=("tje0", "ben"))
    with server.client("ben") as c, Unchanged(seed):
        assert_error(reject(c, booking.children["tje0"]), 403, "SoAccessDeniedException")


def test_a_cancelled_booking_is_409(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.BookingDeleted)
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(reject(c, child), 409, "InvalidOperationException")


def test_a_plain_appointment_cannot_be_rejected(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(reject(c, row), 400, "InvalidOperationException")


@pytest.mark.parametrize("body", [{}, {"AppointmentId": 0}, {"AppointmentId": "x"}, {"AppointmentId": 1.5},
                                  {"AppointmentId": 685, "RejectReason": 7}, {"AppointmentId": 685,
                                                                              "RejectReason": "x" * 255}])
def test_malformed_body_is_400(server: LiveServer, seed: Seeder, body: dict[str, Any]) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "Reject", body), 400, "ArgumentException")


# --- SetSeenMany ----------------------------------------------------------------------------------


def test_set_seen_many_marks_every_listed_invitation(server: LiveServer, seed: Seeder) -> None:
    first, second = seed.booking().children["tje0"], seed.booking().children["tje0"]
    seed.set_status(second, S.BookingMoved)
    with server.client("tje0") as c:
        r = agent(c, "SetSeenMany", {"AppointmentIds": [first, second, first], "UpdateMode": "OnlyThis"})
    assert r.status_code == 204
    assert seed.state(first)[0] == S.BookingSeen
    assert seed.state(second)[0] == S.BookingMovedSeen
    assert len(seed.history(first)) == 1, "a repeated id is marked once"


def test_set_seen_many_marks_an_assignment_seen_and_leaves_answered_rows(server: LiveServer, seed: Seeder) -> None:
    assignment = seed.plain(owner="tje0", status=S.Assignment, assigned_by="ada")
    accepted = seed.booking().children["tje0"]
    seed.set_status(accepted, S.NotStarted, T.inDiary)
    with server.client("tje0") as c:
        assert agent(c, "SetSeenMany", {"AppointmentIds": [assignment, accepted]}).status_code == 204
    assert seed.state(assignment)[0] == S.AssignmentSeen
    assert seed.state(accepted) == (S.NotStarted, T.inDiary)
    assert seed.history(accepted) == []


def test_set_seen_many_with_an_empty_list_does_nothing(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert agent(c, "SetSeenMany", {"AppointmentIds": []}).status_code == 204


def test_set_seen_many_this_and_forward_marks_later_occurrences(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(count=3)
    children = [o.children["tje0"] for o in series.occurrences]
    with server.client("tje0") as c:
        assert agent(c, "SetSeenMany", {"AppointmentIds": [children[1]], "UpdateMode": "ThisAndForward"}
                     ).status_code == 204
    assert [seed.state(i)[0] for i in children] == [S.Booking, S.BookingSeen, S.BookingSeen]


def test_set_seen_many_is_all_or_nothing(server: LiveServer, seed: Seeder) -> None:
    mine = seed.booking(invitees=("tje0", "ben"))
    with server.client("tje0") as c, Unchanged(seed):
        r = agent(c, "SetSeenMany", {"AppointmentIds": [mine.children["tje0"], mine.children["ben"]]})
        assert_error(r, 403, "SoAccessDeniedException")


def test_set_seen_many_with_an_unknown_id_is_404_and_marks_nothing(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "SetSeenMany", {"AppointmentIds": [child, 999_999]}), 404, "SoNotFoundException")


@pytest.mark.parametrize("ids", [list(range(1, 1002)), [0], ["x"], 5.5])
def test_set_seen_many_rejects_too_many_or_bad_ids(server: LiveServer, seed: Seeder, ids: object) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(agent(c, "SetSeenMany", {"AppointmentIds": ids}), 400, "ArgumentException")
