"""Answers from any calendar (issue 15): sodiary mails a REQUEST to a real SMTP server, a reply is built from
that very message as Outlook, Google, Apple and Thunderbird would write it, and UpdateAppointmentFromIcsResponse
lands it on the participant's row through the same transitions as Accept, SetSeen and Reject — both engines.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sodiary.domain.enums import AppointmentStatus as S
from tests.e2e import test_mail as tm
from tests.e2e.mail_support import Received, SmtpSink, mail_env
from tests.support.seed import Seeder

TJE = "tje0@example.com"


@pytest.fixture(scope="module")
def server_env(sink: SmtpSink) -> dict[str, str]:
    return dict(mail_env(sink.url), SODIARY_TIME_ZONE="Europe/Oslo")


def invited(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> tuple[int, Received]:
    """ada books tje0 with an e-mail invitation: tje0's row and the REQUEST tje0 got."""
    saved = tm.book(ada, seed, {"tje0": True})
    [m] = tm.delivered(seed, mail)
    return tm.child_of(seed, saved["AppointmentId"], "tje0"), m


def reply(request: Received, partstat: str, *, client: str = "outlook", attendee: str = TJE, comment: str = "",
          sequence: int | None = None, dtstamp: str = "", recurrence_id: str = "") -> bytes:
    """A REPLY to `request` as `client` writes one: each has its own habits, all of them legal or common."""
    event = request.event()
    uid = str(event["UID"])
    seq = int(event["SEQUENCE"]) if sequence is None else sequence
    stamp = dtstamp or datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    start = event.decoded("DTSTART").astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "METHOD:REPLY", "VERSION:2.0"]
    if client == "outlook":
        lines += ["PRODID:Microsoft Exchange Server 2010", "BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time",
                  "BEGIN:STANDARD", "DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100",
                  "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10", "END:STANDARD", "BEGIN:DAYLIGHT",
                  "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
                  "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE"]
    elif client == "google":
        lines += ["PRODID:-//Google Inc//Google Calendar 70.9054//EN", "CALSCALE:GREGORIAN"]
    elif client == "apple":
        lines += ["PRODID:-//Apple Inc.//iPhone OS 17.0//EN", "CALSCALE:GREGORIAN"]
    else:
        lines += ["PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN"]
    lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{stamp}", f"SEQUENCE:{seq}", f"DTSTART:{start}"]
    if recurrence_id:
        lines.append(recurrence_id)
    if client == "outlook":
        # Upper-case MAILTO, no ORGANIZER or SUMMARY (iTIP allows both), Exchange's own properties.
        lines += [f"ATTENDEE;PARTSTAT={partstat};CN=Tore Jensen:MAILTO:{attendee.upper()}",
                  "X-MICROSOFT-CDO-APPT-SEQUENCE:0", "X-MS-OLK-AUTOSTARTCHECK:FALSE"]
    elif client == "google":
        lines += [f"ORGANIZER;CN=Ada:mailto:{request.message['Reply-To'] or 'ada@example.com'}",
                  f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee};",
                  f" X-NUM-GUESTS=0:mailto:{attendee}", "SUMMARY:Plan"]
    elif client == "apple":
        lines += [f"ATTENDEE;CN=\"Tore Jensen\";PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:Mailto:{attendee}",
                  "SUMMARY:Plan"]
    else:
        # Thunderbird folds with a TAB, which RFC 5545 allows as well as a space.
        lines += [f"ATTENDEE;RSVP=FALSE;PARTSTAT={partstat};ROLE=REQ-PARTICIPANT:", f"\tmailto:{attendee}"]
    if comment:
        lines.append(f"COMMENT:{comment}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines).encode()


def answer(client: httpx.Client, data: bytes, email: str = TJE) -> httpx.Response:
    return tm.call(client, "UpdateAppointmentFromIcsResponse",
                   {"EmailAddress": email, "IcsData": base64.b64encode(data).decode()})


def row(seed: Seeder, appointment_id: int) -> dict[str, Any]:
    with seed.engine.connect() as conn:
        return dict(conn.execute(text("SELECT status, reject_reason FROM appointment WHERE appointment_id = :i"),
                                 {"i": appointment_id}).mappings().one())


def history(seed: Seeder, appointment_id: int) -> list[tuple[str, str]]:
    with seed.engine.connect() as conn:
        return [(r[0], r[1]) for r in conn.execute(text(
            "SELECT operation, scheme FROM answer_history WHERE appointment_id = :i ORDER BY answer_id"),
            {"i": appointment_id})]


@pytest.mark.parametrize("client", ["outlook", "google", "apple", "thunderbird"])
def test_an_accepted_reply_from_each_calendar_client_accepts_the_invitation_as_accept_would(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink, client: str) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "ACCEPTED", client=client))) is True
    assert row(seed, child)["status"] == S.NotStarted
    assert history(seed, child) == [("Accept", "iMIP")]


