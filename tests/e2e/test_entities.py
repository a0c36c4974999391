"""AppointmentEntity over the agent: defaults, Save of bookings, Get as organiser and invitee, diaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from sodiary.store import associates
from sodiary.store.schema import appointment, associate
from tests.e2e.accept_support import Unchanged
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
ROOM = "room1"


def call(client: httpx.Client, method: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return client.post(AGENT + method, json=body, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def ids(seed: Seeder) -> dict[str, int]:
    """Associate ids of the demo users, a meeting-room resource and the demo's external person."""
    with seed.engine.begin() as conn:
        room = conn.execute(select(associate.c.associate_id).where(associate.c.name == ROOM)).scalar()
        if room is None:
            room = associates.add_associate(conn, ROOM, "", None, type_=2)
    found = {name: seed.user_id(name) for name in ("ada", "ben", "tje0")}
    with seed.engine.connect() as conn:
        persons = {r[0]: r[1] for r in conn.execute(select(associate.c.name, associate.c.person_id))}
    return dict(found, room=room, ada_person=persons["ada"], tje0_person=persons["tje0"])


def _kari(seed: Seeder) -> int:
    from sodiary.store.schema import person

    with seed.engine.connect() as conn:
        return int(conn.execute(select(person.c.person_id).where(person.c.firstname == "Kari")).scalar_one())


_day = iter(range(1, 10_000))


def new_times() -> tuple[str, str]:
    """A free hour on a day of its own, far from the seeded data."""
    start = datetime(2031, 3, 3, 9, 0) + timedelta(days=next(_day))
    return start.isoformat(), (start + timedelta(hours=1)).isoformat()


def booking_body(client: httpx.Client, participants: list[dict[str, int]], **changes: Any) -> dict[str, Any]:
    entity = ok(call(client, "CreateDefaultAppointmentEntity"))
    start, end = new_times()
    entity.update(StartDate=start, EndDate=end, Description="Planning", Title="Plan", Location="Room 1",
                  Participants=participants)
    entity.update(changes)
    return entity


