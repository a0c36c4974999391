"""Authorization per endpoint: every implemented agent method and REST verb that takes an id, called
by a user the row does not belong to (ben, neither organiser nor invitee).

- Another user's visible row: writes answer **403** `SoAccessDeniedException`; reads answer it (200).
- Another user's private row: it does not exist for the caller — **404** `SoNotFoundException`
  (agents' Get methods: 200 `null`, lists leave it out).
- Either way the database does not change.

The tables below must name every implemented agent method (test_every_implemented_method_is_in_a_table),
so a new method cannot land without its cross-user case. docs/decisions.md, "## Authorization".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.store.schema import appointment
from sodiary.wire.agent.table import agent_methods
from sodiary.wire.rest.appointment import OPERATIONS
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
REST = "/api/v1/Appointment/"
INTRUDER = "ben"
KINDS = ("plain", "mother", "child", "cancelled")
CONTACT = 424_242  # the company every target row is with


@dataclass(frozen=True)
class Target:
    """A row of someone else's, as the intruder would address it."""

    id: int
    kind: str
    mother_id: int  # the booking's mother (the row itself when plain)
    owner: str  # whose row it is (tje0's plain row, ada's booking)
    owner_id: int  # the diary it is in (tje0's)
    person_id: int  # the person the meeting is with
    assignee: int  # a valid AssignTo target that is not the intruder (ada)


# (method, path, json body, query) for a target
Request = Callable[[Target], tuple[str, str, Any, dict[str, Any]]]
# What a visible row's read answers must show
ReadCheck = Callable[[Any, Target], bool]


def agent(name: str, body: Callable[[Target], Any] | None = None,
          query: Callable[[Target], dict[str, Any]] | None = None) -> Request:
    return lambda t: ("POST", AGENT + name, body(t) if body else None, query(t) if query else {})


def by_id(t: Target) -> dict[str, Any]:
    return {"AppointmentId": t.id, "UpdateMode": "OnlyThis"}


NEW_START = "2031-03-03T09:00:00"

# Methods that change a row: 403 for another's visible row, 404 for their private one.
WRITES: dict[str, Request] = {
    "Accept": agent("Accept", by_id),
    "AcceptWithEmailConfirmation": agent("AcceptWithEmailConfirmation", by_id),
    "AcceptWithSmtpEmailConfirmation": agent("AcceptWithSmtpEmailConfirmation", by_id),
    "SetSeen": agent("SetSeen", by_id),
    "Reject": agent("Reject", lambda t: {**by_id(t), "RejectReason": "not mine"}),
    "RejectWithEmailConfirmation": agent("RejectWithEmailConfirmation", by_id),
    "RejectWithSmtpEmailConfirmation": agent("RejectWithSmtpEmailConfirmation", by_id),
    "SetSeenMany": agent("SetSeenMany", lambda t: {"AppointmentIds": [t.id]}),
    "Delete": agent("Delete", by_id),
    "DeleteAppointmentEntity": agent("DeleteAppointmentEntity", query=lambda t: {"AppointmentEntityId": t.id}),
    "Move": agent("Move", lambda t: {**by_id(t), "NewStartTime": NEW_START}),
    "MoveWithEmail": agent("MoveWithEmail", lambda t: {**by_id(t), "NewStartTime": NEW_START}),
    "MoveExtended": agent("MoveExtended", lambda t: {"AppointmentMoveData": {**by_id(t), "NewStartTime": NEW_START,
                                                                             "IsFree": True}}),
    "AcceptRejected": agent("AcceptRejected", by_id),
    "AssignTo": agent("AssignTo", lambda t: {**by_id(t), "Participant": {"AssociateId": t.assignee}}),
    "UpdateAppointment": agent("UpdateAppointment", lambda t: {"Id": t.id, "Status": "Completed"}),
    "UpdateAppointmentWithMode": agent("UpdateAppointmentWithMode",
                                       lambda t: {"Id": t.id, "StartTime": NEW_START, "UpdateMode": "OnlyThis"}),
    "UpdateAppointmentWithModeAndEmail": agent("UpdateAppointmentWithModeAndEmail",
                                               lambda t: {"Id": t.id, "StartTime": NEW_START, "UpdateMode": "OnlyThis",
                                                          "SendEmailToParticipants": True}),
    "ToggleAppointmentStatus": agent("ToggleAppointmentStatus", lambda t: {"AppointmentId": t.id}),
    "ConvertAppointmentToTask": agent("ConvertAppointmentToTask", lambda t: {"AppointmentId": t.id}),
    # The body is the entity as its owner reads it, with a new title: only the id makes it someone else's.
    "SaveAppointmentEntity": lambda t: ("POST", AGENT + "SaveAppointmentEntity", "entity", {}),
    "Save": lambda t: ("POST", AGENT + "Save", "wrapped entity", {}),
    "SaveWithCustomInvitation": lambda t: ("POST", AGENT + "SaveWithCustomInvitation", "wrapped entity", {}),
    "PUT /{id}": lambda t: ("PUT", REST + str(t.id), "entity", {}),
    "PATCH /{id}": lambda t: ("PATCH", REST + str(t.id), {"Description": "mine now"}, {}),
    "DELETE /{id}": lambda t: ("DELETE", REST + str(t.id), None, {}),
}


