"""A series mailed as one recurring event, after it was sent (issue 19): a change or cancel of one occurrence
sends that occurrence with its RECURRENCE-ID, a change of several sends the whole event again (RRULE,
EXDATE, overrides), and this-and-following ends the event and starts a new one with a new UID.

The proof is a calendar client: every message the real SMTP sink received for tje0 is applied in order
(RFC 5546 §3.2, tests/e2e/mail_support.py ClientCalendar) and the occurrences it then shows, expanded by
recurring-ical-events, are exactly the server's. The server's base zone is Europe/Oslo.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from sodiary.domain.enums import AppointmentStatus as S
from tests.e2e.mail_support import ClientCalendar, Received, SmtpSink, mail_env, settle
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def server_env(sink: SmtpSink) -> dict[str, str]:
    return dict(mail_env(sink.url), SODIARY_TIME_ZONE="Europe/Oslo")


def call(client: httpx.Client, method: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return client.post(AGENT + method, json=body, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


def delivered(seed: Seeder, sink: SmtpSink) -> list[Received]:
    """What tje0 received since the last look, in the order it was sent."""
    settle(seed.engine)
    return [m for m in sink.sink.take() if m.to == "tje0@example.com"]


_week = iter(range(1, 10_000))


class Series:
    """A weekly series ada booked with tje0 (SendEmail set), and the calendar tje0's client keeps."""

    def __init__(self, ada: httpx.Client, seed: Seeder, mail: SmtpSink, count: int, *others: str,
                 allday: bool = False) -> None:
        self.ada, self.seed, self.mail = ada, seed, mail
        start = datetime(2036, 1, 3, 9, 0) + timedelta(weeks=next(_week) * 6)
        entity = ok(call(ada, "CreateDefaultAppointmentEntity"))
        with seed.engine.connect() as conn:
            who = conn.execute(text("SELECT associate_id FROM associate WHERE name = 'tje0'")).scalar_one()
            more = [conn.execute(text("SELECT associate_id FROM associate WHERE name = :n"), {"n": n}).scalar_one()
                    for n in others]
            self.tje0 = who
            self.owner = conn.execute(text("SELECT associate_id FROM associate WHERE name = 'ada'")).scalar_one()
        entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), Title="Standup",
                      Location="Room 1", Participants=[{"AssociateId": a, "SendEmail": True} for a in (who, *more)],
                      Recurrence={"IsRecurrence": True, "Pattern": "Weekly",
                                  "WeekPattern": {"Cycle": 1, "Weekdays": start.strftime("%A")},
                                  "RecurrenceEndType": "Counter", "RecurrenceCounter": count},
                      IsAlldayEvent=allday)
        self.saved = ok(call(ada, "Save", {"AppointmentEntity": entity, "UpdateMode": "OnlyThis",
                                           "SendEmailToParticipants": True}))
        self.rule = self.saved["Recurrence"]["RecurrenceId"]
        self.client = ClientCalendar()
        [self.invite] = self.receive()

    def receive(self) -> list[Received]:
        got = delivered(self.seed, self.mail)
        self.client.apply(*got)
        return got

    def mothers(self) -> list[dict[str, Any]]:
        """The organiser's occurrences, in the order of their original starts."""
        rows = ok(call(self.ada, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": self.rule}))
        own = [r for r in rows if r["AssociateId"] == self.owner]
        with self.seed.engine.connect() as conn:
            original = dict(conn.execute(text(
                "SELECT appointment_id, COALESCE(original_start_date, start_date) FROM appointment "
                "WHERE recurrence_rule_id = :r"), {"r": self.rule}).all())
        return sorted(own, key=lambda r: original[r["AppointmentId"]])

    def shown_by_server(self) -> list[tuple[datetime, datetime, str]]:
        out = []
        for r in self.mothers():
            entity = ok(call(self.ada, "GetAppointmentEntity", params={"appointmentEntityId": r["AppointmentId"]}))
            if entity["IsAlldayEvent"]:
                # The client's all-day event is its dates: DTEND is the day after the last day.
                first, last = (datetime.fromisoformat(entity[k]) for k in ("StartDate", "EndDate"))
                days = (last.date() - first.date()).days + (last.time() != datetime.min.time() or last == first)
                out.append((first.date(), first.date() + timedelta(days=days), entity["Title"]))
                continue
            start, end = (datetime.fromisoformat(entity[k]).replace(tzinfo=OSLO).astimezone(UTC)
                          for k in ("StartDate", "EndDate"))
            out.append((start, end, entity["Title"]))
        return sorted(out)

    def move(self, index: int, by: timedelta, mode: str) -> None:
        row = self.mothers()[index]
        start = datetime.fromisoformat(row["StartDate"]) + by
        ok(call(self.ada, "MoveWithEmail", {"AppointmentId": row["AppointmentId"], "NewStartTime": start.isoformat(),
                                            "UpdateMode": mode, "SendEmailToParticipants": True}))

    def delete(self, index: int, mode: str) -> None:
        ok(call(self.ada, "Delete", {"AppointmentId": self.mothers()[index]["AppointmentId"], "UpdateMode": mode,
                                     "SendEmailToParticipants": True}))

    def retitle(self, index: int, title: str, mode: str) -> None:
        entity = ok(call(self.ada, "GetAppointmentEntity",
                         params={"appointmentEntityId": self.mothers()[index]["AppointmentId"]}))
        entity["Title"] = title
        ok(call(self.ada, "Save", {"AppointmentEntity": entity, "UpdateMode": mode,
                                   "SendEmailToParticipants": True}))

    def statuses(self) -> list[S]:
        with self.seed.engine.connect() as conn:
            return [S(r[0]) for r in conn.execute(text(
                "SELECT a.status FROM appointment a JOIN associate s ON s.associate_id = a.associate_id "
                "WHERE a.recurrence_rule_id = :r AND s.name = 'tje0' "
                "ORDER BY COALESCE(a.original_start_date, a.start_date)"), {"r": self.rule})]


@pytest.fixture
def series(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> Series:
    return Series(ada, seed, mail, 4)


def reply(message: Received, partstat: str, index: int = 0) -> str:
    """tje0's calendar answering a REQUEST as a client builds it: the same VEVENT, METHOD:REPLY, only tje0."""
    calendar = message.calendar()
    calendar["METHOD"] = "REPLY"
    event = calendar.walk("VEVENT")[index]
    for other in calendar.walk("VEVENT"):
        if other is not event:
            calendar.subcomponents.remove(other)
    found = event.get("ATTENDEE")
    mine = next(a for a in (found if isinstance(found, list) else [found]) if "tje0@" in str(a))
    mine.params["PARTSTAT"] = partstat
    event["ATTENDEE"] = mine
    return base64.b64encode(calendar.to_ical()).decode()


def test_the_invitation_alone_shows_the_servers_occurrences(series: Series) -> None:
    assert "RRULE" in series.invite.event()
    assert series.client.shown() == series.shown_by_server()


def test_cancelling_one_occurrence_sends_a_cancel_of_that_instance_under_the_series_uid(series: Series) -> None:
    original = series.client.shown()[1][0]
    series.delete(1, "OnlyThis")
    [m] = series.receive()
    event = m.event()
    assert (m.method, event["UID"], event.decoded("RECURRENCE-ID")) == ("CANCEL", series.invite.event()["UID"],
                                                                        original)
    assert "RRULE" not in event
    assert series.client.shown() == series.shown_by_server()
    assert len(series.client.shown()) == 3


def test_a_later_change_of_several_occurrences_sends_the_whole_series_with_exdate_and_overrides(
        series: Series) -> None:
    series.move(2, timedelta(hours=2), "OnlyThis")
    series.delete(1, "OnlyThis")
    series.receive()
    series.retitle(0, "Weekly sync", "ThisAndForward")  # from the first occurrence: all of them
    [m] = series.receive()
    master, *overrides = m.calendar().walk("VEVENT")
    assert (m.method, master["UID"], master["SEQUENCE"]) == ("REQUEST", series.invite.event()["UID"], 3)
    assert "RRULE" in master and len(master["EXDATE"].dts) == 1
    assert [o.decoded("RECURRENCE-ID") for o in overrides] == [series.client.shown()[1][0] - timedelta(hours=2)]
    assert {str(e["SUMMARY"]) for e in (master, *overrides)} == {"Weekly sync"}
    # What a client that missed the earlier messages makes of this one alone: the same.
    assert ClientCalendar().apply(m).shown() == series.shown_by_server()
    assert series.client.shown() == series.shown_by_server()


def test_moving_this_and_following_ends_the_series_and_starts_a_new_one_with_its_own_uid(series: Series) -> None:
    old_uid = str(series.invite.event()["UID"])
    series.move(2, timedelta(hours=1), "ThisAndForward")
    head, tail = series.receive()
    assert (head.method, str(head.event()["UID"]), head.event()["SEQUENCE"]) == ("REQUEST", old_uid, 1)
    assert head.event()["RRULE"]["UNTIL"][0] == series.client.shown()[1][0]
    assert (tail.method, tail.event()["SEQUENCE"]) == ("REQUEST", 0)
    assert str(tail.event()["UID"]) != old_uid and "RECURRENCE-ID" not in tail.event()
    assert series.client.uids() == {old_uid, str(tail.event()["UID"])}
    assert series.client.shown() == series.shown_by_server()
    assert [s.astimezone(OSLO).hour for s, _, _ in series.client.shown()] == [9, 9, 10, 10]


def test_after_the_split_a_change_to_a_later_occurrence_names_its_instance_in_the_new_event(series: Series) -> None:
    series.move(2, timedelta(hours=1), "ThisAndForward")
    _, tail = series.receive()
    instance = series.client.shown()[3][0]
    series.move(3, timedelta(minutes=30), "OnlyThis")
    [m] = series.receive()
    event = m.event()
    assert (event["UID"], event.decoded("RECURRENCE-ID")) == (tail.event()["UID"], instance)
    assert event.decoded("DTSTART") == instance + timedelta(minutes=30)
    assert series.client.shown() == series.shown_by_server()


def test_a_reply_to_the_new_event_answers_only_its_occurrences(series: Series, ada: httpx.Client) -> None:
    series.move(2, timedelta(hours=1), "ThisAndForward")
    _, tail = series.receive()
    body = {"EmailAddress": "tje0@example.com", "IcsData": reply(tail, "ACCEPTED")}
    assert ok(call(ada, "UpdateAppointmentFromIcsResponse", body)) is True
    statuses = series.statuses()
    assert statuses[2:] == [S.NotStarted, S.NotStarted], statuses
    assert S.NotStarted not in statuses[:2], statuses


def test_a_reply_to_the_old_event_answers_only_the_occurrences_it_still_holds(series: Series,
                                                                               ada: httpx.Client) -> None:
    series.move(2, timedelta(hours=1), "ThisAndForward")
    head, _ = series.receive()
    body = {"EmailAddress": "tje0@example.com", "IcsData": reply(head, "DECLINED")}
    assert ok(call(ada, "UpdateAppointmentFromIcsResponse", body)) is True
    statuses = series.statuses()
    assert statuses[:2] == [S.BookingDeclined] * 2 and S.BookingDeclined not in statuses[2:]


def test_deleting_this_and_following_ends_the_series_with_a_request_of_its_uid(series: Series) -> None:
    series.delete(2, "ThisAndForward")
    [m] = series.receive()
    assert (m.method, m.event()["UID"], m.event()["SEQUENCE"]) == ("REQUEST", series.invite.event()["UID"], 1)
    assert series.client.shown() == series.shown_by_server()
    assert len(series.client.shown()) == 2


def test_moving_the_whole_series_sends_it_at_the_new_time_and_later_instances_follow(series: Series) -> None:
    series.move(0, timedelta(hours=1), "ThisAndForward")
    [m] = series.receive()
    assert (m.event()["UID"], len(m.calendar().walk("VEVENT"))) == (series.invite.event()["UID"], 1)
    assert series.client.shown() == series.shown_by_server()
    instance = series.client.shown()[1][0]
    series.move(1, timedelta(minutes=15), "OnlyThis")
    [m] = series.receive()
    assert m.event().decoded("RECURRENCE-ID") == instance
    assert series.client.shown() == series.shown_by_server()


def test_after_its_first_occurrence_is_deleted_the_series_keeps_its_uid(series: Series) -> None:
    series.delete(0, "OnlyThis")
    series.receive()
    series.move(1, timedelta(hours=1), "OnlyThis")
    [m] = series.receive()
    assert (m.event()["UID"], "RECURRENCE-ID" in m.event()) == (series.invite.event()["UID"], True)
    assert series.client.shown() == series.shown_by_server()


def test_a_series_mailed_as_one_event_carries_no_caution_warning(series: Series) -> None:
    assert series.saved["CautionWarning"] == "OK"


def test_a_series_whose_pattern_is_mailed_occurrence_by_occurrence_carries_the_caution_warning(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    """SuperOffice's RecurrencePatternNotSupported: day 31 of each month, clamped to a short month's end."""
    entity = ok(call(ada, "CreateDefaultAppointmentEntity"))
    with seed.engine.connect() as conn:
        who = conn.execute(text("SELECT associate_id FROM associate WHERE name = 'tje0'")).scalar_one()
    start = datetime(2037, 1, 31, 9, 0)
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), Title="Month end",
                  Participants=[{"AssociateId": who, "SendEmail": True}],
                  Recurrence={"IsRecurrence": True, "Pattern": "Monthly",
                              "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 31},
                              "RecurrenceEndType": "Counter", "RecurrenceCounter": 3})
    saved = ok(call(ada, "Save", {"AppointmentEntity": entity, "UpdateMode": "OnlyThis",
                                  "SendEmailToParticipants": True}))
    assert saved["CautionWarning"] == "RecurrencePatternNotSupported"
    received = delivered(seed, mail)
    assert len(received) == 3 and all("RRULE" not in m.event() for m in received)


def test_a_new_pattern_from_a_later_occurrence_ends_the_event_and_mails_the_new_series(
        series: Series, ada: httpx.Client) -> None:
    origin = series.mothers()[2]["AppointmentId"]
    entity = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": origin}))
    start = datetime.fromisoformat(entity["StartDate"]) + timedelta(days=1)
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat())
    entity["Recurrence"].update(Pattern="Weekly", WeekPattern={"Cycle": 1, "Weekdays": start.strftime("%A")},
                                RecurrenceEndType="Counter", RecurrenceCounter=3)
    ok(call(ada, "Save", {"AppointmentEntity": entity, "UpdateMode": "ThisAndForward",
                          "SendEmailToParticipants": True}))
    old, new = sorted(series.receive(), key=lambda m: m.event().decoded("DTSTART"))
    assert (old.method, old.event()["UID"]) == ("REQUEST", series.invite.event()["UID"])
    assert new.method == "REQUEST" and new.event()["UID"] != old.event()["UID"] and "RRULE" in new.event()
    shown_before = series.shown_by_server()  # the old rule's occurrences left
    series.rule = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": origin}))["Recurrence"][
        "RecurrenceId"]
    assert series.client.shown() == sorted(shown_before + series.shown_by_server())
    assert len(series.client.shown()) == 2 + 3


