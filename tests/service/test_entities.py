"""Whole appointments as use cases: typed rows out of the store, Save's booking, StopRecurrence's plan at work."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sodiary.domain.appointment import COLUMN_FIELDS, TEXT_FIELDS, AppointmentRow, ListQuery
from sodiary.domain.enums import AppointmentPrivate, RecurrenceEndType, RecurrencePattern, RecurrenceUpdateMode, Weekday
from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from sodiary.domain.recurrence import Rule
from sodiary.service import demo
from sodiary.service import entities as svc
from sodiary.service.recurrence import SeriesInput
from sodiary.store.database import Database
from sodiary.store.schema import appointment

from .conftest import caller, row, run

UTC = ZoneInfo("UTC")
MONDAY = datetime(2031, 3, 3, 9, 0)


def test_an_appointment_row_has_a_field_for_every_column_of_the_table_and_the_text() -> None:
    assert set(COLUMN_FIELDS) == {c.name for c in appointment.columns}
    assert {f.name for f in fields(AppointmentRow)} == {*COLUMN_FIELDS, *TEXT_FIELDS}


def test_a_saved_booking_reads_back_as_typed_rows_with_the_shared_text(db: Database, diary: demo.Demo) -> None:
    ada = caller(diary, "ada")
    data = svc.SaveInput(0, MONDAY, MONDAY + timedelta(hours=1), title="Planning", description="Agenda first",
                         participants=(svc.ParticipantInput(diary.users["tje0"]),))
    saved = run(db, lambda: svc.save_entity(db, ada, data))
    mother, child = saved.booking
    assert (mother.appointment_id, mother.mother_id, mother.type, mother.status) == (
        saved.row.appointment_id, saved.row.appointment_id, T.inDiary, S.NotStarted)
    assert (child.associate_id, child.type, child.status) == (diary.users["tje0"], T.BookingForDiary, S.Booking)
    assert child.description == "Agenda first" and child.text_id == mother.text_id


def test_a_list_leaves_out_another_users_private_row(db: Database, diary: demo.Demo) -> None:
    ada, tje0 = caller(diary, "ada"), caller(diary, "tje0")
    data = svc.SaveInput(0, MONDAY, MONDAY + timedelta(hours=1), title="Mine", private=AppointmentPrivate.PrivateUser)
    saved = run(db, lambda: svc.save_entity(db, ada, data))
    query = ListQuery(associates=(diary.users["ada"],), start=MONDAY, end=MONDAY + timedelta(days=1))
    seen_by_ada = run(db, lambda: svc.find(db, ada, query))
    seen_by_tje0 = run(db, lambda: svc.find(db, tje0, query))
    assert saved.row.appointment_id in [r.appointment_id for r in seen_by_ada.rows]
    assert saved.row.appointment_id not in [r.appointment_id for r in seen_by_tje0.rows]


def _weekly(count: int) -> SeriesInput:
    rule = Rule(RecurrencePattern.Weekly, MONDAY.date(), weekdays=Weekday.Monday, end_type=RecurrenceEndType.Counter,
                counter=count)
    return SeriesInput(rule, UTC, UTC)


def test_stopping_a_series_at_its_second_occurrence_ends_the_rule_there(db: Database, diary: demo.Demo) -> None:
    ada = caller(diary, "ada")
    first = run(db, lambda: svc.save_entity(db, ada, svc.SaveInput(
        0, MONDAY, MONDAY + timedelta(hours=1), title="Weekly", recurrence=_weekly(4))))
    rule_id = first.row.recurrence_rule_id
    ids = [r.appointment_id for r in run(db, lambda: svc.get_records(db, ada, 0, rule_id)).rows]
    second = ids[1]
    stop = svc.SaveInput(second, MONDAY + timedelta(weeks=1), MONDAY + timedelta(weeks=1, hours=1), title="Weekly",
                         mode=RecurrenceUpdateMode.StopRecurrence)
    stopped = run(db, lambda: svc.save_entity(db, ada, stop))
    assert stopped.rule is not None
    assert (stopped.rule.counter, stopped.rule.end_date) == (2, MONDAY + timedelta(weeks=1))
    assert stopped.rule_dates == [MONDAY, MONDAY + timedelta(weeks=1)]
    remaining = run(db, lambda: svc.get_records(db, ada, 0, rule_id)).rows
    assert [r.appointment_id for r in remaining] == ids[:2]
    assert row(db, ids[0])["recurrence_rule_id"] == rule_id


def test_stopping_a_series_at_its_first_occurrence_leaves_an_ordinary_appointment(
    db: Database, diary: demo.Demo
) -> None:
    ada = caller(diary, "ada")
    first = run(db, lambda: svc.save_entity(db, ada, svc.SaveInput(
        0, MONDAY, MONDAY + timedelta(hours=1), title="Weekly", recurrence=_weekly(3))))
    stop = svc.SaveInput(first.row.appointment_id, MONDAY, MONDAY + timedelta(hours=1), title="Weekly",
                         mode=RecurrenceUpdateMode.StopRecurrence)
    stopped = run(db, lambda: svc.save_entity(db, ada, stop))
    assert (stopped.rule, stopped.row.recurrence_rule_id) == (None, 0)
    query = ListQuery(associates=(diary.users["ada"],), start=MONDAY, end=MONDAY + timedelta(weeks=3))
    listed = run(db, lambda: svc.find(db, ada, query)).rows
    assert [r.start_date.date() for r in listed if r.title == "Weekly"] == [date(2031, 3, 3)]