def save(client: httpx.Client, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return ok(call(client, "SaveAppointmentEntity", body, **kwargs))


def children(seed: Seeder, mother_id: int) -> dict[int, dict[str, Any]]:
    """Child rows of a booking keyed by associate id (0 = external person)."""
    with seed.engine.connect() as conn:
        q = select(appointment).where(appointment.c.mother_id == mother_id, appointment.c.appointment_id != mother_id)
        return {r["associate_id"]: dict(r) for r in conn.execute(q).mappings()}


def test_create_default_entity_is_an_unsaved_diary_entry_of_the_caller(ada: httpx.Client,
                                                                      ids: dict[str, int]) -> None:
    entity = ok(call(ada, "CreateDefaultAppointmentEntity"))
    assert entity["AppointmentId"] == 0
    assert entity["Associate"]["AssociateId"] == ids["ada"]
    assert entity["Associate"]["FullName"] == "Ada Lovelace"
    assert (entity["Type"], entity["Completed"], entity["Private"]) == ("inDiary", "NotStarted", "Public")
    start = datetime.fromisoformat(entity["StartDate"])
    assert start.minute in (0, 30) and start.second == 0
    assert datetime.fromisoformat(entity["EndDate"]) - start == timedelta(hours=1)
    assert entity["Recurrence"]["IsRecurrence"] is False
    assert entity["AlarmLeadTime"] == "00:00:00"
    assert entity["TableRight"]["Mask"] == "Select, Update, Insert, Delete"


def test_create_default_by_type_todo_is_a_checklist_entry(ada: httpx.Client) -> None:
    entity = ok(call(ada, "CreateDefaultAppointmentEntityByType", {"Type": "ToDo"}))
    assert entity["Type"] == "inChecklist"
    assert entity["Task"]["Type"] == "ToDo"


def test_create_default_by_type_and_associate_sets_the_owner(ada: httpx.Client, ids: dict[str, int]) -> None:
    entity = ok(call(ada, "CreateDefaultAppointmentEntityByTypeAndAssociate",
                     {"type": "Appointment", "associateId": ids["ben"]}))
    assert entity["Associate"]["AssociateId"] == ids["ben"]


def test_create_default_for_an_unknown_associate_is_a_400(ada: httpx.Client, seed: Seeder) -> None:
    before = seed.snapshot()
    response = call(ada, "CreateDefaultAppointmentEntityByTypeAndAssociate", {"Type": "Appointment",
                                                                              "AssociateId": 999999})
    assert response.status_code == 400
    assert response.json()["Error"] is True and response.json()["ErrorType"] == "InvalidOperationException"
    assert seed.snapshot() == before


def test_save_booking_creates_mother_and_one_child_per_participant(
    ada: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    kari = _kari(seed)
    body = booking_body(ada, [
        {"AssociateId": ids["ada"]}, {"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]},
        {"AssociateId": ids["room"]}, {"PersonId": kari},
    ])
    saved = save(ada, body)
    mother = saved["AppointmentId"]
    assert saved["MotherId"] == mother and saved["BookingType"] == "Owner"
    assert saved["InvitationStatus"] == "Accepted" and saved["Type"] == "inDiary"
    assert saved["StartDate"] == body["StartDate"] and saved["Description"] == "Planning"
    rows = children(seed, mother)
    assert set(rows) == {ids["tje0"], ids["ben"], ids["room"], 0}  # no child for the organiser
    for invitee in ("tje0", "ben"):
        row = rows[ids[invitee]]
        assert (S(row["status"]), T(row["type"])) == (S.Booking, T.BookingForDiary)
    assert (S(rows[ids["room"]]["status"]), T(rows[ids["room"]]["type"])) == (S.NotStarted, T.inDiary)
    assert rows[0]["invited_person_id"] == kari
    assert (S(rows[0]["status"]), T(rows[0]["type"])) == (S.Booking, T.BookingForDiary)
    assert len({r["text_id"] for r in rows.values()} | {seed.row(mother)["text_id"]}) == 1
    statuses = {(p["AssociateId"], p["PersonId"]): p["InvitationStatus"] for p in saved["Participants"]}
    assert statuses[(ids["ada"], ids["ada_person"])] == "Accepted"
    assert statuses[(ids["tje0"], ids["tje0_person"])] == "Invitation"
    assert statuses[(ids["room"], 0)] == "Accepted"
    assert statuses[(0, kari)] == "Invitation"
    assert len(saved["Participants"]) == 5


def test_save_without_other_participants_is_a_plain_appointment(ada: httpx.Client, ids: dict[str, int],
                                                                seed: Seeder) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["ada"]}]))
    assert saved["MotherId"] == 0 and saved["BookingType"] == "None"
    assert children(seed, saved["AppointmentId"]) == {}
    assert [p["AssociateId"] for p in saved["Participants"]] == [ids["ada"]]


def test_invitee_reads_own_invitation_with_booking_details(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    entity = ok(call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": child}))
    assert entity["AppointmentId"] == child and entity["MotherId"] == saved["AppointmentId"]
    assert (entity["Type"], entity["InvitationStatus"], entity["BookingType"]) == (
        "BookingForDiary", "Invitation", "Participant")
    assert entity["Associate"]["AssociateId"] == ids["tje0"]
    assert entity["MotherAssociate"]["AssociateId"] == ids["ada"]
    assert entity["InvitedPerson"]["PersonId"] == ids["tje0_person"]
    assert entity["Description"] == "Planning"
    assert entity["TableRight"]["Mask"] == "Select"
    assert len(entity["Participants"]) == 3


def test_organiser_reads_the_mother_with_every_participant(
    ada: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]}]))
    entity = ok(call(ada, "GetAppointmentEntity", params={"AppointmentEntityId": saved["AppointmentId"]}))
    assert entity == saved
    assert [p["InvitationStatus"] for p in entity["Participants"]] == ["Accepted", "Invitation", "Invitation"]