def _entity_id(body: Any, t: Target) -> bool:
    return isinstance(body, dict) and body["AppointmentId"] in (t.id, t.mother_id)


def _listed(body: Any, t: Target) -> bool:
    return any(a["AppointmentId"] == t.id for a in body)


# Methods that read: another's visible row is readable (200); a private one is null / left out.
@dataclass(frozen=True)
class Read:
    request: Request
    shows: ReadCheck
    kinds: tuple[str, ...] = KINDS
    hidden: Any = None  # what a private row reads as: None = `null`, "404", "unlisted" or "refused"


READS: dict[str, Read] = {
    "GetAppointmentEntity": Read(agent("GetAppointmentEntity", query=lambda t: {"appointmentEntityId": t.id}),
                                 _entity_id),
    "GetAppointment": Read(agent("GetAppointment", query=lambda t: {"appointmentId": t.id}), _entity_id),
    "GetAppointmentList": Read(agent("GetAppointmentList", lambda t: [t.id]), _listed, hidden="unlisted"),
    "GetAppointmentRecords": Read(agent("GetAppointmentRecords", lambda t: {"MotherId": t.mother_id}), _listed,
                                  kinds=("mother", "child", "cancelled"), hidden="unlisted"),
    "GetOrganizerName": Read(agent("GetOrganizerName", lambda t: {"MotherAppointmentId": t.id}),
                             lambda body, t: body == "Ada Lovelace", kinds=("mother", "child", "cancelled")),
    "GetAssociateDiary": Read(agent("GetAssociateDiary", lambda t: {"AssociateId": t.owner_id}), _listed,
                              kinds=("plain",), hidden="unlisted"),  # invitations are not in the diary
    "GetPersonAppointments": Read(agent("GetPersonAppointments", lambda t: {"PersonId": t.person_id}), _listed,
                                  hidden="unlisted"),
    "GetAssociatesDiary": Read(agent("GetAssociatesDiary", lambda t: {"AssociateIds": [t.owner_id]}), _listed,
                               kinds=("plain",), hidden="unlisted"),
    # The multi-diary view also shows unanswered invitations, as tentative.
    "GetAssociatesDiaryInfo": Read(agent("GetAssociatesDiaryInfo", lambda t: {"AssociateIds": [t.owner_id]}),
                                   _listed, kinds=("plain", "child"), hidden="unlisted"),
    "GetPersonDiary": Read(agent("GetPersonDiary", lambda t: {"PersonId": t.person_id}), _listed,
                           kinds=("plain",), hidden="unlisted"),  # tje0's person: tje0's diary
    "GetPersonAppointmentsByType": Read(
        agent("GetPersonAppointmentsByType", lambda t: {"PersonId": t.person_id, "AppointmentType": "inDiary"}),
        _listed, kinds=("plain", "mother"), hidden="unlisted"),
    "GetPersonAppointmentsByTask": Read(
        agent("GetPersonAppointmentsByTask", lambda t: {"PersonId": t.person_id, "TaskId": 0}), _listed,
        hidden="unlisted"),
    "GetPersonAppointmentsByTasks": Read(
        agent("GetPersonAppointmentsByTasks", lambda t: {"PersonId": t.person_id, "TaskIds": [0]}), _listed,
        hidden="unlisted"),
    "GetPersonTasks": Read(agent("GetPersonTasks", lambda t: {"PersonId": t.person_id}),
                           lambda body, t: not _listed(body, t), hidden="unlisted"),  # diary rows are no tasks
    "GetContactAppointments": Read(agent("GetContactAppointments", lambda t: {"ContactId": CONTACT}), _listed,
                                   hidden="unlisted"),
    "GetContactAppointmentsByType": Read(
        agent("GetContactAppointmentsByType", lambda t: {"ContactId": CONTACT, "AppointmentType": "inDiary"}),
        _listed, kinds=("plain", "mother"), hidden="unlisted"),
    "GetContactAppointmentsByTask": Read(
        agent("GetContactAppointmentsByTask", lambda t: {"ContactId": CONTACT, "TaskId": 0}), _listed,
        hidden="unlisted"),
    "GetContactAppointmentsByTasks": Read(
        agent("GetContactAppointmentsByTasks", lambda t: {"ContactId": CONTACT, "TaskIds": [0]}), _listed,
        hidden="unlisted"),
    "GET /{id}": Read(lambda t: ("GET", REST + str(t.id), None, {}), _entity_id, hidden="404"),
    "GET /{id}/Simple": Read(lambda t: ("GET", REST + f"{t.id}/Simple", None, {}), _entity_id, hidden="404"),
    "CreateAppointmentEntityFromExisting": Read(
        agent("CreateAppointmentEntityFromExisting", lambda t: {"AppointmentId": t.id}),
        lambda body, t: isinstance(body, dict) and body["AppointmentId"] == 0 and bool(body["Participants"])),
    # Validating a save of another's row answers the refusal Save would give, and writes nothing.
    "ValidateAppointmentEntity": Read(lambda t: ("POST", AGENT + "ValidateAppointmentEntity", "wrapped entity", {}),
                                      lambda body, t: set(body) == {"AppointmentId"}, hidden="refused"),
    "POST /Validate": Read(lambda t: ("POST", REST + "Validate", "entity", {}),
                           lambda body, t: set(body) == {"AppointmentId"}, hidden="refused"),
}