def test_a_participant_removed_from_every_occurrence_gets_one_cancel_of_the_event(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    series = Series(ada, seed, mail, 4, "ben")
    entity = ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": series.mothers()[0]["AppointmentId"]}))
    entity["Participants"] = [p for p in entity["Participants"] if p["AssociateId"] != series.tje0]
    ok(call(ada, "Save", {"AppointmentEntity": entity, "UpdateMode": "ThisAndForward",
                          "SendEmailToParticipants": True}))
    [m] = series.receive()
    event = m.event()
    assert (m.method, event["UID"], "RECURRENCE-ID" in event) == ("CANCEL", series.invite.event()["UID"], False)
    assert [str(a) for a in ([event["ATTENDEE"]] if not isinstance(event["ATTENDEE"], list) else event["ATTENDEE"])
            ] == ["mailto:tje0@example.com"]
    assert series.client.shown() == []


def test_an_all_day_series_moved_this_and_following_is_split_into_two_dated_events(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    series = Series(ada, seed, mail, 4, allday=True)
    assert series.invite.event()["DTSTART"].params.get("VALUE") == "DATE"
    assert series.client.shown() == series.shown_by_server()
    series.move(2, timedelta(days=1), "ThisAndForward")
    head, tail = series.receive()
    assert head.event()["UID"] == series.invite.event()["UID"] and tail.event()["UID"] != head.event()["UID"]
    assert series.client.shown() == series.shown_by_server()
    series.delete(3, "OnlyThis")
    [m] = series.receive()
    assert (m.method, m.event()["UID"]) == ("CANCEL", tail.event()["UID"])
    assert series.client.shown() == series.shown_by_server()


def test_a_confirmation_after_the_split_names_the_new_event_and_the_occurrences_instance(
        series: Series, tje0: httpx.Client) -> None:
    series.move(2, timedelta(hours=1), "ThisAndForward")
    _, tail = series.receive()
    instance = series.client.shown()[3][0]
    with series.seed.engine.connect() as conn:
        mine = conn.execute(text(
            "SELECT appointment_id FROM appointment WHERE mother_id = :m AND associate_id = :a"),
            {"m": series.mothers()[3]["AppointmentId"], "a": series.tje0}).scalar_one()
    ok(call(tje0, "AcceptWithEmailConfirmation", {"AppointmentId": mine, "UpdateMode": "OnlyThis"}))
    settle(series.seed.engine)
    [m] = [r for r in series.mail.sink.take() if r.to == "ada@example.com"]
    event = m.event()
    assert (m.method, event["UID"], event.decoded("RECURRENCE-ID")) == ("REPLY", tail.event()["UID"], instance)


def test_a_reply_naming_an_instance_of_the_new_event_answers_that_occurrence(series: Series,
                                                                             ada: httpx.Client) -> None:
    series.move(2, timedelta(hours=1), "ThisAndForward")
    series.receive()
    series.move(3, timedelta(minutes=30), "OnlyThis")
    [override] = series.receive()
    body = {"EmailAddress": "tje0@example.com", "IcsData": reply(override, "DECLINED")}
    assert ok(call(ada, "UpdateAppointmentFromIcsResponse", body)) is True
    statuses = series.statuses()
    assert statuses[3] == S.BookingDeclined and S.BookingDeclined not in statuses[:3], statuses