def test_accepted_invitation_shows_in_the_organisers_participants(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    assert call(tje0, "Accept", {"AppointmentId": child, "UpdateMode": "OnlyThis"}).status_code == 204
    entity = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]}))
    by_id = {p["AssociateId"]: p["InvitationStatus"] for p in entity["Participants"]}
    assert by_id == {ids["ada"]: "Accepted", ids["tje0"]: "Accepted", ids["ben"]: "Invitation"}
    own = ok(call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": child}))
    assert (own["Type"], own["InvitationStatus"]) == ("inDiary", "Accepted")


def test_records_list_every_row_of_the_booking(ada: httpx.Client, seed: Seeder, ids: dict[str, int]) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]}]))
    mother = saved["AppointmentId"]
    records = ok(call(ada, "GetAppointmentRecords", {"motherId": mother, "recurrenceRuleId": 0}))
    assert [r["AppointmentId"] for r in records][0] == mother
    assert {r["AssociateId"] for r in records} == {ids["ada"], ids["tje0"], ids["ben"]}
    main = records[0]
    assert (main["IsBooking"], main["IsBookingMain"], main["BookingType"]) == (True, True, "Owner")
    for r in records[1:]:
        assert (r["IsBooking"], r["IsBookingMain"], r["BookingType"], r["InvitationStatus"]) == (
            True, False, "Participant", "Invitation")
        assert r["MotherId"] == mother and r["Type"] == "BookingForDiary"


def test_records_of_a_series_cover_every_occurrence(ada: httpx.Client, seed: Seeder) -> None:
    series = seed.series(count=3)
    records = ok(call(ada, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": series.rule_id}))
    assert len(records) == 6 and all(r["IsRecurrence"] for r in records)


def test_my_appointments_include_pending_invitations_but_my_diary_only_after_accept(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    window = {"startTime": saved["StartDate"], "endTime": saved["EndDate"], "count": -1}

    def listed(method: str) -> list[int]:
        return [r["AppointmentId"] for r in ok(call(tje0, method, window))]

    assert listed("GetMyAppointments") == [child]
    assert listed("GetMyDiary") == []
    assert call(tje0, "Accept", {"AppointmentId": child, "UpdateMode": "OnlyThis"}).status_code == 204
    assert listed("GetMyAppointments") == [child]
    assert listed("GetMyDiary") == [child]


def test_declined_invitation_leaves_the_diary(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    seed.set_status(child, S.BookingDeclined)
    window = {"StartTime": saved["StartDate"], "EndTime": saved["EndDate"], "Count": -1}
    assert [r["InvitationStatus"] for r in ok(call(tje0, "GetMyAppointments", window))] == ["Declined"]
    assert ok(call(tje0, "GetMyDiary", window)) == []


def test_associate_diary_shows_another_users_accepted_rows(
    ada: httpx.Client, ben: httpx.Client, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["ben"]}]))
    window = {"AssociateId": ids["ada"], "StartTime": saved["StartDate"], "EndTime": saved["EndDate"], "Count": -1}
    assert [r["AppointmentId"] for r in ok(call(ben, "GetAssociateDiary", window))] == [saved["AppointmentId"]]


def test_person_appointments_are_the_rows_with_that_person(ada: httpx.Client, seed: Seeder,
                                                           ids: dict[str, int]) -> None:
    kari = _kari(seed)
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}], Person={"PersonId": kari}))
    assert saved["Person"]["PersonId"] == kari and saved["Contact"]["Name"] == "Fjord Consulting AS"
    window = {"PersonId": kari, "IncludeProjectAppointments": False, "StartTime": saved["StartDate"],
              "EndTime": saved["EndDate"], "Count": -1}
    rows = ok(call(ada, "GetPersonAppointments", window))
    assert {r["AppointmentId"] for r in rows} == {saved["AppointmentId"], *(
        r["appointment_id"] for r in children(seed, saved["AppointmentId"]).values())}
    assert all(r["PersonId"] == kari and r["PersonFullName"] == "Kari Nordmann" for r in rows)


