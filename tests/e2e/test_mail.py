"""E-mail invitations through the outbox (issue 19): which call mails whom, what the mail and its calendar
part say, and what a failing SMTP server does — against a real SMTP server (aiosmtpd) on both engines.

The server's base zone is Europe/Oslo, so a stored wall clock is not UTC and DTSTART must be converted.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
from dateutil import rrule
from sqlalchemy import select, text

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.store import associates
from sodiary.store.schema import associate, person
from tests.e2e.mail_support import Received, SmtpSink, mail_env, outbox_rows, settle
from tests.support.seed import Seeder

AGENT = "/api/v1/Agents/Appointment/"
ZONES = {"UTC": "UTC", "NO": "Europe/Oslo", "US-NY": "America/New_York"}


@pytest.fixture(scope="module")
def server_env(sink: SmtpSink) -> dict[str, str]:
    return dict(mail_env(sink.url), SODIARY_TIME_ZONE="Europe/Oslo")


def call(client: httpx.Client, method: str, body: Any = None, **kwargs: Any) -> httpx.Response:
    return client.post(AGENT + method, json=body, **kwargs)


def ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 204), response.text
    return response.json() if response.status_code == 200 else None


def delivered(seed: Seeder, sink: SmtpSink) -> list[Received]:
    settle(seed.engine)
    return sorted(sink.sink.take(), key=lambda m: m.to)


def ids(seed: Seeder) -> dict[str, int]:
    with seed.engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(select(associate.c.name, associate.c.associate_id))}


def kari(seed: Seeder) -> int:
    with seed.engine.connect() as conn:
        return int(conn.execute(select(person.c.person_id).where(person.c.firstname == "Kari")).scalar_one())


_day = iter(range(1, 10_000))


def booking_body(client: httpx.Client, participants: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    entity = ok(call(client, "CreateDefaultAppointmentEntity"))
    start = datetime(2031, 3, 3, 9, 0) + timedelta(days=next(_day))
    entity.update(StartDate=start.isoformat(), EndDate=(start + timedelta(hours=1)).isoformat(), Title="Plan",
                  Location="Room 1", Description="Planning", InternalNotes="secret: budget is tight",
                  Participants=participants)
    entity.update(changes)
    return entity


def book(client: httpx.Client, seed: Seeder, send: dict[str, bool], *, flag: bool = True, **changes: Any
         ) -> dict[str, Any]:
    """ada books the named users with Save; `send` gives each one's SendEmail."""
    who = ids(seed)
    participants = [{"AssociateId": who[name], "SendEmail": value} for name, value in send.items()]
    body = {"AppointmentEntity": booking_body(client, participants, **changes), "UpdateMode": "OnlyThis",
            "SendEmailToParticipants": flag}
    return ok(call(client, "Save", body))


def child_of(seed: Seeder, mother_id: int, name: str) -> int:
    with seed.engine.connect() as conn:
        return int(conn.execute(text("SELECT appointment_id FROM appointment WHERE mother_id = :m AND "
                                     "associate_id = :a AND appointment_id <> :m"),
                                {"m": mother_id, "a": ids(seed)[name]}).scalar_one())


def instant(client: httpx.Client, appointment_id: int, zone: str) -> tuple[datetime, datetime]:
    """The entity's start and end as the API shows them in a zone (SO-TimeZone with the offset)."""
    entity = ok(client.post(AGENT + "GetAppointmentEntity", params={"appointmentEntityId": appointment_id},
                            headers={"SO-TimeZone": f"{zone}, includeTZOffset"}))
    return datetime.fromisoformat(entity["StartDate"]), datetime.fromisoformat(entity["EndDate"])


def addresses(event: icalendar.Event) -> dict[str, Any]:
    found = event.get("ATTENDEE")
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:"): a for a in found if a is not None}


# --- Save ------------------------------------------------------------------------------------------


def test_save_with_send_email_mails_each_flagged_invitee_an_invitation_at_the_apis_instant(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True, "ben": False})
    [m] = delivered(seed, mail)
    assert m.to == "tje0@example.com"
    assert m.method == "REQUEST"
    assert m.subject == "Invitation: Plan"
    assert m.message["From"].addresses[0].addr_spec == "diary@example.org"
    assert m.message["Reply-To"].addresses[0].addr_spec == "ada@example.com"
    assert m.message["Message-ID"] and m.message["Date"]
    event = m.event()
    assert str(event["ORGANIZER"]) == "mailto:ada@example.com"
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Plan" and str(event["LOCATION"]) == "Room 1"
    attendees = addresses(event)
    assert set(attendees) == {"tje0@example.com", "ben@example.com"}, "every participant is an attendee"
    tje0 = attendees["tje0@example.com"].params
    assert (tje0["PARTSTAT"], tje0["RSVP"], tje0["CN"]) == ("NEEDS-ACTION", "TRUE", "Tore Jensen")
    for zone in ZONES:
        start, end = instant(ada, saved["AppointmentId"], zone)
        assert event.decoded("DTSTART") == start and event.decoded("DTEND") == end, zone
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert "secret" not in m.message.as_string(), "internal notes never leave the server"