# Methods that act only on the caller's own rows and pass over any other id (docs/decisions.md):
# the answer is the same as for an id that names nothing of theirs, and nothing changes.
PASS_OVER: dict[str, tuple[Request, int, Any]] = {
    "CleanUpBookingDeleted": (agent("CleanUpBookingDeleted", lambda t: {"AppointmentIds": [t.id]}), 200, 0),
    "CleanUpBookingDeletedWithUpdateMode": (
        agent("CleanUpBookingDeletedWithUpdateMode", lambda t: {"AppointmentIds": [t.id], "UpdateMode": "OnlyThis"}),
        204, None),
}

# Activity methods address rows by identifier (`appointment_id=N`): another's visible row is a 403 and nothing
# changes; another's private row names no record, which is passed over (docs/decisions.md, issue 17).
def _activity(name: str, member: str, plural: bool, extra: dict[str, Any] | None = None) -> Request:
    return agent(name, lambda t: {member: [f"appointment_id={t.id}"] if plural else f"appointment_id={t.id}",
                                  **(extra or {})})


ACTIVITY_WRITES: dict[str, tuple[Request, int, Callable[[Target], Any]]] = {
    "ToggleActivity": (_activity("ToggleActivity", "ActivityIdentifier", False), 200, lambda t: "Unknown"),
    "ToggleActivities": (_activity("ToggleActivities", "ActivityIdentifier", True), 200, lambda t: "Unknown"),
    "SetActivityStatus": (_activity("SetActivityStatus", "ActivityIdentifier", True, {"ActivityStatus": "Completed"}),
                          204, lambda t: None),
    "ToggleAndSetActivities": (_activity("ToggleAndSetActivities", "ActivityIdentifiers", True), 200,
                               lambda t: [f"appointment_id={t.id}"]),
}