def test_organizer_name_is_a_bare_string(tje0: httpx.Client) -> None:
    assert ok(call(tje0, "GetOrganizerName", {"MotherAppointmentId": 685})) == "Ada Lovelace"


def test_get_appointment_and_list_return_simple_carriers(tje0: httpx.Client) -> None:
    simple = ok(call(tje0, "GetAppointment", params={"appointmentId": 685}))
    assert (simple["AppointmentId"], simple["MotherId"], simple["IsBooking"]) == (685, 684, True)
    listed = ok(call(tje0, "GetAppointmentList", [686, 685, 999999]))
    assert [r["AppointmentId"] for r in listed] == [686, 685]


@pytest.mark.parametrize("method,param", [("GetAppointmentEntity", "appointmentEntityId"),
                                          ("GetAppointment", "appointmentId")])
def test_unknown_id_answers_200_with_null(tje0: httpx.Client, method: str, param: str) -> None:
    response = call(tje0, method, params={param: 99999999})
    assert response.status_code == 200 and response.content == b"null"


@pytest.mark.parametrize("value", ["abc", "", "99999999999"])
def test_malformed_query_id_is_a_400(tje0: httpx.Client, seed: Seeder, value: str) -> None:
    before = seed.snapshot()
    response = call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": value})
    assert response.status_code == 400
    assert response.json()["ErrorType"] == "ArgumentException"
    assert seed.snapshot() == before


def test_private_appointment_of_another_user_is_invisible(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [], Private="PrivateUser"))
    private = saved["AppointmentId"]
    assert saved["Private"] == "PrivateUser"
    assert ok(call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": private})) is None
    assert ok(call(tje0, "GetAppointment", params={"appointmentId": private})) is None
    assert ok(call(tje0, "GetAppointmentList", [private])) == []
    window = {"AssociateId": ids["ada"], "StartTime": saved["StartDate"], "EndTime": saved["EndDate"], "Count": -1}
    assert ok(call(tje0, "GetAssociateDiary", window)) == []
    assert ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": private}))["AppointmentId"] == private


def test_save_by_a_non_organiser_is_forbidden_and_changes_nothing(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    entity = ok(call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": child}))
    before = seed.snapshot()
    for target in (entity, dict(saved, Description="hijacked")):
        response = call(tje0, "SaveAppointmentEntity", dict(target, Title="Mine now"))
        assert response.status_code == 403
        body = response.json()
        assert body["Error"] is True and body["ErrorType"] == "SoAccessDeniedException" and body["Message"]
    assert seed.snapshot() == before


def test_organiser_update_changes_text_on_every_row(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    updated = save(ada, dict(saved, Description="New agenda", Title="Renamed", Location="Room 2"))
    assert (updated["Description"], updated["Title"], updated["Location"]) == ("New agenda", "Renamed", "Room 2")
    own = ok(call(tje0, "GetAppointmentEntity", params={"appointmentEntityId": child}))
    assert (own["Description"], own["Title"], own["Location"]) == ("New agenda", "Renamed", "Room 2")
    assert own["InvitationStatus"] == "Invitation"  # a text change asks nobody again


def test_organiser_moving_the_time_asks_answered_invitees_again(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]},
                                        {"AssociateId": ids["room"]}]))
    rows = children(seed, saved["AppointmentId"])
    assert call(tje0, "Accept", {"AppointmentId": rows[ids["tje0"]]["appointment_id"]}).status_code == 204
    later = (datetime.fromisoformat(saved["StartDate"]) + timedelta(hours=2)).isoformat()
    later_end = (datetime.fromisoformat(saved["EndDate"]) + timedelta(hours=2)).isoformat()
    moved = save(ada, dict(saved, StartDate=later, EndDate=later_end))
    assert (moved["StartDate"], moved["EndDate"]) == (later, later_end)
    after = children(seed, saved["AppointmentId"])
    assert (S(after[ids["tje0"]]["status"]), T(after[ids["tje0"]]["type"])) == (S.BookingMoved, T.BookingForDiary)
    assert S(after[ids["ben"]]["status"]) == S.Booking  # not seen yet: still just an invitation
    assert S(after[ids["room"]]["status"]) == S.NotStarted  # resources stay booked
    assert {r["start_date"] for r in after.values()} == {datetime.fromisoformat(later)}


