"""The answer history records who changed what and how, whichever operation made the change."""

from __future__ import annotations

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.seed import Seeder
from tests.support.server import LiveServer


def test_stop_recurrence_through_move_records_the_organisers_scheme(server: LiveServer, seed: Seeder) -> None:
    series = seed.series(invitees=("tje0",), count=5)
    third = series.occurrences[2]
    start = seed.row(third.mother_id)["start_date"]
    with server.client("ada") as c:
        r = c.post("/api/v1/Agents/Appointment/Move",
                   json={"AppointmentId": third.mother_id, "NewStartTime": start.isoformat(),
                         "UpdateMode": "StopRecurrence"})
    assert r.status_code == 200, r.text
    later_child = series.occurrences[4].children["tje0"]
    assert seed.state(later_child)[0] == S.BookingDeleted
    [entry] = [h for h in seed.history(later_child) if h["operation"] == "StopRecurrence"]
    assert entry["scheme"] == "Basic"
    assert entry["associate_id"] == seed.user_id("ada")