# Implemented methods that take no appointment id: nothing of another user's to address.
NO_ID = {
    "CreateDefaultAppointmentEntity": "a new, unsaved entity of the caller's",
    "CreateDefaultAppointmentEntityByType": "a new, unsaved entity of the caller's",
    "CreateDefaultAppointmentEntityByTypeAndAssociate": "an unsaved entity for any owner; nothing is written",
    "GetMyAppointments": "the caller's own diary",
    "GetMyDiary": "the caller's own diary",
    # Issue 15: addressed by UID or by an iTIP reply; their cross-user cases are in tests/e2e/test_ical.py.
    "UpdateAppointmentFromIcsResponse": "applied only by the organiser or the attendee; others get false",
    "CreateAppointmentForUID": "creates in the caller's own diary; nothing stored is addressed",
    "GetAppointmentFromUID": "another user's private row answers the default entity",
    "GetUIDFromAppointmentId": "another user's private row answers null",
    # Addressed by an e-mail item id, not an appointment; another user's item is a 404 (test_ical_mailin.py).
    "CreateAndAccept": "the caller's own e-mail items only; another's is a 404, nothing written",
    "CreateAndAcceptWithEmailConfirmation": "the caller's own e-mail items only; another's is a 404",
    "DeclineInvitationFromEmailItem": "the caller's own e-mail items only; another's is a 404",
    "GetMyTasks": "the caller's own task list",
    "GetCanInsertForAssociates": "associate ids, not appointments; nothing is written",
    "CleanUpRecurringBookingDeleted": "the caller's own cancelled rows",
    "CreateDefaultRecurrence": "a new, unsaved recurrence",
    "CreateDefaultRecurrenceByDate": "a new, unsaved recurrence",
    "CalculateDays": "dates computed from the entity in the body; nothing stored is addressed, nothing written",
    "ValidateDays": "dates checked against the entity in the body; nothing stored is addressed, nothing written",
    "GetAlarms": "the caller's own alarms (tests/e2e/test_agent_diary.py: another's alarm never rings for them)",
    "GetMySyncAppointments": "the caller's own rows (tests/e2e/test_agent_diary.py: never another user's)",
    # Counts per day, as documented: another's private rows are counted, never shown (test_agent_calendar.py).
    "GetDayInformationListByDatesAndAssociate": "per-day counts of an associate's diary; no appointment is shown",
    "GetActivityInformationListByDatesAndAssociate": "per-day counts of an associate's diary; no appointment shown",
    "GetRedLetterInformationListByDatesAndAssociate": "public holidays; no appointment is addressed or shown",
    "CreateDefaultTaskListItem": "the shared task list, not an appointment; nothing is written",
    "SaveTaskListItem": "the shared task list (no per-user rows), not an appointment (test_agent_tasks.py)",
    "GetTaskListItem": "the shared task list, not an appointment",
    "GetTaskListItems": "the shared task list, not an appointment",
    "CreateVideoMeetingReservation": "a new meeting id; nothing of anyone's is addressed or stored",
    "DeleteVideoMeetingReservation": "a meeting id, not an appointment; nothing is stored (test_agent_video.py)",
    "GetVideoMeetingConnectedState": "the server's provider configuration",
    "GetNextAvailableTime": "free time of associates; others' rows block time, none is shown (test_agent_calendar)",
}
# Lists by task heading, user group and project, and published appointments (issue 17): their cross-user cases
# (another's visible row listed, their private one never, nothing written) are in test_agent_groupings.py.
ELSEWHERE = {
    **{m: "test_agent_groupings.py::test_another_users_row_is_listed_and_their_private_one_is_not" for m in (
        "GetPersonAppointmentsByTaskHeading", "GetContactAppointmentsByTaskHeading", "GetDiaryByGroup",
        "GetProjectAppointments", "GetProjectAppointmentsByType", "GetProjectAppointmentsByTask",
        "GetProjectAppointmentsByTasks", "GetProjectAppointmentsByTaskHeading", "GetProjectMemberAppointments",
        "GetProjectMemberAppointmentsByType", "GetProjectMemberAppointmentsByTask",
        "GetProjectMemberAppointmentsByTasks", "GetProjectMemberAppointmentsByTaskHeading",
        "GetPublishedAppointments", "GetPublishedProjectAppointments")},
    "GetAppointmentsByTaskHeading": "test_agent_groupings.py: the caller's own rows only",
    "GetPublishedAppointment": "test_agent_groupings.py::test_another_users_published_rows_are_not_the_callers_own",
    "GetMyPublishedAppointments": "test_agent_groupings.py::test_another_users_published_rows_are_not_the_callers_own",
    "CanAssignToProjectMember": "a project, not an appointment; nothing is shown or written",
    # Issue 19: the entity in the body is checked as Save checks it, inside a unit that is rolled back, so
    # another user's row is Save's refusal and nothing is written (test_mail.py, "previewing …" and "will send").
    "WillSendEmail": "test_mail.py: Save's own checks in a rolled-back unit; nothing written",
    "GetAppointmentEmailInvitation": "test_mail.py: Save's own checks in a rolled-back unit; nothing written",
    "GetAppointmentHaveParticipantsWithEmail": "false for a row the caller may not see, as for none",
}
IMPLEMENTED = {m.name for m in agent_methods().values() if m.handler is not None}
REST_NO_ID = {"GET /api/v1/Appointment/default", "POST /api/v1/Appointment"}