def test_organiser_adds_and_removes_participants(ada: httpx.Client, seed: Seeder, ids: dict[str, int]) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    mother = saved["AppointmentId"]
    swapped = save(ada, dict(saved, Participants=[{"AssociateId": ids["ada"]}, {"AssociateId": ids["ben"]}]))
    assert set(children(seed, mother)) == {ids["ben"]}
    assert {p["AssociateId"] for p in swapped["Participants"]} == {ids["ada"], ids["ben"]}
    alone = save(ada, dict(swapped, Participants=[{"AssociateId": ids["ada"]}]))
    assert children(seed, mother) == {} and alone["MotherId"] == 0


def test_saving_a_new_recurring_appointment_saves_the_series(ada: httpx.Client, seed: Seeder) -> None:
    body = booking_body(ada, [])
    body["Recurrence"] = dict(body["Recurrence"], IsRecurrence=True, Pattern="Weekly", RecurrenceEndType="Counter",
                              RecurrenceCounter=3, WeekPattern={"Cycle": 1, "Weekdays": 16})
    saved = save(ada, body)
    assert saved["Recurrence"]["IsRecurrence"] is True and saved["Recurrence"]["RecurrenceId"] > 0
    assert len(saved["Recurrence"]["Dates"]) == 3
    assert seed.row(saved["AppointmentId"])["recurrence_rule_id"] == saved["Recurrence"]["RecurrenceId"]


@pytest.mark.parametrize("change", [
    {"StartDate": "tomorrow"},
    {"AlarmLeadTime": "soon"},
    {"EndDate": "2000-01-01T00:00:00"},
    {"Participants": [{"AssociateId": 987654}]},
    {"AppointmentId": 99999999},
    {"AppointmentId": 2**40},
])
def test_bad_save_is_a_4xx_and_changes_nothing(ada: httpx.Client, seed: Seeder, change: dict[str, Any]) -> None:
    body = booking_body(ada, [], **change)
    before = seed.snapshot()
    response = call(ada, "SaveAppointmentEntity", body)
    assert response.status_code in (400, 404), response.text
    assert response.json()["Error"] is True
    assert seed.snapshot() == before


def test_select_nulls_the_fields_not_selected(ada: httpx.Client) -> None:
    params = {"appointmentEntityId": 684, "$select": "title,associate/name"}
    entity = ok(call(ada, "GetAppointmentEntity", params=params))
    assert entity["Title"] == "Project kick-off"
    assert entity["Associate"]["Name"] == "ada" and entity["Associate"]["AssociateId"] is None
    assert entity["Description"] is None and entity["Participants"] is None
    assert entity["TableRight"] is not None


