"""The pure reader of an iTIP REPLY (sodiary.ical.reply): lenient where real clients are sloppy, strict where
applying the answer would mean guessing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import icalendar
import pytest

from sodiary.ical.feed import FeedEntry, feed_ics
from sodiary.ical.reply import MAX_EVENTS, MAX_ICS_BYTES, IcsError, address, parse_reply, same_address


def ics(*event: str, method: str = "REPLY", events: int = 1) -> bytes:
    body = ["BEGIN:VEVENT", "UID:u-1@sodiary", "DTSTAMP:20310101T100000Z", *event, "END:VEVENT"] * events
    return "\r\n".join(["BEGIN:VCALENDAR", f"METHOD:{method}", *body, "END:VCALENDAR", ""]).encode()


ACCEPT = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:tje0@example.com"


def test_a_minimal_reply_reads_uid_sequence_stamp_attendee_and_partstat() -> None:
    r = parse_reply(ics(ACCEPT, "SEQUENCE:3"))
    assert (r.uid, r.sequence, r.dtstamp, r.attendee) == ("u-1@sodiary", 3, datetime(2031, 1, 1, 10, tzinfo=UTC),
                                                          "tje0@example.com")
    assert [a.partstat for a in r.answers] == ["ACCEPTED"]


def test_a_missing_sequence_counts_as_zero() -> None:
    assert parse_reply(ics(ACCEPT)).sequence == 0


def test_mailto_in_any_case_is_stripped_and_addresses_compare_case_insensitively() -> None:
    assert address("MAILTO:Tje0@Example.com") == "Tje0@Example.com"
    assert address("Mailto: a@b.no ") == "a@b.no"
    assert same_address("Tje0@Example.COM", "tje0@example.com")
    assert not same_address("", "")


def test_a_comment_with_escaped_commas_and_tab_folding_reads_as_one_line() -> None:
    r = parse_reply(ics("ATTENDEE;PARTSTAT=DECLINED:MAILTO:A@B.NO", "COMMENT:Away\\, sorry\\, next", "\t week"))
    assert r.answers[0].comment == "Away, sorry, next week"


def test_a_windows_zone_name_in_recurrence_id_is_understood() -> None:
    r = parse_reply(ics(ACCEPT, "RECURRENCE-ID;TZID=W. Europe Standard Time;RANGE=THISANDFUTURE:20310615T100000"))
    [a] = r.answers
    assert a.recurrence_id == datetime(2031, 6, 15, 8, tzinfo=UTC)
    assert a.this_and_future


def test_an_all_day_recurrence_id_is_a_date() -> None:
    [a] = parse_reply(ics(ACCEPT, "RECURRENCE-ID;VALUE=DATE:20310615")).answers
    assert (a.recurrence_id, a.recurrence_date, a.this_and_future) == (None, date(2031, 6, 15), False)


def test_unknown_x_properties_are_ignored() -> None:
    r = parse_reply(ics(ACCEPT, "X-MICROSOFT-CDO-APPT-SEQUENCE:0", "X-MS-OLK-AUTOSTARTCHECK:FALSE"))
    assert r.answers[0].partstat == "ACCEPTED"


@pytest.mark.parametrize(("data", "why"), [
    (b"hello", "iCalendar"),
    (ics(ACCEPT, method="REQUEST"), "REQUEST"),
    (ics(ACCEPT, method=""), "missing"),
    (b"BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n", "no VEVENT"),
    (ics("SUMMARY:x"), "no ATTENDEE"),
    (ics("ATTENDEE:mailto:a@b.no"), "PARTSTAT"),
    (ics("ATTENDEE;PARTSTAT=ACCEPTED:urn:uuid:1"), "e-mail"),
    (ics(ACCEPT, "ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@y.no"), "exactly one"),
    (ics(ACCEPT, "SEQUENCE:x"), "SEQUENCE"),
    (ics(ACCEPT, "SEQUENCE:-1"), "SEQUENCE"),
])
def test_data_that_is_no_applicable_reply_is_refused_with_a_reason(data: bytes, why: str) -> None:
    with pytest.raises(IcsError, match=why):
        parse_reply(data)


def test_a_reply_without_uid_is_refused() -> None:
    data = ics(ACCEPT).replace(b"UID:u-1@sodiary\r\n", b"")
    with pytest.raises(IcsError, match="UID"):
        parse_reply(data)


def test_too_many_vevents_are_refused() -> None:
    with pytest.raises(IcsError, match="more than"):
        parse_reply(ics(ACCEPT, events=MAX_EVENTS + 1))


def test_data_larger_than_the_limit_is_refused_before_parsing() -> None:
    with pytest.raises(IcsError, match="larger"):
        parse_reply(b"X" * (MAX_ICS_BYTES + 1))


def test_deeply_folded_lines_still_parse() -> None:
    folded = "ATTENDEE;PARTSTAT=ACCEPTED:mailto:" + "\r\n ".join("tje0@example.com")
    assert parse_reply(ics(folded)).attendee == "tje0@example.com"


def test_the_feed_is_a_published_calendar_with_utc_events_and_the_users_partstat() -> None:
    entries = [
        FeedEntry(uid="a@sodiary", dtstamp=datetime(2031, 1, 1, tzinfo=UTC), start=datetime(2031, 2, 1, 8, tzinfo=UTC),
                  end=datetime(2031, 2, 1, 9, tzinfo=UTC), summary="Own"),
        FeedEntry(uid="b@sodiary", dtstamp=datetime(2031, 1, 1, tzinfo=UTC), start_date=date(2031, 2, 2),
                  end_date=date(2031, 2, 3), summary="Invited", partstat="NEEDS-ACTION", private=True),
    ]
    cal = icalendar.Calendar.from_ical(feed_ics(entries, "sodiary"))
    assert "METHOD" not in cal
    own, invited = cal.walk("VEVENT")
    assert own.decoded("DTSTART") == datetime(2031, 2, 1, 8, tzinfo=UTC)
    assert "ATTENDEE" not in own and str(own["TRANSP"]) == "OPAQUE"
    assert invited.decoded("DTSTART") == date(2031, 2, 2)
    assert invited["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    assert (str(invited["CLASS"]), str(invited["TRANSP"])) == ("PRIVATE", "TRANSPARENT")