# --- The tables cover everything --------------------------------------------------------------


def test_every_implemented_method_is_in_a_table() -> None:
    tabled = set(WRITES) | set(READS) | set(PASS_OVER) | set(NO_ID) | set(ACTIVITY_WRITES) | set(ELSEWHERE)
    assert IMPLEMENTED - tabled == set(), "add a cross-user case to tests/e2e/test_authorization.py"


def _live(table: dict[str, Any]) -> list[str]:
    """The table's REST verbs and implemented agent methods (a tabled method may still answer 501)."""
    return [name for name in sorted(table) if " " in name or name in IMPLEMENTED]


def test_every_rest_verb_is_in_a_table() -> None:
    verbs = {f"{op.method} {op.path}" for op in OPERATIONS}
    tabled = {f"{n.split()[0]} /api/v1/Appointment{n.split()[1]}" for n in (*WRITES, *READS) if " " in n}
    assert verbs == tabled | REST_NO_ID


# --- Scenarios --------------------------------------------------------------------------------


def _set(seed: Seeder, ids: list[int], **values: int) -> None:
    with seed.engine.begin() as conn:
        conn.execute(update(appointment).where(appointment.c.appointment_id.in_(ids)).values(**values))


def _target(seed: Seeder, kind: str, private: bool) -> Target:
    """tje0's plain row, ada's booking (tje0 invited) by its mother or tje0's child, or a cancelled child."""
    if kind == "plain":
        row_id = mother_id = seed.plain("tje0")
        rows, owner = [row_id], "tje0"
    else:
        b = seed.booking("ada", ("tje0",))
        child = b.children["tje0"]
        if kind == "cancelled":
            seed.set_status(child, S.BookingDeleted)
        row_id, mother_id = (b.mother_id if kind == "mother" else child), b.mother_id
        rows, owner = [b.mother_id, child], "ada"
    person = seed.row(rows[-1])["invited_person_id"]  # the meeting is with tje0's person
    _set(seed, rows, person_id=person, contact_id=CONTACT, private=1 if private else 0)
    return Target(row_id, kind, mother_id, owner, seed.user_id("tje0"), person, seed.user_id("ada"))