def test_save_without_send_email_to_participants_mails_nobody(ada: httpx.Client, seed: Seeder,
                                                              mail: SmtpSink) -> None:
    book(ada, seed, {"tje0": True}, flag=False)
    assert delivered(seed, mail) == []


def test_send_email_is_stored_per_participant_and_read_back(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True, "ben": False}, flag=False)
    who = ids(seed)
    flags = {p["AssociateId"]: p["SendEmail"] for p in saved["Participants"]}
    assert (flags[who["tje0"]], flags[who["ben"]]) == (True, False)


def test_an_external_person_with_send_email_gets_the_invitation(ada: httpx.Client, seed: Seeder,
                                                                mail: SmtpSink) -> None:
    participants = [{"PersonId": kari(seed), "SendEmail": True}]
    body = {"AppointmentEntity": booking_body(ada, participants), "SendEmailToParticipants": True}
    ok(call(ada, "Save", body))
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("kari@example.net", "REQUEST")
    assert addresses(m.event())[m.to].params["CN"] == "Kari Nordmann"


def test_saving_an_entity_again_unchanged_mails_nobody(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    ok(call(ada, "SaveAppointmentEntity", saved))
    assert delivered(seed, mail) == []


def test_changing_the_place_sends_the_changed_invitation_with_the_next_sequence(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    [first] = delivered(seed, mail)
    ok(call(ada, "SaveAppointmentEntity", dict(saved, Location="Room 2")))
    [m] = delivered(seed, mail)
    assert (m.to, m.method, m.subject) == ("tje0@example.com", "REQUEST", "Updated invitation: Plan")
    assert m.event()["UID"] == first.event()["UID"]
    assert (m.event()["SEQUENCE"], str(m.event()["LOCATION"])) == (1, "Room 2")


def test_removing_a_participant_sends_them_a_cancel_and_the_others_nothing(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True, "ben": True})
    [_, tje0_invite] = delivered(seed, mail)
    who = ids(seed)
    kept = [p for p in saved["Participants"] if p["AssociateId"] != who["tje0"]]
    ok(call(ada, "SaveAppointmentEntity", dict(saved, Participants=kept)))
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("tje0@example.com", "CANCEL")
    event = m.event()
    assert event["UID"] == tje0_invite.event()["UID"] and event["SEQUENCE"] == 1
    assert list(addresses(event)) == ["tje0@example.com"]
    assert "STATUS" not in event, "the meeting itself goes on"


def test_a_line_break_in_the_title_cannot_add_a_header(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    book(ada, seed, {"tje0": True}, Title="Plan\r\nBcc: evil@example.net")
    [m] = delivered(seed, mail)
    assert m.message["Bcc"] is None
    assert m.recipients == ["tje0@example.com"]
    assert m.subject == "Invitation: Plan Bcc: evil@example.net"
    assert str(m.event()["SUMMARY"]).splitlines() == ["Plan", "Bcc: evil@example.net"], "kept, escaped, in iCal"


def test_a_norwegian_request_mails_in_norwegian(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    who = ids(seed)
    body = {"AppointmentEntity": booking_body(ada, [{"AssociateId": who["tje0"], "SendEmail": True}]),
            "SendEmailToParticipants": True}
    ok(call(ada, "Save", body, headers={"Accept-Language": "nb-NO"}))
    [m] = delivered(seed, mail)
    assert m.subject == "Invitasjon: Plan"
    assert "inviterer deg" in m.text()


def test_an_all_day_booking_is_sent_with_dates(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True}, IsAlldayEvent=True)
    [m] = delivered(seed, mail)
    event = m.event()
    day = datetime.fromisoformat(saved["StartDate"]).date()
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event.decoded("DTSTART") == day and event.decoded("DTEND") == day + timedelta(days=1)


# --- Move, Update, Delete ----------------------------------------------------------------------------


def test_move_with_email_sends_the_changed_invitation_at_the_new_instant(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True, "ben": False})
    [first] = delivered(seed, mail)
    new_start = datetime.fromisoformat(saved["StartDate"]) + timedelta(days=1, hours=2)
    ok(call(ada, "MoveWithEmail", {"AppointmentId": saved["AppointmentId"], "NewStartTime": new_start.isoformat(),
                                   "UpdateMode": "OnlyThis", "SendEmailToParticipants": True}))
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("tje0@example.com", "REQUEST")
    event = m.event()
    assert event["UID"] == first.event()["UID"] and event["SEQUENCE"] == 1
    start, _ = instant(ada, saved["AppointmentId"], "NO")
    assert event.decoded("DTSTART") == start
    assert start.replace(tzinfo=None) == new_start


def test_move_without_send_email_to_participants_mails_nobody(ada: httpx.Client, seed: Seeder,
                                                              mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    new_start = datetime.fromisoformat(saved["StartDate"]) + timedelta(hours=3)
    ok(call(ada, "MoveWithEmail", {"AppointmentId": saved["AppointmentId"], "NewStartTime": new_start.isoformat()}))
    assert delivered(seed, mail) == []


def test_update_with_mode_and_email_sends_the_changed_invitation(ada: httpx.Client, seed: Seeder,
                                                                 mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    start = datetime.fromisoformat(saved["StartDate"]) + timedelta(days=2)
    end = start + timedelta(hours=2)
    answer = ok(call(ada, "UpdateAppointmentWithModeAndEmail", {
        "Id": saved["AppointmentId"], "StartTime": start.isoformat(), "EndTime": end.isoformat(),
        "UpdateMode": "OnlyThis", "SendEmailToParticipants": True}))
    assert answer["AppointmentId"] == saved["AppointmentId"]
    [m] = delivered(seed, mail)
    assert (m.method, m.event()["SEQUENCE"]) == ("REQUEST", 1)
    assert m.event().decoded("DTEND") - m.event().decoded("DTSTART") == timedelta(hours=2)


def test_delete_with_email_sends_every_flagged_invitee_a_cancel(ada: httpx.Client, seed: Seeder,
                                                                mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True, "ben": True})
    invites = delivered(seed, mail)
    ok(call(ada, "Delete", {"AppointmentId": saved["AppointmentId"], "UpdateMode": "OnlyThis",
                            "SendEmailToParticipants": True}))
    cancels = delivered(seed, mail)
    assert [(m.to, m.method) for m in cancels] == [("ben@example.com", "CANCEL"), ("tje0@example.com", "CANCEL")]
    for m in cancels:
        event = m.event()
        assert event["UID"] == invites[0].event()["UID"]
        assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 1)
        assert m.subject == "Cancelled: Plan"


def test_delete_without_send_email_to_participants_mails_nobody(ada: httpx.Client, seed: Seeder,
                                                                mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    ok(call(ada, "Delete", {"AppointmentId": saved["AppointmentId"], "UpdateMode": "OnlyThis"}))
    assert delivered(seed, mail) == []


# --- Answers -----------------------------------------------------------------------------------------


def test_accept_with_email_confirmation_mails_the_organiser_a_reply(ada: httpx.Client, tje0: httpx.Client,
                                                                    seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    [invite] = delivered(seed, mail)
    invitation = child_of(seed, saved["AppointmentId"], "tje0")
    ok(call(tje0, "AcceptWithEmailConfirmation", {"AppointmentId": invitation, "UpdateMode": "OnlyThis"}))
    assert seed.state(invitation)[0] == S.NotStarted
    [m] = delivered(seed, mail)
    assert (m.to, m.method, m.subject) == ("ada@example.com", "REPLY", "Accepted: Plan")
    event = m.event()
    assert event["UID"] == invite.event()["UID"] and event["SEQUENCE"] == invite.event()["SEQUENCE"]
    attendees = addresses(event)
    assert list(attendees) == ["tje0@example.com"]
    assert attendees["tje0@example.com"].params["PARTSTAT"] == "ACCEPTED"
    assert m.message["Reply-To"].addresses[0].addr_spec == "tje0@example.com"


def test_a_confirmation_echoes_no_description_back_to_the_organiser(ada: httpx.Client, tje0: httpx.Client,
                                                                   seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    [invite] = delivered(seed, mail)
    assert str(invite.event()["DESCRIPTION"]) == "Planning"
    ok(call(tje0, "AcceptWithEmailConfirmation", {"AppointmentId": child_of(seed, saved["AppointmentId"], "tje0")}))
    [m] = delivered(seed, mail)
    assert m.method == "REPLY" and "DESCRIPTION" not in m.event()
    assert "Planning" not in m.text()


def test_reject_with_smtp_email_confirmation_mails_a_declined_reply_with_the_reason(
        ada: httpx.Client, tje0: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": False})
    invitation = child_of(seed, saved["AppointmentId"], "tje0")
    ok(call(tje0, "RejectWithSmtpEmailConfirmation", {"AppointmentId": invitation, "RejectReason": "Away",
                                                      "SmtpEMailConnectionInfo": {"ServerName": "evil:25"}}))
    [m] = delivered(seed, mail)
    assert (m.to, m.method, m.subject) == ("ada@example.com", "REPLY", "Declined: Plan")
    assert addresses(m.event())["tje0@example.com"].params["PARTSTAT"] == "DECLINED"
    assert "Away" in m.text()


def test_plain_accept_and_reject_mail_nothing(ada: httpx.Client, tje0: httpx.Client, ben: httpx.Client,
                                              seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": False, "ben": False})
    ok(call(tje0, "Accept", {"AppointmentId": child_of(seed, saved["AppointmentId"], "tje0")}))
    ok(call(ben, "Reject", {"AppointmentId": child_of(seed, saved["AppointmentId"], "ben")}))
    assert delivered(seed, mail) == []


def test_accepting_again_with_confirmation_mails_nothing_more(ada: httpx.Client, tje0: httpx.Client, seed: Seeder,
                                                              mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": False})
    invitation = child_of(seed, saved["AppointmentId"], "tje0")
    ok(call(tje0, "AcceptWithEmailConfirmation", {"AppointmentId": invitation}))
    assert len(delivered(seed, mail)) == 1
    ok(call(tje0, "AcceptWithEmailConfirmation", {"AppointmentId": invitation}))
    assert delivered(seed, mail) == []


def test_a_refused_answer_queues_no_mail(ada: httpx.Client, ben: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": False})
    r = call(ben, "AcceptWithEmailConfirmation", {"AppointmentId": child_of(seed, saved["AppointmentId"], "tje0")})
    assert r.status_code == 403
    assert delivered(seed, mail) == []


# --- A failing SMTP server ---------------------------------------------------------------------------


def test_a_temporary_refusal_leaves_the_answer_unaffected_and_the_mail_is_retried(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    before = len(outbox_rows(seed.engine))
    mail.sink.refuse.extend(["451 4.3.0 try again later", "421 4.7.0 busy"])
    book(ada, seed, {"tje0": True})
    [m] = delivered(seed, mail)
    assert m.to == "tje0@example.com"
    [row] = outbox_rows(seed.engine)[before:]
    assert (row["status"], row["attempts"]) == ("sent", 3)
    assert mail.sink.refuse == []


def test_a_permanent_refusal_is_recorded_and_not_retried(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    before = len(outbox_rows(seed.engine))
    mail.sink.refuse.append("550 5.1.1 no such user")
    book(ada, seed, {"tje0": True})
    assert delivered(seed, mail) == []
    [row] = outbox_rows(seed.engine)[before:]
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550" in row["last_error"]


def test_the_outbox_row_is_written_with_the_change_and_sent_once(ada: httpx.Client, seed: Seeder,
                                                                 mail: SmtpSink) -> None:
    before = len(outbox_rows(seed.engine))
    saved = book(ada, seed, {"tje0": True, "ben": True})
    rows = settle(seed.engine)[before:]
    assert sorted(r["destination"] for r in rows) == ["ben@example.com", "tje0@example.com"]
    assert all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)
    assert {r["appointment_id"] for r in rows} == {saved["AppointmentId"]}
    received = mail.sink.take()
    assert sorted(str(m.message["Message-ID"]) for m in received) == sorted(
        f"<{r['message_key']}@example.org>" for r in rows)


def test_now_is_utc_in_dtstamp(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    book(ada, seed, {"tje0": True})
    [m] = delivered(seed, mail)
    stamp = m.event().decoded("DTSTAMP")
    assert stamp.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - stamp) < timedelta(hours=1)



# --- Series: one event with RRULE where the pattern maps (docs/decisions.md) ---------------------------


def book_weekly(client: httpx.Client, seed: Seeder, count: int) -> dict[str, Any]:
    start = datetime(2033, 3, 3, 9, 0) + timedelta(days=next(_day) * 7)
    week = {"Cycle": 1, "Weekdays": start.strftime("%A")}
    recurrence = {"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": week, "RecurrenceEndType": "Counter",
                  "RecurrenceCounter": count}
    return book(client, seed, {"tje0": True}, StartDate=start.isoformat(),
                EndDate=(start + timedelta(hours=1)).isoformat(), Recurrence=recurrence)


def occurrences(client: httpx.Client, saved: dict[str, Any]) -> list[datetime]:
    """The organiser's occurrences' starts as instants (base zone Europe/Oslo)."""
    rule = saved["Recurrence"]["RecurrenceId"]
    rows = ok(call(client, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": rule}))
    oslo = ZoneInfo("Europe/Oslo")
    return sorted({datetime.fromisoformat(r["StartDate"]).replace(tzinfo=oslo) for r in rows})


def series_starts(event: icalendar.Event) -> list[datetime]:
    """The starts a calendar client reads from one VEVENT: DTSTART expanded by its RRULE, less its EXDATEs."""
    start = event.decoded("DTSTART")
    rule = rrule.rrulestr(event["RRULE"].to_ical().decode(), dtstart=start)
    found = event.get("EXDATE")
    skipped = {d.dt for x in (found if isinstance(found, list) else [found] if found else []) for d in x.dts}
    return [d for d in rule if d not in skipped]


def test_a_new_series_is_one_mail_with_one_event_whose_rrule_gives_every_occurrence_across_dst(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    # Four Thursdays around the last Sunday of March: the wall clock stays, the UTC offset changes.
    start = datetime(2034, 3, 16, 9, 0)
    recurrence = {"IsRecurrence": True, "Pattern": "Weekly", "WeekPattern": {"Cycle": 1, "Weekdays": "Thursday"},
                  "RecurrenceEndType": "Counter", "RecurrenceCounter": 4}
    saved = book(ada, seed, {"tje0": True, "ben": True}, StartDate=start.isoformat(),
                 EndDate=(start + timedelta(hours=1)).isoformat(), Recurrence=recurrence)
    received = delivered(seed, mail)
    assert [m.to for m in received] == ["ben@example.com", "tje0@example.com"], "one mail per invitee"
    for m in received:
        [event] = m.calendar().walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert [tz["TZID"] for tz in m.calendar().walk("VTIMEZONE")] == ["Europe/Oslo"]
        assert series_starts(event) == occurrences(ada, saved)
        assert len({s.utcoffset() for s in series_starts(event)}) == 2, "the series crosses a DST change"
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    assert received[0].event()["UID"] == received[1].event()["UID"]


def test_a_change_to_one_occurrence_of_a_mailed_series_sends_that_occurrence_with_its_recurrence_id(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book_weekly(ada, seed, 3)
    [invite] = delivered(seed, mail)
    rule = saved["Recurrence"]["RecurrenceId"]
    rows = ok(call(ada, "GetAppointmentRecords", {"MotherId": 0, "RecurrenceRuleId": rule}))
    mothers = sorted((r for r in rows if r["AssociateId"] == ids(seed)["ada"]), key=lambda r: r["StartDate"])
    second = mothers[1]
    new_start = datetime.fromisoformat(second["StartDate"]) + timedelta(hours=1)
    ok(call(ada, "MoveWithEmail", {"AppointmentId": second["AppointmentId"], "NewStartTime": new_start.isoformat(),
                                   "UpdateMode": "OnlyThis", "SendEmailToParticipants": True}))
    [m] = delivered(seed, mail)
    event = m.event()
    assert (m.to, m.method, event["UID"], event["SEQUENCE"]) == ("tje0@example.com", "REQUEST",
                                                                 invite.event()["UID"], 1)
    assert "RRULE" not in event
    assert event.decoded("RECURRENCE-ID") == series_starts(invite.event())[1]
    assert event.decoded("DTSTART") == occurrences(ada, saved)[1]


def test_a_series_whose_pattern_has_no_rrule_is_mailed_occurrence_by_occurrence(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    """Day 31 monthly: SuperOffice takes a short month's last day, an RRULE would skip the month."""
    start = datetime(2035, 1, 31, 9, 0)
    recurrence = {"IsRecurrence": True, "Pattern": "Monthly",
                  "MonthPattern": {"Pattern": "DayOfMonth", "Cycle": 1, "Day": 31},
                  "RecurrenceEndType": "Counter", "RecurrenceCounter": 3}
    saved = book(ada, seed, {"tje0": True}, StartDate=start.isoformat(),
                 EndDate=(start + timedelta(hours=1)).isoformat(), Recurrence=recurrence)
    received = delivered(seed, mail)
    events = sorted((m.event() for m in received), key=lambda e: e.decoded("DTSTART"))
    assert all("RRULE" not in e for e in events)
    assert len({str(e["UID"]) for e in events}) == 3
    assert [e.decoded("DTSTART") for e in events] == occurrences(ada, saved)


def test_a_reply_to_the_series_without_a_recurrence_id_answers_every_occurrence(
        ada: httpx.Client, tje0: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book_weekly(ada, seed, 3)
    [invite] = delivered(seed, mail)
    calendar = invite.calendar()
    calendar["METHOD"] = "REPLY"
    [event] = calendar.walk("VEVENT")
    mine = addresses(event)["tje0@example.com"]
    mine.params["PARTSTAT"] = "ACCEPTED"
    event["ATTENDEE"] = mine
    body = {"EmailAddress": "tje0@example.com", "IcsData": base64.b64encode(calendar.to_ical()).decode()}
    assert ok(call(tje0, "UpdateAppointmentFromIcsResponse", body)) is True
    with seed.engine.connect() as conn:
        statuses = [S(r[0]) for r in conn.execute(text(
            "SELECT status FROM appointment WHERE recurrence_rule_id = :r AND associate_id = :a"),
            {"r": saved["Recurrence"]["RecurrenceId"], "a": ids(seed)["tje0"]})]
    assert statuses == [S.NotStarted] * 3


def test_a_reply_built_from_the_invitation_names_a_known_booking_and_participant(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    """What a calendar client answers (same UID and SEQUENCE, the attendee's PARTSTAT changed) carries what an
    inbound path needs: the UID leads to the booking, the attendee's address to the participant's row."""
    saved = book(ada, seed, {"tje0": True})
    [m] = delivered(seed, mail)
    calendar = m.calendar()
    calendar["METHOD"] = "REPLY"
    [event] = calendar.walk("VEVENT")
    mine = addresses(event)["tje0@example.com"]
    mine.params["PARTSTAT"] = "ACCEPTED"
    event["ATTENDEE"] = mine
    reply = icalendar.Calendar.from_ical(calendar.to_ical())
    [answered] = reply.walk("VEVENT")
    with seed.engine.connect() as conn:
        found = conn.execute(text("SELECT appointment_id, event_sequence FROM invitation WHERE event_uid = :u"),
                             {"u": str(answered["UID"])}).one()
        address = conn.execute(text(
            "SELECT p.email FROM appointment a JOIN person p ON p.person_id = a.invited_person_id "
            "WHERE a.mother_id = :m AND a.appointment_id <> :m AND a.send_email = :t"),
            {"m": saved["AppointmentId"], "t": True}).scalar_one()
    assert tuple(found) == (saved["AppointmentId"], answered["SEQUENCE"])
    assert str(answered["ATTENDEE"]) == f"mailto:{address}"
    assert answered["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_a_rest_post_mails_the_participants_whose_send_email_is_set(ada: httpx.Client, seed: Seeder,
                                                                    mail: SmtpSink) -> None:
    who = ids(seed)
    body = booking_body(ada, [{"AssociateId": who["tje0"], "SendEmail": False},
                              {"AssociateId": who["ben"], "SendEmail": True}])
    r = ada.post("/api/v1/Appointment", json=body)
    assert r.status_code in (200, 201), r.text
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("ben@example.com", "REQUEST")


def test_move_extended_with_email_sends_the_changed_invitation(ada: httpx.Client, seed: Seeder,
                                                               mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    new_start = datetime.fromisoformat(saved["StartDate"]) + timedelta(hours=5)
    ok(call(ada, "MoveExtended", {"AppointmentMoveData": {
        "AppointmentId": saved["AppointmentId"], "NewStartTime": new_start.isoformat(), "UpdateMode": "OnlyThis",
        "SendEmailToParticipants": True}}))
    [m] = delivered(seed, mail)
    assert (m.to, m.method, m.event()["SEQUENCE"]) == ("tje0@example.com", "REQUEST", 1)


def test_accept_with_smtp_email_confirmation_mails_the_organiser_too(ada: httpx.Client, tje0: httpx.Client,
                                                                     seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": False})
    ok(call(tje0, "AcceptWithSmtpEmailConfirmation", {"AppointmentId": saved["AppointmentId"]}))
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("ada@example.com", "REPLY")
    assert addresses(m.event())["tje0@example.com"].params["PARTSTAT"] == "ACCEPTED"


def test_in_a_meeting_of_more_than_a_hundred_each_copy_lists_only_its_recipient(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    with seed.engine.begin() as conn:
        guests = [associates.add_person(conn, 0, "Guest", str(i), f"guest{i}@example.net") for i in range(101)]
    participants = [{"PersonId": p, "SendEmail": p == guests[0]} for p in guests]
    body = {"AppointmentEntity": booking_body(ada, participants), "SendEmailToParticipants": True}
    ok(call(ada, "Save", body))
    [m] = delivered(seed, mail)
    assert m.to == "guest0@example.net"
    assert list(addresses(m.event())) == ["guest0@example.net"]


# --- SaveWithCustomInvitation --------------------------------------------------------------------------


def custom_save(client: httpx.Client, entity: dict[str, Any], **members: Any) -> dict[str, Any]:
    return dict(ok(call(client, "SaveWithCustomInvitation", {"AppointmentEntity": entity, **members})))


def test_save_with_custom_invitation_mails_the_given_subject_and_text_and_says_so(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    entity = booking_body(ada, [{"AssociateId": ids(seed)["tje0"], "SendEmail": True}])
    answer = custom_save(ada, entity, SendEmailToParticipants=True, Subject="Come to <b>our</b> plan",
                         EmailBody="Bring <script>x</script> ideas")
    assert answer["EmailCreated"] is True
    assert answer["AppointmentEntity"]["AppointmentId"] > 0
    [m] = delivered(seed, mail)
    assert (m.to, m.method, m.subject) == ("tje0@example.com", "REQUEST", "Come to <b>our</b> plan")
    assert m.text().strip() == "Bring <script>x</script> ideas"
    html = next(p for p in m.message.walk() if p.get_content_type() == "text/html").get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_save_with_custom_invitation_without_send_email_creates_no_mail(ada: httpx.Client, seed: Seeder,
                                                                         mail: SmtpSink) -> None:
    entity = booking_body(ada, [{"AssociateId": ids(seed)["tje0"], "SendEmail": True}])
    answer = custom_save(ada, entity, SendEmailToParticipants=False, Subject="Hi")
    assert answer["EmailCreated"] is False
    assert delivered(seed, mail) == []


def test_a_change_saved_with_a_norwegian_template_language_is_mailed_in_norwegian(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    answer = custom_save(ada, dict(saved, Location="Rom 2"), SendEmailToParticipants=True, TemplateLanguage="no",
                         Subject="Not used for a change")
    assert answer["EmailCreated"] is True
    [m] = delivered(seed, mail)
    assert m.subject == "Endret invitasjon: Plan"


# --- Asking about mail: WillSendEmail, GetAppointmentEmailInvitation, GetAppointmentHaveParticipantsWithEmail


def counts(seed: Seeder) -> tuple[int, int, int]:
    with seed.engine.connect() as conn:
        return tuple(int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())  # type: ignore[return-value]
                     for t in ("appointment", "outbox_message", "invitation"))


def test_will_send_email_is_true_for_a_new_booking_with_a_flagged_participant_and_saves_nothing(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    entity = booking_body(ada, [{"AssociateId": ids(seed)["tje0"], "SendEmail": True}])
    before = counts(seed)
    assert ok(call(ada, "WillSendEmail", {"Appointment": entity})) is True
    assert counts(seed) == before
    assert delivered(seed, mail) == []


def test_will_send_email_is_false_without_a_flagged_participant_or_without_a_change(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    entity = booking_body(ada, [{"AssociateId": ids(seed)["tje0"], "SendEmail": False}])
    assert ok(call(ada, "WillSendEmail", {"Appointment": entity})) is False
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    assert ok(call(ada, "WillSendEmail", {"Appointment": saved})) is False
    assert ok(call(ada, "WillSendEmail", {"Appointment": dict(saved, Location="Room 9")})) is True
    assert ok(call(ada, "WillSendEmail", {"Appointment": None})) is False
    assert delivered(seed, mail) == []


def test_have_participants_with_email_follows_the_stored_flags(ada: httpx.Client, tje0: httpx.Client, seed: Seeder,
                                                                mail: SmtpSink) -> None:
    flagged = book(ada, seed, {"tje0": True, "ben": False}, flag=False)
    unflagged = book(ada, seed, {"tje0": False}, flag=False)
    ask = "GetAppointmentHaveParticipantsWithEmail"
    assert ok(call(ada, ask, {"AppointmentId": flagged["AppointmentId"]})) is True
    assert ok(call(tje0, ask, {"AppointmentId": child_of(seed, flagged["AppointmentId"], "tje0")})) is True
    assert ok(call(ada, ask, {"AppointmentId": unflagged["AppointmentId"]})) is False
    assert ok(call(ada, ask, {"AppointmentId": 99_999_999})) is False


def test_get_appointment_email_invitation_previews_the_mail_without_saving_or_sending(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    who = ids(seed)
    entity = booking_body(ada, [{"AssociateId": who["tje0"], "SendEmail": False},
                                {"AssociateId": who["ben"], "SendEmail": True}])
    before = counts(seed)
    preview = ok(call(ada, "GetAppointmentEmailInvitation", {"Appointment": entity, "TemplateName": "",
                                                              "Language": "en"}))
    assert counts(seed) == before
    assert sorted(a["Address"] for a in preview["To"]) == ["ben@example.com", "tje0@example.com"]
    assert preview["Subject"] == "Invitation: Plan"
    assert "Plan" in preview["PlainBody"] and "<html" in preview["HTMLBody"].lower()
    assert "secret" not in preview["PlainBody"] + preview["HTMLBody"], "internal notes never leave the server"
    assert preview["From"]["Address"] == "diary@example.org"
    assert preview["HasCalendarData"] is False and preview["Attachments"] == []
    norwegian = ok(call(ada, "GetAppointmentEmailInvitation", {"Appointment": entity, "TemplateName": "changed",
                                                                "Language": "nb-NO"}))
    assert norwegian["Subject"] == "Endret invitasjon: Plan"
    assert delivered(seed, mail) == []


# --- E-mail-only participants and each recipient's language ---------------------------------------------


def test_an_email_only_participant_is_invited_by_mail_and_read_back(ada: httpx.Client, seed: Seeder,
                                                                     mail: SmtpSink) -> None:
    participants = [{"EmailAddress": "ola.only@example.net", "Description": "Ola Only", "SendEmail": True}]
    saved = ok(call(ada, "Save", {"AppointmentEntity": booking_body(ada, participants),
                                  "SendEmailToParticipants": True}))
    [m] = delivered(seed, mail)
    assert (m.to, m.method) == ("ola.only@example.net", "REQUEST")
    assert addresses(m.event())["ola.only@example.net"].params["CN"] == "Ola Only"
    [guest] = [p for p in saved["Participants"] if not p["AssociateId"]]
    assert guest["PersonId"] > 0 and guest["SendEmail"] is True
    again = ok(call(ada, "Save", {"AppointmentEntity": booking_body(ada, participants),
                                  "SendEmailToParticipants": True}))
    [same] = [p for p in again["Participants"] if not p["AssociateId"]]
    assert same["PersonId"] == guest["PersonId"], "one address is one person"
    assert [x.to for x in delivered(seed, mail)] == ["ola.only@example.net"]


def test_an_email_only_participant_with_a_bad_address_is_refused_and_nothing_is_saved(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    before = counts(seed)
    for address in ("not an address", "evil@example.net\r\nBcc: x@example.net"):
        participants = [{"EmailAddress": address, "SendEmail": True}]
        r = call(ada, "Save", {"AppointmentEntity": booking_body(ada, participants), "SendEmailToParticipants": True})
        assert r.status_code == 400, r.text
        assert r.json()["Error"] is True
    assert counts(seed) == before
    assert delivered(seed, mail) == []


def test_each_recipient_is_mailed_in_their_own_culture_s_language(ada: httpx.Client, seed: Seeder,
                                                                  mail: SmtpSink) -> None:
    """Kari's culture is nb-NO (the demo data), tje0 has none: the request's language (English) for him."""
    participants = [{"PersonId": kari(seed), "SendEmail": True}, {"AssociateId": ids(seed)["tje0"], "SendEmail": True}]
    ok(call(ada, "Save", {"AppointmentEntity": booking_body(ada, participants), "SendEmailToParticipants": True},
            headers={"Accept-Language": "en"}))
    subjects = {m.to: m.subject for m in delivered(seed, mail)}
    assert subjects == {"kari@example.net": "Invitasjon: Plan", "tje0@example.com": "Invitation: Plan"}


def test_so_language_beats_accept_language_for_a_recipient_without_a_culture(ada: httpx.Client, seed: Seeder,
                                                                             mail: SmtpSink) -> None:
    participants = [{"AssociateId": ids(seed)["tje0"], "SendEmail": True}]
    ok(call(ada, "Save", {"AppointmentEntity": booking_body(ada, participants), "SendEmailToParticipants": True},
            headers={"Accept-Language": "en", "SO-Language": "nb"}))
    [m] = delivered(seed, mail)
    assert (m.to, m.subject) == ("tje0@example.com", "Invitasjon: Plan")


def test_a_template_language_overrides_the_recipients_cultures(ada: httpx.Client, seed: Seeder,
                                                              mail: SmtpSink) -> None:
    entity = booking_body(ada, [{"PersonId": kari(seed), "SendEmail": True}])
    custom_save(ada, entity, SendEmailToParticipants=True, TemplateLanguage="en")
    [m] = delivered(seed, mail)
    assert (m.to, m.subject) == ("kari@example.net", "Invitation: Plan")


def test_previewing_a_change_of_a_saved_booking_leaves_it_as_it_was(ada: httpx.Client, seed: Seeder,
                                                                     mail: SmtpSink) -> None:
    saved = book(ada, seed, {"tje0": True})
    delivered(seed, mail)
    before, row = counts(seed), seed.row(saved["AppointmentId"])
    preview = ok(call(ada, "GetAppointmentEmailInvitation", {"Appointment": dict(saved, Location="Room 7"),
                                                              "TemplateName": "Cancelled", "Language": "xx"}))
    assert [a["Address"] for a in preview["To"]] == ["tje0@example.com"]
    assert preview["Subject"] == "Cancelled: Plan"
    assert counts(seed) == before and seed.row(saved["AppointmentId"]) == row
    assert ok(call(ada, "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]}))[
        "Location"] == "Room 1"
    assert delivered(seed, mail) == []


def test_deleting_every_occurrence_of_a_mailed_series_sends_one_cancel_of_the_series(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = book_weekly(ada, seed, 3)
    [invite] = delivered(seed, mail)
    first = min(ok(call(ada, "GetAppointmentRecords", {"MotherId": 0,
                                                       "RecurrenceRuleId": saved["Recurrence"]["RecurrenceId"]})),
                key=lambda r: r["StartDate"])
    ok(call(ada, "Delete", {"AppointmentId": first["AppointmentId"], "UpdateMode": "ThisAndForward",
                            "SendEmailToParticipants": True}))
    [m] = delivered(seed, mail)
    event = m.event()
    assert (m.to, m.method, str(event["STATUS"])) == ("tje0@example.com", "CANCEL", "CANCELLED")
    assert (event["UID"], event["SEQUENCE"]) == (invite.event()["UID"], 1)
    assert "RECURRENCE-ID" not in event