def test_a_declined_reply_rejects_with_the_comment_as_the_reason(ada: httpx.Client, seed: Seeder,
                                                                 mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "DECLINED", client="google", comment="Away\\, sorry"))) is True
    assert row(seed, child) == {"status": S.BookingDeclined, "reject_reason": "Away, sorry"}
    assert history(seed, child) == [("Reject", "iMIP")]


def test_a_tentative_reply_marks_the_invitation_seen(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "TENTATIVE", client="apple"))) is True
    assert row(seed, child)["status"] == S.BookingSeen


def test_a_needs_action_reply_answers_true_and_changes_nothing(ada: httpx.Client, seed: Seeder,
                                                               mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    before = row(seed, child)
    assert tm.ok(answer(ada, reply(request, "NEEDS-ACTION"))) is True
    assert row(seed, child) == before
    assert history(seed, child) == []


@pytest.mark.parametrize("partstat", ["DELEGATED", "COUNTER"])
def test_a_delegated_or_unknown_partstat_answers_false_and_changes_nothing(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink, partstat: str) -> None:
    child, request = invited(ada, seed, mail)
    before = row(seed, child)
    assert tm.ok(answer(ada, reply(request, partstat))) is False
    assert row(seed, child) == before


def test_a_reply_to_an_older_sequence_is_ignored(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    with seed.engine.begin() as conn:
        conn.execute(text("UPDATE invitation SET event_sequence = 2 WHERE event_uid = :u"),
                     {"u": str(request.event()["UID"])})
    before = row(seed, child)
    assert tm.ok(answer(ada, reply(request, "DECLINED", sequence=1))) is True
    assert row(seed, child) == before


def test_a_reply_of_the_same_sequence_stamped_before_the_request_is_ignored(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    before = row(seed, child)
    assert tm.ok(answer(ada, reply(request, "DECLINED", dtstamp="20000101T000000Z"))) is True
    assert row(seed, child) == before


def test_the_attendee_address_matches_in_any_case(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "ACCEPTED", client="apple", attendee="Tje0@Example.COM"),
                        email="TJE0@example.com")) is True
    assert row(seed, child)["status"] == S.NotStarted


def test_a_reply_for_a_uid_never_sent_answers_false(ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    _, request = invited(ada, seed, mail)
    data = reply(request, "ACCEPTED").replace(str(request.event()["UID"]).encode(), b"never-sent@elsewhere")
    assert tm.ok(answer(ada, data)) is False


def test_a_reply_from_someone_never_invited_answers_false_and_changes_nothing(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    before = row(seed, child)
    assert tm.ok(answer(ada, reply(request, "DECLINED", attendee="ben@example.com"), email="ben@example.com")) is False
    assert row(seed, child) == before


def test_an_email_address_other_than_the_replys_attendee_answers_false(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "ACCEPTED"), email="ben@example.com")) is False
    assert row(seed, child)["status"] != S.NotStarted


def test_someone_neither_organiser_nor_attendee_cannot_apply_a_reply(
        ada: httpx.Client, ben: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(ben, reply(request, "DECLINED"))) is False
    assert row(seed, child)["status"] != S.BookingDeclined


def test_the_attendee_may_hand_in_their_own_reply(ada: httpx.Client, tje0: httpx.Client, seed: Seeder,
                                                  mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    assert tm.ok(answer(tje0, reply(request, "ACCEPTED", client="thunderbird"))) is True
    assert row(seed, child)["status"] == S.NotStarted


@pytest.mark.parametrize("data", [b"not a calendar", b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
                                  b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"])
def test_data_that_is_no_reply_is_a_400_in_superoffices_shape(ada: httpx.Client, seed: Seeder, data: bytes) -> None:
    r = answer(ada, data)
    assert r.status_code == 400, r.text
    assert r.json()["Error"] is True
    assert r.json()["ErrorType"] == "InvalidOperationException"
    assert "REPLY" in r.json()["ErrorMessage"] or "iCalendar" in r.json()["ErrorMessage"]


def test_ics_data_that_is_not_base64_is_a_400(ada: httpx.Client, seed: Seeder) -> None:
    r = tm.call(ada, "UpdateAppointmentFromIcsResponse", {"EmailAddress": TJE, "IcsData": "%%% not base64"})
    assert r.status_code == 400, r.text


def test_a_reply_with_recurrence_id_this_and_future_answers_the_following_occurrences(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved = tm.book_weekly(ada, seed, 3)
    [series] = tm.delivered(seed, mail)  # one event with RRULE: the second occurrence is its second start
    start = tm.series_starts(series.event())[1].astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = reply(series, "DECLINED", recurrence_id=f"RECURRENCE-ID;RANGE=THISANDFUTURE:{start}")
    assert tm.ok(answer(ada, data)) is True
    rule = saved["Recurrence"]["RecurrenceId"]
    with seed.engine.connect() as conn:
        statuses = [r[0] for r in conn.execute(text(
            "SELECT status FROM appointment WHERE recurrence_rule_id = :r AND associate_id = :a ORDER BY start_date"),
            {"r": rule, "a": tm.ids(seed)["tje0"]})]
    assert statuses[1:] == [S.BookingDeclined, S.BookingDeclined]
    assert statuses[0] != S.BookingDeclined


def test_a_recurrence_id_naming_no_occurrence_answers_false(ada: httpx.Client, seed: Seeder,
                                                            mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    data = reply(request, "ACCEPTED", recurrence_id="RECURRENCE-ID:20990101T000000Z")
    assert tm.ok(answer(ada, data)) is False
    assert row(seed, child)["status"] != S.NotStarted


def test_get_uid_from_appointment_id_finds_the_invitation_uid_through_the_mother(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    uid = str(request.event()["UID"])
    assert tm.ok(tm.call(ada, "GetUIDFromAppointmentId", {"AppointmentId": child, "UseMotherId": True})) == uid
    assert tm.ok(tm.call(ada, "GetUIDFromAppointmentId", {"AppointmentId": child, "UseMotherId": False})) is None


def test_get_uid_from_appointment_id_of_another_users_private_row_is_null(
        ada: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    entity = tm.booking_body(ada, [], Private="PrivateUser")
    created = tm.ok(tm.call(ada, "CreateAppointmentForUID", {"AppointmentEntity": entity, "UID": "private-1@import"}))
    body = {"AppointmentId": created["AppointmentId"], "UseMotherId": True}
    assert tm.ok(tm.call(ada, "GetUIDFromAppointmentId", body)) == "private-1@import"
    assert tm.ok(tm.call(ben, "GetUIDFromAppointmentId", body)) is None


def test_create_appointment_for_uid_creates_once_and_answers_null_for_a_taken_uid(
        ada: httpx.Client, seed: Seeder) -> None:
    entity = tm.booking_body(ada, [], Title="Imported")
    created = tm.ok(tm.call(ada, "CreateAppointmentForUID", {"AppointmentEntity": entity, "uid": "imp-1@outlook"}))
    assert created["AppointmentId"] > 0 and created["Title"] == "Imported"
    again = tm.call(ada, "CreateAppointmentForUID", {"AppointmentEntity": entity, "UID": "imp-1@outlook"})
    assert again.status_code == 200 and again.json() is None
    with seed.engine.connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM appointment WHERE title = 'Imported'")).scalar_one()
    assert count == 1


def test_get_appointment_from_uid_answers_the_booking_of_a_sent_invitation(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = invited(ada, seed, mail)
    found = tm.ok(tm.call(ada, "GetAppointmentFromUID", {"UID": str(request.event()["UID"])}))
    with seed.engine.connect() as conn:
        mother = conn.execute(text("SELECT mother_id FROM appointment WHERE appointment_id = :i"),
                              {"i": child}).scalar_one()
    assert found["AppointmentId"] == mother


def test_get_appointment_from_an_unknown_uid_answers_a_default_entity(ada: httpx.Client, seed: Seeder) -> None:
    found = tm.ok(tm.call(ada, "GetAppointmentFromUID", {"UID": "unknown@nowhere"}))
    assert found["AppointmentId"] == 0


def test_get_appointment_from_the_uid_of_another_users_private_row_answers_a_default_entity(
        ada: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    entity = tm.booking_body(ada, [], Private="PrivateUser", Title="Doctor")
    tm.ok(tm.call(ada, "CreateAppointmentForUID", {"AppointmentEntity": entity, "UID": "private-2@import"}))
    assert tm.ok(tm.call(ada, "GetAppointmentFromUID", {"UID": "private-2@import"}))["Title"] == "Doctor"
    seen = tm.ok(tm.call(ben, "GetAppointmentFromUID", {"UID": "private-2@import"}))
    assert seen["AppointmentId"] == 0 and seen["Title"] != "Doctor"


def test_an_empty_uid_is_a_400(ada: httpx.Client, seed: Seeder) -> None:
    assert tm.call(ada, "GetAppointmentFromUID", {"UID": ""}).status_code == 400


# --- Replies from external attendees (a person with an address and no diary) ---------------------------

KARI = "kari@example.net"


def external_booking(ada: httpx.Client, seed: Seeder, mail: SmtpSink,
                     **changes: Any) -> tuple[dict[str, Any], list[Received]]:
    """ada books Kari (an external person) and tje0, mailing both: the booking and Kari's REQUESTs."""
    participants = [{"PersonId": tm.kari(seed), "SendEmail": True},
                    {"AssociateId": tm.ids(seed)["tje0"], "SendEmail": True}]
    body = {"AppointmentEntity": tm.booking_body(ada, participants, **changes), "SendEmailToParticipants": True}
    saved = tm.ok(tm.call(ada, "Save", body))
    received = sorted((m for m in tm.delivered(seed, mail) if m.to == KARI), key=lambda m: m.event().decoded("DTSTART"))
    return saved, received


def kari_rows(seed: Seeder, mother_id: int = 0, rule_id: int = 0) -> list[dict[str, Any]]:
    with seed.engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(
            "SELECT appointment_id, status, reject_reason FROM appointment WHERE associate_id = 0 "
            "AND invited_person_id = :p AND (mother_id = :m OR (:r <> 0 AND recurrence_rule_id = :r)) "
            "AND mother_id <> appointment_id ORDER BY start_date"),
            {"p": tm.kari(seed), "m": mother_id, "r": rule_id}).mappings()]


@pytest.mark.parametrize("client", ["outlook", "google"])
def test_an_external_attendees_accepting_reply_accepts_their_participant_row(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink, client: str) -> None:
    saved, [request] = external_booking(ada, seed, mail)
    assert tm.ok(answer(ada, reply(request, "ACCEPTED", client=client, attendee=KARI), email=KARI)) is True
    [kari] = kari_rows(seed, saved["AppointmentId"])
    assert kari["status"] == S.NotStarted
    assert history(seed, kari["appointment_id"]) == [("Accept", "iMIP")]
    tje = tm.child_of(seed, saved["AppointmentId"], "tje0")
    assert row(seed, tje)["status"] == S.Booking
    shown = tm.ok(ada.post(tm.AGENT + "GetAppointmentEntity", params={"appointmentEntityId": saved["AppointmentId"]}))
    [kari_participant] = [p for p in shown["Participants"] if p.get("PersonId") == tm.kari(seed)]
    assert kari_participant["InvitationStatus"] == "Accepted"


def test_an_external_attendees_decline_keeps_the_comment_as_the_reason(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved, [request] = external_booking(ada, seed, mail)
    data = reply(request, "DECLINED", client="apple", attendee=KARI, comment="On holiday")
    assert tm.ok(answer(ada, data, email=KARI)) is True
    [kari] = kari_rows(seed, saved["AppointmentId"])
    assert (kari["status"], kari["reject_reason"]) == (S.BookingDeclined, "On holiday")


def test_only_the_organiser_hands_in_an_external_attendees_reply(
        ada: httpx.Client, tje0: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    saved, [request] = external_booking(ada, seed, mail)
    assert tm.ok(answer(tje0, reply(request, "ACCEPTED", attendee=KARI), email=KARI)) is False
    [kari] = kari_rows(seed, saved["AppointmentId"])
    assert kari["status"] == S.Booking
    assert history(seed, kari["appointment_id"]) == []


def test_an_external_attendees_this_and_future_decline_answers_only_their_later_occurrences(
        ada: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    start = datetime(2034, 5, 1, 9, 0) + timedelta(days=next(tm._day) * 7)
    recurrence = {"IsRecurrence": True, "Pattern": "Weekly", "RecurrenceEndType": "Counter", "RecurrenceCounter": 3,
                  "WeekPattern": {"Cycle": 1, "Weekdays": start.strftime("%A")}}
    saved, requests = external_booking(ada, seed, mail, StartDate=start.isoformat(),
                                EndDate=(start + timedelta(hours=1)).isoformat(), Recurrence=recurrence)
    rule = saved["Recurrence"]["RecurrenceId"]
    with seed.engine.connect() as conn:
        before = [r[0] for r in conn.execute(text(
            "SELECT status FROM appointment WHERE recurrence_rule_id = :r AND associate_id = :a ORDER BY start_date"),
            {"r": rule, "a": tm.ids(seed)["tje0"]})]
    [series] = requests  # one event with RRULE: the second occurrence is its second start
    uid = str(series.event()["UID"])
    stamp = tm.series_starts(series.event())[1].astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    data = "\r\n".join([
        "BEGIN:VCALENDAR", "METHOD:REPLY", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}", "SEQUENCE:0",
        f"RECURRENCE-ID;RANGE=THISANDFUTURE:{stamp}", f"ATTENDEE;PARTSTAT=DECLINED:mailto:{KARI}",
        "END:VEVENT", "END:VCALENDAR", ""]).encode()
    assert tm.ok(answer(ada, data, email=KARI)) is True
    assert [r["status"] for r in kari_rows(seed, rule_id=rule)] == [S.Booking, S.BookingDeclined, S.BookingDeclined]
    with seed.engine.connect() as conn:
        after = [r[0] for r in conn.execute(text(
            "SELECT status FROM appointment WHERE recurrence_rule_id = :r AND associate_id = :a ORDER BY start_date"),
            {"r": rule, "a": tm.ids(seed)["tje0"]})]
    assert after == before