def _send(server: LiveServer, request: tuple[str, str, Any, dict[str, Any]], t: Target) -> httpx.Response:
    method, path, body, query = request
    if body in ("entity", "wrapped entity"):
        with server.client(t.owner) as owner:  # the owner's view (a private child: not even the organiser's)
            read = owner.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": t.id})
        entity = read.json() or {"AppointmentId": t.id, "StartDate": NEW_START, "EndDate": NEW_START}
        entity = {**entity, "Title": "mine now"}
        body = entity if body == "entity" else {"AppointmentEntity": entity, "UpdateMode": "OnlyThis"}
    with server.client(INTRUDER) as c:
        content_type = "application/merge-patch+json" if method == "PATCH" else "application/json"
        return c.request(method, path, params=query, json=body,
                         headers={"Content-Type": content_type} if body is not None else {})


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", _live(WRITES))
def test_write_to_another_users_row_is_forbidden(server: LiveServer, seed: Seeder, name: str, kind: str) -> None:
    t = _target(seed, kind, private=False)
    request = WRITES[name](t)
    with Unchanged(seed):
        assert_error(_send(server, request, t), 403, "SoAccessDeniedException")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", _live(WRITES))
def test_write_to_another_users_private_row_is_not_found(server: LiveServer, seed: Seeder, name: str,
                                                         kind: str) -> None:
    t = _target(seed, kind, private=True)
    request = WRITES[name](t)
    with Unchanged(seed):
        assert_error(_send(server, request, t), 404, "SoNotFoundException")


def _read_cases() -> list[tuple[str, str]]:
    return [(name, kind) for name in _live(READS) for kind in READS[name].kinds]


@pytest.mark.parametrize(("name", "kind"), _read_cases())
def test_read_of_another_users_row_shows_it(server: LiveServer, seed: Seeder, name: str, kind: str) -> None:
    read = READS[name]
    t = _target(seed, kind, private=False)
    with Unchanged(seed):
        r = _send(server, read.request(t), t)
    assert r.status_code == 200, r.text
    assert read.shows(r.json(), t), r.text


@pytest.mark.parametrize(("name", "kind"), _read_cases())
def test_read_of_another_users_private_row_shows_nothing(server: LiveServer, seed: Seeder, name: str,
                                                         kind: str) -> None:
    read = READS[name]
    t = _target(seed, kind, private=True)
    with Unchanged(seed):
        r = _send(server, read.request(t), t)
    if read.hidden == "404":
        assert_error(r, 404, "SoNotFoundException")
    elif read.hidden == "unlisted":
        assert r.status_code == 200, r.text
        assert not _listed(r.json(), t), r.text
    elif read.hidden == "refused":  # a validation: the row is as unknown as an id that names nothing
        assert r.status_code == 200, r.text
        assert set(r.json()) == {"AppointmentId"}, r.text
    else:
        assert r.status_code == 200, r.text
        assert r.json() is None


