"""Mail in (issue 15): whole e-mails handed in at POST /api/v1/Sodiary/Mail or piped to `sodiary mail receive`.
An external organiser's REQUEST becomes an invitation in the user's inbox that CreateAndAccept(…) and
DeclineInvitationFromEmailItem answer, with an iMIP REPLY to the organiser through the real SMTP server; a
CANCEL from that organiser cancels it; a REPLY to our own invitation lands on the participant — both engines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from tests.e2e import test_ical as ti
from tests.e2e import test_mail as tm
from tests.e2e.mail_support import SmtpSink, mail_env
from tests.support.seed import Seeder
from tests.support.server import LiveServer

ORGANISER = "olga@partner.example"
BEN = "ben@example.com"
MAIL = "/api/v1/Sodiary/Mail"
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture(scope="module")
def server_env(sink: SmtpSink) -> dict[str, str]:
    # tje0 stands for the MTA's account: the only user who may hand in whole e-mails.
    return dict(mail_env(sink.url), SODIARY_TIME_ZONE="Europe/Oslo", SODIARY_MAIL_INTAKE_USERS="tje0")


_week = iter(range(1, 1000))


def a_start() -> datetime:
    """A UTC instant in a week of its own, 2032 on."""
    return datetime(2032, 2, 2, 8, 0, tzinfo=UTC) + timedelta(weeks=next(_week))


def request_ics(uid: str, start: datetime, *, sequence: int = 0, method: str = "REQUEST", title: str = "Partner sync",
                organiser: str = ORGANISER, attendees: tuple[str, ...] = (BEN,), stamp: datetime | None = None) -> str:
    """An organiser's REQUEST (or CANCEL) as Google Calendar writes one."""
    fmt = "%Y%m%dT%H%M%SZ"
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0",
             "CALSCALE:GREGORIAN", f"METHOD:{method}", "BEGIN:VEVENT",
             f"DTSTART:{start.strftime(fmt)}", f"DTEND:{(start + timedelta(hours=1)).strftime(fmt)}",
             f"DTSTAMP:{(stamp or datetime.now(UTC)).strftime(fmt)}", f"ORGANIZER;CN=Olga Partner:mailto:{organiser}",
             f"UID:{uid}"]
    lines += [f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN={a}:mailto:{a}"
              for a in attendees]
    lines += [f"SEQUENCE:{sequence}", f"SUMMARY:{title}", "LOCATION:Video call",
              "STATUS:CANCELLED" if method == "CANCEL" else "STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def message(ics: str, *, attached: bool = False, sender: str = ORGANISER) -> bytes:
    """A whole e-mail: text and text/calendar alternatives (Google, Outlook), or the calendar only as a
    base64 .ics attachment of a multipart/mixed (Apple Mail forwarding, some Android clients)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, BEN, "Invitation"
    msg["Message-ID"] = f"<{uuid.uuid4()}@partner.example>"
    if attached:
        msg.set_content("See the attached invitation.")
        msg.add_attachment(ics.encode(), maintype="application", subtype="octet-stream", filename="invite.ics")
    else:
        msg.set_content("You are invited.")
        method = "CANCEL" if "METHOD:CANCEL" in ics else "REPLY" if "METHOD:REPLY" in ics else "REQUEST"
        msg.add_alternative(ics.encode(), maintype="text", subtype="calendar", params={"method": method})
    return bytes(msg)


def hand_in(client: httpx.Client, raw: bytes) -> httpx.Response:
    return client.post(MAIL, content=raw, headers={"Content-Type": "message/rfc822"})


def items(client: httpx.Client) -> dict[str, dict[str, Any]]:
    r = client.get("/api/v1/Sodiary/EmailItem")
    assert r.status_code == 200, r.text
    return {i["UID"]: i for i in r.json()}


def invite_ben(tje0: httpx.Client, ben: httpx.Client, **kwargs: Any) -> tuple[str, datetime, dict[str, Any]]:
    uid, start = f"{uuid.uuid4()}@partner.example", a_start()
    r = hand_in(tje0, message(request_ics(uid, start), **kwargs))
    assert r.status_code == 200, r.text
    assert (r.json()["Method"], r.json()["Applied"], r.json()["Recipients"]) == ("REQUEST", True, 1)
    return uid, start, items(ben)[uid]


def diary_at(ben: httpx.Client, start: datetime) -> list[dict[str, Any]]:
    window = {"StartTime": (start - timedelta(minutes=1)).isoformat(), "EndTime": (start + timedelta(minutes=1))
              .isoformat(), "Count": -1}
    listed = tm.ok(ben.post(tm.AGENT + "GetMyDiary", json=window, headers={"SO-TimeZone": "UTC, includeTZOffset"}))
    return [a for a in listed if datetime.fromisoformat(a["StartDate"]) == start]


@pytest.mark.parametrize("attached", [False, True])
def test_an_external_organisers_request_becomes_a_pending_invitation_in_the_users_inbox(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder, attached: bool) -> None:
    uid, start, item = invite_ben(tje0, ben, attached=attached)
    assert (item["Status"], item["Title"], item["OrganizerEmail"]) == ("pending", "Partner sync", ORGANISER)
    assert datetime.fromisoformat(item["StartDate"]) == start
    assert diary_at(ben, start) == []  # nothing in the diary until the user accepts


def test_create_and_accept_with_email_confirmation_puts_it_in_the_diary_and_mails_the_organiser_a_reply(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    uid, start, item = invite_ben(tje0, ben)
    r = tm.call(ben, "CreateAndAcceptWithEmailConfirmation", {"EmailItemId": item["EmailItemId"],
                                                              "UpdateMode": "OnlyThis"})
    assert r.status_code == 204, r.text
    [booked] = diary_at(ben, start)
    assert (booked["Title"], booked["Location"]) == ("Partner sync", "Video call")
    assert items(ben)[uid]["Status"] == "accepted"
    [sent] = tm.delivered(seed, mail)
    assert (sent.to, sent.method) == (ORGANISER, "REPLY")
    event = sent.event()
    assert str(event["UID"]) == uid
    attendee = event["ATTENDEE"]
    assert str(attendee).lower() == f"mailto:{BEN}" and attendee.params["PARTSTAT"] == "ACCEPTED"


def test_create_and_accept_mails_nobody_and_accepting_twice_makes_one_appointment(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    uid, start, item = invite_ben(tje0, ben)
    for _ in range(2):
        assert tm.call(ben, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]}).status_code == 204
    assert len(diary_at(ben, start)) == 1
    assert tm.delivered(seed, mail) == []


def test_decline_invitation_from_email_item_mails_a_declined_reply_with_the_reason(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    uid, start, item = invite_ben(tje0, ben)
    r = tm.call(ben, "DeclineInvitationFromEmailItem", {"EmailItemId": item["EmailItemId"],
                                                        "RejectReason": "On leave that week"})
    assert r.status_code == 204, r.text
    assert items(ben)[uid]["Status"] == "declined"
    assert diary_at(ben, start) == []
    [sent] = tm.delivered(seed, mail)
    assert sent.event()["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert "On leave that week" in sent.text()


def test_nobody_answers_another_users_invitation(tje0: httpx.Client, ben: httpx.Client, ada: httpx.Client,
                                                  seed: Seeder, mail: SmtpSink) -> None:
    uid, start, item = invite_ben(tje0, ben)
    r = tm.call(ada, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]})
    assert r.status_code == 404
    assert r.json()["ErrorType"] == "SoNotFoundException"
    assert tm.call(ada, "DeclineInvitationFromEmailItem", {"EmailItemId": 2_000_000}).status_code == 404
    assert items(ben)[uid]["Status"] == "pending"
    assert tm.delivered(seed, mail) == []


def test_the_organisers_cancel_cancels_the_invitation_and_takes_the_accepted_appointment_out(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    uid, start, item = invite_ben(tje0, ben)
    assert tm.call(ben, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]}).status_code == 204
    assert len(diary_at(ben, start)) == 1
    r = hand_in(tje0, message(request_ics(uid, start, sequence=1, method="CANCEL")))
    assert r.status_code == 200 and r.json()["Applied"] is True
    assert items(ben)[uid]["Status"] == "cancelled"
    assert diary_at(ben, start) == []
    refused = tm.call(ben, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]})
    assert refused.status_code == 400, refused.text


def test_a_cancel_from_anyone_but_the_organiser_changes_nothing(tje0: httpx.Client, ben: httpx.Client,
                                                                 seed: Seeder) -> None:
    uid, start, _ = invite_ben(tje0, ben)
    r = hand_in(tje0, message(request_ics(uid, start, sequence=5, method="CANCEL", organiser="mallory@evil.example"),
                              sender="mallory@evil.example"))
    assert r.status_code == 200 and r.json()["Applied"] is False
    assert items(ben)[uid]["Status"] == "pending"


def test_a_later_request_moves_the_accepted_appointment_and_an_older_one_is_ignored(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    uid, start, item = invite_ben(tje0, ben)
    assert tm.call(ben, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]}).status_code == 204
    later = start + timedelta(days=1, hours=2)
    assert hand_in(tje0, message(request_ics(uid, later, sequence=2, title="Partner sync (moved)"))).status_code == 200
    [moved] = diary_at(ben, later)
    assert moved["Title"] == "Partner sync (moved)"
    stale = hand_in(tje0, message(request_ics(uid, start, sequence=1, title="Old")))
    assert stale.status_code == 200 and stale.json()["Applied"] is False
    assert diary_at(ben, start) == [] and len(diary_at(ben, later)) == 1


def test_only_the_mail_intake_users_may_hand_in_mail(ben: httpx.Client, server: LiveServer, seed: Seeder) -> None:
    r = hand_in(ben, message(request_ics(f"{uuid.uuid4()}@x", a_start())))
    assert r.status_code == 403
    assert r.json()["ErrorType"] == "SoAccessDeniedException"
    with server.client() as anonymous:
        assert hand_in(anonymous, b"x").status_code == 401


def test_a_reply_mailed_in_lands_on_the_participant_as_update_appointment_from_ics_response_would(
        ada: httpx.Client, tje0: httpx.Client, seed: Seeder, mail: SmtpSink) -> None:
    child, request = ti.invited(ada, seed, mail)
    raw = message(ti.reply(request, "ACCEPTED", client="thunderbird").decode(), sender=ti.TJE)
    r = hand_in(tje0, raw)
    assert r.status_code == 200 and (r.json()["Method"], r.json()["Applied"]) == ("REPLY", True)
    assert ti.row(seed, child)["status"] == S.NotStarted
    assert ti.history(seed, child) == [("Accept", "iMIP")]


def test_sodiary_mail_receive_reads_a_message_on_standard_input(
        ada: httpx.Client, server: LiveServer, seed: Seeder, mail: SmtpSink) -> None:
    child, request = ti.invited(ada, seed, mail)
    raw = message(ti.reply(request, "DECLINED", client="outlook", comment="Conflict").decode(), sender=ti.TJE)
    done = subprocess.run([sys.executable, "-m", "sodiary.cli", "mail", "receive"], input=raw, capture_output=True,
                          env={**os.environ, "DATABASE_URL": server.database_url, "SODIARY_TIME_ZONE": "Europe/Oslo"},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert b"REPLY" in done.stdout and b"applied" in done.stdout
    assert ti.row(seed, child) == {"status": S.BookingDeclined, "reject_reason": "Conflict"}
    bad = subprocess.run([sys.executable, "-m", "sodiary.cli", "mail", "receive"], input=b"Subject: hi\r\n\r\nno ics",
                         capture_output=True, env={**os.environ, "DATABASE_URL": server.database_url}, timeout=120)
    assert bad.returncode == 65 and b"text/calendar" in bad.stderr


def nested(depth: int) -> bytes:
    head = b"Content-Type: multipart/mixed; boundary=b0\r\n\r\n"
    body = b""
    for i in range(1, depth):
        body += f"--b{i - 1}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n".encode()
    return head + body + b"--b0--\r\n"


HOSTILE = {  # the message, and a word the error must name
    "no calendar part": (b"From: x@y\r\nSubject: hi\r\n\r\nhello", "text/calendar"),
    "malformed ics": (message("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nDTSTART:notadate\r\n"),
                      "VCALENDAR"),
    "a 5 MB calendar part": (message(request_ics("big@x", datetime(2032, 1, 1, tzinfo=UTC)).replace(
        "SUMMARY:Partner sync", "SUMMARY:" + "x" * 5_000_000)), "calendar part"),
    "a 30 MB message": (message(request_ics("huge@x", datetime(2032, 1, 1, tzinfo=UTC)).replace(
        "SUMMARY:Partner sync", "SUMMARY:" + "x" * 22_000_000)), ""),
    "MIME nested 500 deep": (nested(500), "deeper"),
    "5000 VEVENTs": (message("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n" + "".join(
        f"BEGIN:VEVENT\r\nUID:{i}@x\r\nDTSTART:20320101T100000Z\r\nORGANIZER:mailto:{ORGANISER}\r\nEND:VEVENT\r\n"
        for i in range(5000)) + "END:VCALENDAR\r\n"), "500 VEVENTs"),
    "no organiser": (message(request_ics("o@x", datetime(2032, 1, 1, tzinfo=UTC)).replace(
        f"ORGANIZER;CN=Olga Partner:mailto:{ORGANISER}\r\n", "")), "ORGANIZER"),
    "deeply folded lines": (message("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:f@x\r\n"
                                    "SUMMARY:" + "\r\n a" * 100_000 + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
                            "ORGANIZER"),  # unfolded fine: the real problem is named
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_mail_is_a_400_naming_the_problem_and_changes_nothing(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder, case: str) -> None:
    raw, named = HOSTILE[case]
    before = items(ben)
    r = hand_in(tje0, raw)
    assert r.status_code == (413 if case == "a 30 MB message" else 400), r.text[:500]
    assert named in r.json()["Message"]
    assert items(ben) == before


def test_accepting_a_recurring_invitation_puts_every_occurrence_in_the_diary_and_its_cancel_takes_them_out(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    uid, start = f"{uuid.uuid4()}@partner.example", a_start()
    fmt = "%Y%m%dT%H%M%SZ"
    ics = request_ics(uid, start).replace(
        "SEQUENCE:0", f"SEQUENCE:0\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE:{(start + timedelta(weeks=2)).strftime(fmt)}")
    assert hand_in(tje0, message(ics)).status_code == 200
    item = items(ben)[uid]
    assert tm.call(ben, "CreateAndAccept", {"EmailItemId": item["EmailItemId"]}).status_code == 204
    for week, expected in ((0, 1), (1, 1), (2, 0), (3, 1)):
        assert len(diary_at(ben, start + timedelta(weeks=week))) == expected, week
    assert hand_in(tje0, message(request_ics(uid, start, sequence=1, method="CANCEL"))).json()["Applied"] is True
    assert all(diary_at(ben, start + timedelta(weeks=w)) == [] for w in range(4))


def test_an_outlook_request_with_a_windows_zone_name_is_read_at_its_instant(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    uid = f"040000008200E00074C5B7101A82E008{uuid.uuid4().hex.upper()}"
    ics = "\r\n".join([
        "BEGIN:VCALENDAR", "METHOD:REQUEST", "PRODID:Microsoft Exchange Server 2010", "VERSION:2.0",
        "BEGIN:VTIMEZONE", "TZID:W. Europe Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T030000",
        "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
        "END:STANDARD", "BEGIN:DAYLIGHT", "DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200",
        "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT", f"ORGANIZER;CN=Olga Partner:MAILTO:{ORGANISER.upper()}",
        f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Ben:MAILTO:{BEN.upper()}",
        "SUMMARY;LANGUAGE=en-US:Quarterly review", f"UID:{uid}",
        "DTSTART;TZID=W. Europe Standard Time:20320610T100000", "DTEND;TZID=W. Europe Standard Time:20320610T113000",
        "CLASS:PUBLIC", "PRIORITY:5", "DTSTAMP:20320501T080000Z", "TRANSP:OPAQUE", "STATUS:CONFIRMED",
        "SEQUENCE:0", "LOCATION;LANGUAGE=en-US:Teams", "X-MICROSOFT-CDO-APPT-SEQUENCE:0",
        "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE", "X-MS-OLK-AUTOSTARTCHECK:FALSE", "END:VEVENT", "END:VCALENDAR", ""])
    r = hand_in(tje0, message(ics))
    assert r.status_code == 200 and r.json()["Recipients"] == 1, r.text
    item = items(ben)[uid]
    assert datetime.fromisoformat(item["StartDate"]) == datetime(2032, 6, 10, 8, 0, tzinfo=UTC)  # CEST: UTC+2
    assert item["OrganizerEmail"].lower() == ORGANISER and item["Title"] == "Quarterly review"


def test_a_later_request_of_an_accepted_recurring_invitation_remakes_its_series(
        tje0: httpx.Client, ben: httpx.Client, seed: Seeder) -> None:
    uid, start = f"{uuid.uuid4()}@partner.example", a_start()

    def weekly(first: datetime, count: int, sequence: int) -> bytes:
        return message(request_ics(uid, first, sequence=sequence).replace(
            f"SEQUENCE:{sequence}", f"SEQUENCE:{sequence}\r\nRRULE:FREQ=WEEKLY;COUNT={count}"))

    assert hand_in(tje0, weekly(start, 3, 0)).status_code == 200
    assert tm.call(ben, "CreateAndAccept", {"EmailItemId": items(ben)[uid]["EmailItemId"]}).status_code == 204
    later = start + timedelta(hours=3)
    assert hand_in(tje0, weekly(later, 2, 1)).json()["Applied"] is True
    assert [len(diary_at(ben, start + timedelta(weeks=w))) for w in range(3)] == [0, 0, 0]
    assert [len(diary_at(ben, later + timedelta(weeks=w))) for w in range(3)] == [1, 1, 0]
    assert items(ben)[uid]["Status"] == "accepted"
