"""Diary views (issue 17): GetAssociatesDiaryInfo, several users' diaries for a multi-diary view, and
GetAlarms, the caller's alarms that ring now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.store.schema import appointment
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"


def _set(seed: Seeder, ids: list[int], **values: Any) -> None:
    with seed.engine.begin() as conn:
        conn.execute(update(appointment).where(appointment.c.appointment_id.in_(ids)).values(**values))


def _window(seed: Seeder, *ids: int) -> dict[str, str]:
    starts = [seed.row(i)["start_date"] for i in ids]
    return {"StartTime": (min(starts) - timedelta(hours=1)).isoformat(),
            "EndTime": (max(starts) + timedelta(hours=2)).isoformat()}


def info(client: httpx.Client, seed: Seeder, names: list[str], *ids: int) -> dict[int, dict[str, Any]]:
    body = {"AssociateIds": [seed.user_id(n) for n in names], **_window(seed, *ids)}
    r = client.post(AGENT + "GetAssociatesDiaryInfo", json=body)
    assert r.status_code == 200, r.text
    return {row["AppointmentId"]: row for row in r.json()}


# --- GetAssociatesDiaryInfo -------------------------------------------------------------------


def test_diary_info_lists_the_diary_rows_of_every_associate_asked_for(ben: httpx.Client, seed: Seeder) -> None:
    mine, theirs = seed.plain("ben"), seed.plain("tje0")
    _set(seed, [theirs], start_date=seed.row(mine)["start_date"], end_date=seed.row(mine)["end_date"],
         title="Dentist", location="Town")
    listed = info(ben, seed, ["ben", "tje0"], mine, theirs)
    assert {mine, theirs} <= set(listed)
    row = listed[theirs]
    assert row["AssociateId"] == seed.user_id("tje0")
    assert row["Title"] == "Dentist"
    assert row["IsBusy"] is True and row["IsTentative"] is False and row["IsBooking"] is False
    assert row["StartDate"] == seed.row(theirs)["start_date"].isoformat()
    assert row["ProjectName"] == "" and row["IsVideoMeeting"] is False and row["OwnedExternally"] == "None"


def test_diary_info_leaves_out_an_associate_not_asked_for(ben: httpx.Client, seed: Seeder) -> None:
    theirs = seed.plain("tje0")
    assert theirs not in info(ben, seed, ["ben"], theirs)


def test_diary_info_shows_an_unanswered_invitation_as_tentative(ben: httpx.Client, seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    child = b.children["tje0"]
    listed = info(ben, seed, ["ada", "tje0"], b.mother_id)
    assert listed[child]["IsTentative"] is True and listed[child]["IsBooking"] is True
    assert listed[child]["MotherId"] == b.mother_id
    assert listed[child]["MotherAssociateId"] == seed.user_id("ada")
    assert listed[b.mother_id]["IsBookingMain"] is True and listed[b.mother_id]["IsTentative"] is False


def test_diary_info_shows_an_accepted_invitation_as_settled(tje0: httpx.Client, ben: httpx.Client,
                                                           seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    child = b.children["tje0"]
    assert tje0.post(AGENT + "Accept", json={"AppointmentId": child}).status_code == 204
    assert info(ben, seed, ["tje0"], child)[child]["IsTentative"] is False


def test_diary_info_leaves_out_declined_and_cancelled_invitations(ben: httpx.Client, seed: Seeder) -> None:
    declined, cancelled = seed.booking("ada", ("tje0",)), seed.booking("ada", ("tje0",))
    seed.set_status(declined.children["tje0"], S.BookingDeclined)
    seed.set_status(cancelled.children["tje0"], S.BookingDeleted)
    listed = info(ben, seed, ["tje0"], declined.mother_id, cancelled.mother_id)
    assert declined.children["tje0"] not in listed and cancelled.children["tje0"] not in listed


def test_diary_info_shows_the_callers_own_private_row_as_private(tje0: httpx.Client, seed: Seeder) -> None:
    mine = seed.plain("tje0")
    _set(seed, [mine], private=1)
    assert info(tje0, seed, ["tje0"], mine)[mine]["IsPrivate"] is True


def test_diary_info_marks_a_completed_row_and_a_free_one(tje0: httpx.Client, seed: Seeder) -> None:
    done, free = seed.plain("tje0", status=S.Completed), seed.plain("tje0")
    _set(seed, [free], is_free=True)
    listed = info(tje0, seed, ["tje0"], done, free)
    assert listed[done]["IsCompleted"] is True and listed[done]["IsBusy"] is True
    assert listed[free]["IsBusy"] is False and listed[free]["IsCompleted"] is False


def test_diary_info_leaves_out_rows_outside_the_window(tje0: httpx.Client, seed: Seeder) -> None:
    early, late = seed.plain("tje0"), seed.plain("tje0")
    body = {"AssociateIds": [seed.user_id("tje0")], **_window(seed, early)}
    r = tje0.post(AGENT + "GetAssociatesDiaryInfo", json=body)
    ids = [row["AppointmentId"] for row in r.json()]
    assert early in ids and late not in ids


def test_diary_info_of_no_associates_is_an_empty_list(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "GetAssociatesDiaryInfo", json={"AssociateIds": []})
    assert r.status_code == 200 and r.json() == []


# --- GetAlarms --------------------------------------------------------------------------------

_minute = iter(range(1, 10_000))


def _due_in(seed: Seeder, row: int, minutes: int, *, lead: int = 10, alarm: bool = True) -> datetime:
    """Move a row to start `minutes` from now (the server's base zone is UTC), with an alarm `lead` minutes before."""
    # A distinct second per row: a diary's rows never share a start in these tests.
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + timedelta(minutes=minutes,
                                                                              seconds=next(_minute))
    _set(seed, [row], start_date=start, end_date=start + timedelta(hours=1), active_date=start, has_alarm=alarm,
         alarm_lead_seconds=lead * 60)
    return start


def alarms(client: httpx.Client, **body: Any) -> dict[int, dict[str, Any]]:
    r = client.post(AGENT + "GetAlarms", json=body)
    assert r.status_code == 200, r.text
    return {a["AppointmentId"]: a for a in r.json()["Alarms"]}


def test_an_alarm_rings_once_its_lead_time_has_come(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    start = _due_in(seed, row, 5, lead=10)
    with Unchanged(seed):
        found = alarms(tje0)
    assert found[row]["AlarmTime"] == (start - timedelta(minutes=10)).isoformat()
    assert found[row]["StartTime"] == start.isoformat()
    assert found[row]["AppointmentType"] == "inDiary" and found[row]["InvitationStatus"] == "Accepted"


def test_an_alarm_whose_time_has_not_come_is_not_listed(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    _due_in(seed, row, 30, lead=10)
    assert row not in alarms(tje0)


def test_an_appointment_that_has_ended_rings_no_more(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    _due_in(seed, row, -120, lead=10)
    assert row not in alarms(tje0)


def test_an_appointment_under_way_still_rings(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    _due_in(seed, row, -20, lead=0)
    assert row in alarms(tje0)


def test_a_completed_appointment_rings_no_more(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0", status=S.Completed)
    _due_in(seed, row, 5)
    assert row not in alarms(tje0)


def test_a_row_without_an_alarm_rings_only_when_all_appointments_are_asked_for(tje0: httpx.Client,
                                                                               seed: Seeder) -> None:
    row = seed.plain("tje0")
    start = _due_in(seed, row, 5, alarm=False)
    assert row not in alarms(tje0)
    assert row not in alarms(tje0, IncludeAllAppointments=True, DefaultAlarmLeadTimeInMinutes=2)
    found = alarms(tje0, IncludeAllAppointments=True, DefaultAlarmLeadTimeInMinutes=15)
    assert found[row]["AlarmTime"] == (start - timedelta(minutes=15)).isoformat()


def test_a_pending_invitation_rings_only_when_invitations_are_asked_for(tje0: httpx.Client, seed: Seeder) -> None:
    child = seed.booking("ada", ("tje0",)).children["tje0"]
    _due_in(seed, child, 5)
    assert child not in alarms(tje0)
    assert alarms(tje0, IncludeInvitations=True)[child]["InvitationStatus"] == "Invitation"


def test_a_declined_invitation_never_rings(tje0: httpx.Client, seed: Seeder) -> None:
    child = seed.booking("ada", ("tje0",)).children["tje0"]
    seed.set_status(child, S.BookingDeclined)
    _due_in(seed, child, 5)
    assert child not in alarms(tje0, IncludeInvitations=True, IncludeAllAppointments=True)


def test_another_users_alarm_never_rings_for_the_caller(tje0: httpx.Client, ben: httpx.Client,
                                                       seed: Seeder) -> None:
    theirs = seed.plain("ben")
    _due_in(seed, theirs, 5)
    assert theirs in alarms(ben)
    assert theirs not in alarms(tje0, IncludeInvitations=True, IncludeAllAppointments=True)


def test_alarms_tell_the_client_to_poll_every_minute(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "GetAlarms", json={})
    assert r.status_code == 200
    assert r.json()["PollingInterval"] == 60 and r.json()["SilentAfter"] == 0


def test_a_negative_default_lead_time_is_refused(tje0: httpx.Client) -> None:
    r = tje0.post(AGENT + "GetAlarms", json={"DefaultAlarmLeadTimeInMinutes": -5})
    assert_error(r, 400)


# --- GetMySyncAppointments --------------------------------------------------------------------


def synced(client: httpx.Client, seed: Seeder, *ids: int) -> dict[int, dict[str, Any]]:
    r = client.post(AGENT + "GetMySyncAppointments", json=_window(seed, *ids))
    assert r.status_code == 200, r.text
    return {row["AppointmentId"]: row for row in r.json()}


def test_sync_lists_the_callers_own_appointment_in_the_window(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0")
    _set(seed, [row], location="Room 1", has_alarm=True, alarm_lead_seconds=900)
    with Unchanged(seed):
        found = synced(tje0, seed, row)
    start = seed.row(row)["start_date"]
    assert found[row]["StartDate"] == start.isoformat()
    assert found[row]["AlarmTime"] == (start - timedelta(minutes=15)).isoformat()
    assert found[row]["Location"] == "Room 1" and found[row]["HasAlarm"] is True
    assert found[row]["IsBusy"] is True and found[row]["IsInvitation"] is False and found[row]["Participants"] == []


def test_sync_lists_an_unanswered_invitation_as_tentative_with_every_participant(tje0: httpx.Client,
                                                                                 seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0", "ben"))
    child = b.children["tje0"]
    found = synced(tje0, seed, child)
    assert found[child]["IsInvitation"] is True and found[child]["IsTentative"] is True
    people = found[child]["Participants"]
    assert people[0]["PersonFullName"] == "Ada Lovelace"  # the organiser first
    assert sorted(p["PersonFullName"] for p in people[1:]) == ["Ben Hansen", "Tore Jensen"]
    assert people[0]["ParticipantStatus"] == "NotStarted"
    assert {p["ParticipantStatus"] for p in people[1:]} == {"Booking"}


def test_sync_shows_an_accepted_invitation_as_settled(tje0: httpx.Client, seed: Seeder) -> None:
    child = seed.booking("ada", ("tje0",)).children["tje0"]
    assert tje0.post(AGENT + "Accept", json={"AppointmentId": child}).status_code == 204
    found = synced(tje0, seed, child)
    assert found[child]["IsInvitation"] is False and found[child]["IsTentative"] is False


def test_sync_marks_an_assignment(tje0: httpx.Client, seed: Seeder) -> None:
    row = seed.plain("tje0", status=S.Assignment, assigned_by="ada")
    assert synced(tje0, seed, row)[row]["IsAssignment"] is True


def test_sync_leaves_out_declined_and_cancelled_invitations(tje0: httpx.Client, seed: Seeder) -> None:
    declined, cancelled = seed.booking("ada", ("tje0",)), seed.booking("ada", ("tje0",))
    seed.set_status(declined.children["tje0"], S.BookingDeclined)
    seed.set_status(cancelled.children["tje0"], S.BookingDeleted)
    found = synced(tje0, seed, declined.mother_id, cancelled.mother_id)
    assert declined.children["tje0"] not in found and cancelled.children["tje0"] not in found


def test_sync_never_lists_another_users_rows(tje0: httpx.Client, seed: Seeder) -> None:
    theirs = seed.plain("ben")
    b = seed.booking("ada", ("tje0",))
    found = synced(tje0, seed, theirs, b.mother_id)
    assert theirs not in found and b.mother_id not in found and b.children["tje0"] in found
