"""ToggleAppointmentStatus: Completed, or back to Started when it already was (spec §2.6.9)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def toggle(client: httpx.Client, body: Any, **headers: str) -> httpx.Response:
    return client.post("/api/v1/Agents/Appointment/ToggleAppointmentStatus", json=body, headers=headers)


@pytest.mark.parametrize(("before", "after"), [(S.NotStarted, "Completed"), (S.Started, "Completed"),
                                               (S.UnknownOrPostIt, "Completed"), (S.Completed, "Started")])
def test_toggle_answers_the_new_status_as_a_bare_string(server: LiveServer, seed: Seeder, before: S,
                                                        after: str) -> None:
    row = seed.plain(owner="tje0", status=before)
    with server.client("tje0") as c:
        r = toggle(c, {"AppointmentId": row})
    assert r.status_code == 200
    assert r.json() == after
    assert seed.state(row)[0] == S[after]
    [answer] = seed.history(row)
    assert (answer["operation"], answer["from_status"], answer["to_status"]) == (
        "ToggleAppointmentStatus", int(before), int(S[after]))


def test_toggle_twice_returns_to_started(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        assert toggle(c, {"appointmentId": row}).json() == "Completed"
        assert toggle(c, {"appointmentId": row}).json() == "Started"


def test_invitee_toggles_an_accepted_invitation(server: LiveServer, seed: Seeder) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, S.NotStarted, T.inDiary)
    with server.client("tje0") as c:
        assert toggle(c, {"AppointmentId": child}).json() == "Completed"
    assert seed.state(child) == (S.Completed, T.inDiary)


def test_toggle_as_xml(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="tje0")
    with server.client("tje0") as c:
        r = toggle(c, {"AppointmentId": row}, Accept="application/xml")
    assert r.status_code == 200
    assert b"Completed" in r.content


def test_toggle_of_someone_elses_appointment_is_403(server: LiveServer, seed: Seeder) -> None:
    row = seed.plain(owner="ada")
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(toggle(c, {"AppointmentId": row}), 403, "SoAccessDeniedException")


@pytest.mark.parametrize("status", [S.Booking, S.BookingDeclined, S.BookingDeleted, S.Assignment])
def test_toggle_of_an_unanswered_or_cancelled_invitation_is_400(server: LiveServer, seed: Seeder,
                                                                status: S) -> None:
    child = seed.booking().children["tje0"]
    seed.set_status(child, status)
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(toggle(c, {"AppointmentId": child}), 400, "InvalidOperationException")


def test_toggle_unknown_id_is_404(server: LiveServer, seed: Seeder) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(toggle(c, {"AppointmentId": 999_999}), 404, "SoNotFoundException")


@pytest.mark.parametrize("body", [None, {}, {"AppointmentId": "abc"}, [1]])
def test_toggle_malformed_body_is_400(server: LiveServer, seed: Seeder, body: Any) -> None:
    with server.client("tje0") as c, Unchanged(seed):
        assert_error(toggle(c, body), 400, "ArgumentException")
