"""Activity status by identifier (issue 17): ToggleActivity, ToggleActivities, SetActivityStatus and
ToggleAndSetActivities."""

from __future__ import annotations

import httpx

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"


def ident(row: int) -> str:
    return f"appointment_id={row}"


def toggle(client: httpx.Client, identifier: str) -> httpx.Response:
    return client.post(AGENT + "ToggleActivity", json={"ActivityIdentifier": identifier})


def test_toggling_an_open_appointment_completes_it(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    r = toggle(tje0, ident(row))
    assert r.status_code == 200 and r.json() == "Completed"
    assert seed.state(row)[0] is S.Completed


def test_toggling_a_completed_appointment_reopens_it_as_started(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0", status=S.Completed)
    assert toggle(tje0, ident(row)).json() == "Started"
    assert seed.state(row)[0] is S.Started


def test_the_identifier_is_read_in_any_case_with_spaces(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    assert toggle(tje0, f" Appointment_ID = {row} ").json() == "Completed"


def test_a_sale_document_or_todo_names_no_record_and_changes_nothing(tje0: httpx.Client, seed: Seeder) -> None:
    for identifier in ("sale_id=5", "document_id=5", "todo_id=5"):
        with Unchanged(seed):
            r = toggle(tje0, identifier)
        assert r.status_code == 200 and r.json() == "Unknown"


def test_an_unknown_appointment_names_no_record_and_changes_nothing(tje0: httpx.Client, seed: Seeder) -> None:
    with Unchanged(seed):
        assert toggle(tje0, ident(2_000_000_000)).json() == "Unknown"


def test_a_malformed_identifier_is_refused(tje0: httpx.Client, seed: Seeder) -> None:
    for identifier in ("666", "appointment_id=abc", "project_id=3", "appointment_id=0", ""):
        with Unchanged(seed):
            body = assert_error(toggle(tje0, identifier), 400)
        assert "identifier" in body["Message"]


def test_an_unanswered_invitation_has_no_activity_state_to_toggle(tje0: httpx.Client, seed: Seeder) -> None:
    child = seed.booking("ada", ("tje0",)).children["tje0"]
    with Unchanged(seed):
        assert_error(toggle(tje0, ident(child)), 400)


def test_toggle_activities_toggles_each_and_answers_the_first(tje0: httpx.Client, seed: Seeder) -> None:
    first, second = seed.plain("tje0", status=S.Completed), seed.plain("tje0")
    r = tje0.post(AGENT + "ToggleActivities", json={"ActivityIdentifier": [ident(first), ident(second)]})
    assert r.json() == "Started"
    assert (seed.state(first)[0], seed.state(second)[0]) == (S.Started, S.Completed)


def test_toggle_activities_is_all_or_nothing(tje0: httpx.Client, seed: Seeder) -> None:
    mine, theirs = seed.plain("tje0"), seed.plain("ben")
    with Unchanged(seed):
        r = tje0.post(AGENT + "ToggleActivities", json={"ActivityIdentifier": [ident(mine), ident(theirs)]})
    assert_error(r, 403, "SoAccessDeniedException")


def test_set_activity_status_sets_every_named_appointment(tje0: httpx.Client, seed: Seeder) -> None:
    first, second = seed.plain("tje0"), seed.plain("tje0", status=S.Completed)
    r = tje0.post(AGENT + "SetActivityStatus", json={"ActivityIdentifier": [ident(first), ident(second), "sale_id=1"],
                                                     "ActivityStatus": "Started"})
    assert r.status_code == 204, r.text
    assert (seed.state(first)[0], seed.state(second)[0]) == (S.Started, S.Started)
    assert seed.history(first)[-1]["operation"] == "SetActivityStatus"


def test_set_activity_status_to_unknown_is_refused(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    with Unchanged(seed):
        r = tje0.post(AGENT + "SetActivityStatus", json={"ActivityIdentifier": [ident(row)],
                                                         "ActivityStatus": "Unknown"})
    assert_error(r, 400)


def test_set_activity_status_is_all_or_nothing(tje0: httpx.Client, seed: Seeder) -> None:
    mine, pending = seed.plain("tje0"), seed.booking("ada", ("tje0",)).children["tje0"]
    with Unchanged(seed):
        r = tje0.post(AGENT + "SetActivityStatus", json={"ActivityIdentifier": [ident(mine), ident(pending)],
                                                         "ActivityStatus": "Completed"})
    assert_error(r, 400)


def test_toggle_and_set_follows_the_first_and_lists_what_was_not_toggled(tje0: httpx.Client, seed: Seeder) -> None:
    first, second, third = seed.plain("tje0"), seed.plain("tje0", status=S.Completed), seed.plain("tje0")
    r = tje0.post(AGENT + "ToggleAndSetActivities",
                  json={"ActivityIdentifiers": [ident(first), ident(second), "document_id=4", ident(third)]})
    assert r.status_code == 200 and r.json() == ["document_id=4"]
    assert [seed.state(i)[0] for i in (first, second, third)] == [S.Completed] * 3


def test_toggle_and_set_changes_nothing_when_the_first_names_no_record(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    with Unchanged(seed):
        r = tje0.post(AGENT + "ToggleAndSetActivities", json={"ActivityIdentifiers": ["sale_id=9", ident(row)]})
    assert r.json() == ["sale_id=9", ident(row)]


def test_toggle_and_set_of_nothing_is_an_empty_list(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "ToggleAndSetActivities", json={"ActivityIdentifiers": []})
    assert r.status_code == 200 and r.json() == []


# --- ConvertAppointmentToTask -----------------------------------------------------------------


def convert(client: httpx.Client, row: int) -> httpx.Response:
    return client.post(AGENT + "ConvertAppointmentToTask", json={"AppointmentId": row})


def test_a_diary_appointment_becomes_a_task(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    r = convert(tje0, row)
    assert r.status_code == 200, r.text
    assert r.json()["AppointmentId"] == row and r.json()["Type"] == "inChecklist"
    assert seed.state(row)[1] is T.inChecklist
    assert row in [a["AppointmentId"] for a in tje0.post(AGENT + "GetMyTasks", json={}).json()]


def test_a_task_stays_a_task(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0", type_=T.inChecklist)
    with Unchanged(seed):
        assert convert(tje0, row).json()["Type"] == "inChecklist"


def test_a_booking_has_too_many_participants_to_become_a_task(ada: httpx.Client, seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    with Unchanged(seed):
        r = convert(ada, b.mother_id)
    assert r.status_code == 200 and r.json()["Type"] == "inDiary"


def test_an_invitee_cannot_convert_the_booking(tje0: httpx.Client, seed: Seeder) -> None:
    child = seed.booking("ada", ("tje0",)).children["tje0"]
    with Unchanged(seed):
        assert_error(convert(tje0, child), 403, "SoAccessDeniedException")


def test_converting_an_unknown_appointment_is_not_found(tje0: httpx.Client) -> None:
    assert_error(convert(tje0, 2_000_000_000), 404, "SoNotFoundException")