@pytest.mark.parametrize("private", [False, True], ids=["visible", "private"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", _live(PASS_OVER))
def test_cleanup_passes_over_another_users_row(server: LiveServer, seed: Seeder, name: str, kind: str,
                                               private: bool) -> None:
    request, status, answer = PASS_OVER[name]
    t = _target(seed, kind, private=private)
    with Unchanged(seed):
        r = _send(server, request(t), t)
    assert r.status_code == status, r.text
    if answer is not None:
        assert r.json() == answer


def test_invitee_of_a_private_booking_answers_with_their_own_row_not_the_hidden_mother(
        server: LiveServer, seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    _set(seed, [b.mother_id, b.children["tje0"]], private=1)
    with server.client("tje0") as tje0:
        with Unchanged(seed):
            hidden = tje0.post(AGENT + "Accept", json={"AppointmentId": b.mother_id})
        assert_error(hidden, 404, "SoNotFoundException")
        assert tje0.post(AGENT + "Accept", json={"AppointmentId": b.children["tje0"]}).status_code == 204
    assert seed.state(b.children["tje0"])[0] is S.NotStarted


def test_organiser_of_a_booking_still_gets_400_from_assign_to(server: LiveServer, seed: Seeder) -> None:
    # The 403 for others comes before this refusal; the organiser learns nothing new from it.
    b = seed.booking("ada", ("tje0",))
    with server.client("ada") as ada, Unchanged(seed):
        r = ada.post(AGENT + "AssignTo", json={"AppointmentId": b.mother_id,
                                               "Participant": {"AssociateId": seed.user_id("ben")}})
    assert_error(r, 400, "InvalidOperationException")


# --- Rights over other associates' diaries (issue 12, defect 6; domain/rights.py) ---------------------


def _new_entity(client: httpx.Client, owner: int, invitees: list[int], title: str = "In another's name") -> Any:
    entity = client.post(AGENT + "CreateDefaultAppointmentEntity").json()
    entity.update(Associate={"AssociateId": owner}, Title=title, StartDate="2031-05-05T10:00:00",
                  EndDate="2031-05-05T11:00:00", Participants=[{"AssociateId": i} for i in [owner, *invitees]])
    return entity


def test_a_booking_with_another_user_as_organiser_is_refused_and_invites_nobody(
        server: LiveServer, seed: Seeder) -> None:
    ada, ben = seed.user_id("ada"), seed.user_id("ben")
    with server.client("tje0") as tje0:
        entity = _new_entity(tje0, ada, [ben])
        with Unchanged(seed):
            error = assert_error(tje0.post(AGENT + "SaveAppointmentEntity", json=entity), 403,
                                 "SoAccessDeniedException")
            validation = tje0.post(AGENT + "ValidateAppointmentEntity", json={"AppointmentEntity": entity})
            rest = tje0.post(REST, json=entity)
    assert "organiser" in error["Message"]
    assert validation.status_code == 200 and list(validation.json()) == ["Associate"]
    assert_error(rest, 403, "SoAccessDeniedException")


def test_the_organiser_books_in_their_own_name_with_the_same_entity(server: LiveServer, seed: Seeder) -> None:
    ada, ben = seed.user_id("ada"), seed.user_id("ben")
    with server.client("ada") as client:
        r = client.post(AGENT + "SaveAppointmentEntity", json=_new_entity(client, ada, [ben]))
    assert r.status_code == 200, r.text
    assert (r.json()["Associate"]["AssociateId"], r.json()["CreatedBy"]["AssociateId"]) == (ada, ada)


def _assignment(server: LiveServer, seed: Seeder) -> dict[str, Any]:
    """tje0 puts an appointment in ada's diary: an assignment from tje0, still to be answered."""
    with server.client("tje0") as tje0:
        r = tje0.post(AGENT + "SaveAppointmentEntity", json=_new_entity(tje0, seed.user_id("ada"), [],
                                                                        title="Please do"))
    assert r.status_code == 200, r.text
    assert r.json()["AssignmentStatus"] == "Assigning"
    return dict(r.json())


def test_the_assigner_may_change_an_assignment_until_the_assignee_accepts_it(
        server: LiveServer, seed: Seeder) -> None:
    saved = _assignment(server, seed)
    with server.client("tje0") as tje0:
        got = tje0.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]})
        assert got.json()["TableRight"]["Mask"] == "Select, Update, Insert, Delete"
        changed = tje0.post(AGENT + "SaveAppointmentEntity", json=dict(got.json(), Title="Please do it today"))
        assert changed.status_code == 200, changed.text
    with server.client("ada") as ada:
        assert ada.post(AGENT + "Accept", json={"AppointmentId": saved["AppointmentId"]}).status_code == 204
    with server.client("tje0") as tje0:
        got = tje0.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]})
        assert got.json()["TableRight"]["Mask"] == "Select"
        with Unchanged(seed):
            late = tje0.post(AGENT + "SaveAppointmentEntity", json=dict(got.json(), Title="Too late"))
            gone = tje0.post(AGENT + "Delete", json={"AppointmentId": saved["AppointmentId"]})
    assert_error(late, 403, "SoAccessDeniedException")
    assert_error(gone, 403, "SoAccessDeniedException")
    assert seed.row(saved["AppointmentId"])["title"] == "Please do it today"


