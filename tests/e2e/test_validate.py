"""ValidateAppointmentEntity, REST POST /Appointment/Validate and GetCanInsertForAssociates: what Save would
refuse, keyed by the member it is about, in the caller's language; nothing is ever written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from sodiary.store.schema import associate
from tests.e2e.accept_support import Unchanged, assert_error
from tests.support.seed import Seeder
from tests.support.server import LiveServer

AGENT = "/api/v1/Agents/Appointment/"
REST = "/api/v1/Appointment/Validate"


def new_entity(client: httpx.Client, **changes: Any) -> dict[str, Any]:
    entity = client.post(AGENT + "CreateDefaultAppointmentEntity").json()
    start = datetime(2033, 1, 10, 9, 0)
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), Title="Check")
    entity.update(changes)
    return dict(entity)


def validate(client: httpx.Client, entity: dict[str, Any], **headers: str) -> dict[str, str]:
    r = client.post(AGENT + "ValidateAppointmentEntity", json={"AppointmentEntity": entity}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_an_entity_that_would_save_validates_as_an_empty_dictionary_and_nothing_is_written(
    ada: httpx.Client, seed: Seeder
) -> None:
    entity = new_entity(ada, Participants=[{"AssociateId": seed.user_id("tje0")}])
    with Unchanged(seed):
        assert validate(ada, entity) == {}


def test_an_end_before_the_start_is_about_the_end_date(ada: httpx.Client, seed: Seeder) -> None:
    entity = new_entity(ada, EndDate="2033-01-10T08:00:00")
    with Unchanged(seed):
        found = validate(ada, entity)
    assert list(found) == ["EndDate"] and "before" in found["EndDate"]


def test_messages_follow_the_callers_language(ada: httpx.Client) -> None:
    found = validate(ada, new_entity(ada, EndDate="2033-01-10T08:00:00"), **{"Accept-Language": "nb"})
    english = validate(ada, new_entity(ada, EndDate="2033-01-10T08:00:00"))
    assert list(found) == ["EndDate"] and found["EndDate"] != english["EndDate"]


def test_an_unknown_participant_and_a_bad_recurrence_are_reported(ada: httpx.Client, seed: Seeder) -> None:
    with Unchanged(seed):
        assert list(validate(ada, new_entity(ada, Participants=[{"AssociateId": 987_654}]))) == ["Associate"]
        weekly_on_no_day = {"IsRecurrence": True, "Pattern": "Weekly", "RecurrenceEndType": "Counter",
                            "RecurrenceCounter": 3, "WeekPattern": {"Cycle": 1, "Weekdays": ""}}
        assert list(validate(ada, new_entity(ada, Recurrence=weekly_on_no_day))) == ["Recurrence"]


def test_a_date_that_cannot_be_read_is_a_400_naming_that_member_as_for_save(ada: httpx.Client) -> None:
    r = ada.post(AGENT + "ValidateAppointmentEntity",
                 json={"AppointmentEntity": new_entity(ada, StartDate="next tuesday")})
    assert_error(r, 400, "ArgumentException")
    assert "AppointmentEntity.StartDate" in r.json()["Message"]


def test_validating_a_change_to_someone_elses_appointment_is_refused_like_the_save(
    ada: httpx.Client, server: LiveServer, seed: Seeder
) -> None:
    row = seed.plain("tje0")
    with server.client("tje0") as owner:
        entity = owner.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": row}).json()
    with Unchanged(seed):
        assert list(validate(ada, {**entity, "Title": "mine now"})) == ["AppointmentId"]
    with server.client("tje0") as owner, Unchanged(seed):
        assert validate(owner, {**entity, "Title": "still mine"}) == {}


def test_rest_validate_takes_the_entity_itself_and_answers_xml_too(ada: httpx.Client, seed: Seeder) -> None:
    with Unchanged(seed):
        r = ada.post(REST, json=new_entity(ada, EndDate="2033-01-10T08:00:00"))
        assert r.status_code == 200, r.text
        assert list(r.json()) == ["EndDate"]
        r = ada.post(REST, json=new_entity(ada), headers={"Accept": "application/xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml"), r.text
    assert b"StringDictionary" in r.content


def test_validate_without_an_entity_is_a_400(ada: httpx.Client) -> None:
    assert_error(ada.post(AGENT + "ValidateAppointmentEntity", json={}), 400, "ArgumentException")


def test_can_insert_answers_per_associate_in_order(ada: httpx.Client, seed: Seeder, server: LiveServer) -> None:
    ids = [seed.user_id("tje0"), 987_654, seed.user_id("ben")]
    r = ada.post(AGENT + "GetCanInsertForAssociates", json={"AssociateIds": ids})
    assert r.status_code == 200 and r.json() == [True, False, True], r.text
    with seed.engine.begin() as conn:
        conn.execute(update(associate).where(associate.c.associate_id == ids[2]).values(disabled=True))
    try:
        assert ada.post(AGENT + "GetCanInsertForAssociates", json={"AssociateIds": ids}).json() == [True, False, False]
    finally:
        with seed.engine.begin() as conn:
            conn.execute(update(associate).where(associate.c.associate_id == ids[2]).values(disabled=False))