def test_accept_xml_returns_the_entity_as_xml(ada: httpx.Client) -> None:
    response = call(ada, "GetAppointmentEntity", params={"appointmentEntityId": 684},
                    headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<AppointmentEntity" in response.content and b"<AppointmentId>684</AppointmentId>" in response.content


def test_accept_xml_returns_a_list_as_array_of_appointment(tje0: httpx.Client) -> None:
    response = call(tje0, "GetAppointmentList", [685], headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert b"<ArrayOfAppointment" in response.content
    assert b"<Appointment><TableRight>" in response.content
    assert b"<AppointmentId>685</AppointmentId>" in response.content


def test_save_into_another_users_diary_without_participants_is_an_assignment(
    ada: httpx.Client, ben: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    body = booking_body(ada, [], Associate={"AssociateId": ids["ben"]})
    saved = save(ada, body)
    row = seed.row(saved["AppointmentId"])
    assert (S(row["status"]), row["associate_id"], row["assigned_by"]) == (S.Assignment, ids["ben"], ids["ada"])
    assert saved["AssignmentStatus"] == "Assigning" and saved["AssignedBy"]["AssociateId"] == ids["ada"]
    own = ok(call(ben, "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]}))
    assert own["Associate"]["AssociateId"] == ids["ben"] and own["InvitationStatus"] == "None"


def test_a_person_who_is_a_user_is_invited_as_that_user(ada: httpx.Client, seed: Seeder,
                                                        ids: dict[str, int]) -> None:
    saved = save(ada, booking_body(ada, [{"PersonId": ids["tje0_person"]}]))
    rows = children(seed, saved["AppointmentId"])
    assert set(rows) == {ids["tje0"]} and rows[ids["tje0"]]["invited_person_id"] == ids["tje0_person"]


def test_update_without_any_participants_keeps_the_invitees(ada: httpx.Client, seed: Seeder,
                                                            ids: dict[str, int]) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    updated = save(ada, dict(saved, Participants=[], Title="Still a booking"))
    assert set(children(seed, saved["AppointmentId"])) == {ids["tje0"]}
    assert updated["MotherId"] == saved["AppointmentId"] and len(updated["Participants"]) == 2


def test_organiser_saving_through_an_invitees_row_updates_the_booking(
    ada: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}]))
    child = children(seed, saved["AppointmentId"])[ids["tje0"]]["appointment_id"]
    entity = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": child}))
    assert entity["TableRight"]["Mask"] == "Select, Update, Insert, Delete"
    updated = save(ada, dict(entity, Title="Via the child"))
    assert updated["AppointmentId"] == saved["AppointmentId"] and updated["Title"] == "Via the child"
    assert seed.row(child)["title"] == "Via the child"


def test_create_from_existing_copies_the_meeting_to_today_with_the_same_participants(
    ada: httpx.Client, tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    saved = save(ada, booking_body(ada, [{"AssociateId": ids["tje0"]}, {"AssociateId": ids["ben"]}]))
    with Unchanged(seed):
        copy = ok(call(ada, "CreateAppointmentEntityFromExisting", {"AppointmentId": saved["AppointmentId"]}))
    assert (copy["AppointmentId"], copy["MotherId"], copy["Title"]) == (0, 0, saved["Title"])
    assert copy["Associate"]["AssociateId"] == ids["ada"]
    start, end = datetime.fromisoformat(copy["StartDate"]), datetime.fromisoformat(copy["EndDate"])
    old = datetime.fromisoformat(saved["StartDate"])
    today = datetime.now(start.tzinfo).date()
    assert abs((start.date() - today).days) <= 1 and start.time() == old.time()  # the server's today
    assert end - start == datetime.fromisoformat(saved["EndDate"]) - old
    invited = {p["AssociateId"] for p in copy["Participants"]}
    assert {ids["tje0"], ids["ben"]} <= invited
    # Saved as it is, the copy is a new booking of ada's with both invited again.
    resaved = save(ada, copy)
    assert resaved["AppointmentId"] not in (0, saved["AppointmentId"])
    assert set(children(seed, resaved["AppointmentId"])) == {ids["tje0"], ids["ben"]}


def test_create_from_existing_for_another_owner_invites_the_old_organiser(
    tje0: httpx.Client, seed: Seeder, ids: dict[str, int]
) -> None:
    b = seed.booking("ada", ("tje0",))
    request = {"AppointmentId": b.children["tje0"], "AssociateId": 0}
    copy = ok(call(tje0, "CreateAppointmentEntityFromExisting", request))
    assert copy["Associate"]["AssociateId"] == ids["tje0"]
    assert ids["ada"] in {p["AssociateId"] for p in copy["Participants"]}


def test_create_from_existing_of_an_unknown_id_is_null(ada: httpx.Client) -> None:
    assert ok(call(ada, "CreateAppointmentEntityFromExisting", {"AppointmentId": 999_999})) is None