def test_the_assigner_takes_back_an_assignment_not_yet_accepted_with_delete(
        server: LiveServer, seed: Seeder) -> None:
    saved = _assignment(server, seed)
    with server.client("tje0") as tje0:
        assert tje0.post(AGENT + "Delete", json={"AppointmentId": saved["AppointmentId"]}).status_code == 204
    with server.client("ada") as ada:
        r = ada.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]})
    assert r.status_code == 200 and r.json() is None


def test_an_invitee_reads_the_same_rights_on_their_row_from_both_carriers(server: LiveServer, seed: Seeder) -> None:
    b = seed.booking("ada", ("tje0",))
    child = b.children["tje0"]
    masks = {}
    for user in ("tje0", "ada"):
        with server.client(user) as client:
            entity = client.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": child}).json()
            [simple] = client.post(AGENT + "GetAppointmentList", json={"AppointmentIds": [child]}).json()
        masks[user] = (entity["TableRight"]["Mask"], simple["TableRight"]["Mask"])
    assert masks == {"tje0": ("Select", "Select"),
                     "ada": ("Select, Update, Insert, Delete", "Select, Update, Insert, Delete")}


def test_an_unsaved_entity_shows_the_rights_its_save_would_have(server: LiveServer, seed: Seeder) -> None:
    ada = seed.user_id("ada")
    b = seed.booking("ada", ("tje0", "ben"))
    with server.client("tje0") as tje0:
        default = tje0.post(AGENT + "CreateDefaultAppointmentEntityByTypeAndAssociate",
                            json={"Type": "Appointment", "AssociateId": ada}).json()
        own_copy = tje0.post(AGENT + "CreateAppointmentEntityFromExisting",
                             json={"AppointmentId": b.mother_id, "AssociateId": 0}).json()
        copy_for_ada = tje0.post(AGENT + "CreateAppointmentEntityFromExisting",
                                 json={"AppointmentId": b.mother_id, "AssociateId": ada}).json()
    assert default["TableRight"]["Mask"] == "Select, Update, Insert, Delete"  # an assignment for ada
    assert own_copy["TableRight"]["Mask"] == "Select, Update, Insert, Delete"  # tje0's own booking
    assert copy_for_ada["TableRight"]["Mask"] == "Select"  # invitations in ada's name


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", _live(ACTIVITY_WRITES))
def test_activity_change_of_another_users_row_is_forbidden(server: LiveServer, seed: Seeder, name: str,
                                                           kind: str) -> None:
    t = _target(seed, kind, private=False)
    with Unchanged(seed):
        r = _send(server, ACTIVITY_WRITES[name][0](t), t)
    assert_error(r, 403, "SoAccessDeniedException")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", _live(ACTIVITY_WRITES))
def test_activity_change_of_another_users_private_row_names_no_record(server: LiveServer, seed: Seeder, name: str,
                                                                      kind: str) -> None:
    request, status, body = ACTIVITY_WRITES[name]
    t = _target(seed, kind, private=True)
    with Unchanged(seed):
        r = _send(server, request(t), t)
    assert r.status_code == status, r.text
    if status == 200:
        assert r.json() == body(t)
