"""The pure parts of mail delivery: SODIARY_SMTP_URL, the backoff, the mail directory, the rendered message."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import msgspec
import pytest

from sodiary.domain.enums import RecurrencePattern, Weekday
from sodiary.ical import Attendee, Event, Method, Party, to_ics
from sodiary.ical.series import Pattern, series_rrule
from sodiary.outbox.delivery import backoff
from sodiary.outbox.mail import MailPayload, Renderer, decode, encode, language_of, valid_address
from sodiary.outbox.transport import DirectoryTransport, SmtpTransport, mail_directory, transport_for

EVENT = Event(uid="u-1@sodiary", sequence=2, dtstamp=datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC),
              organizer=Party(name="Ada Lovelace", email="ada@example.com"),
              attendees=(Attendee(name="Tore Jensen", email="tje0@example.com"),),
              start=datetime(2031, 3, 3, 8, 0, tzinfo=UTC), end=datetime(2031, 3, 3, 9, 0, tzinfo=UTC),
              summary="Plan", location="Room 1", description="Agenda")


def test_smtp_url_schemes_choose_tls_and_default_ports() -> None:
    assert SmtpTransport.from_url("smtp://mail.example.com") == SmtpTransport("mail.example.com", 25)
    assert SmtpTransport.from_url("smtps://mail.example.com").port == 465
    assert SmtpTransport.from_url("smtps://mail.example.com").use_tls
    starttls = SmtpTransport.from_url("smtp+starttls://mail.example.com")
    assert (starttls.port, starttls.start_tls, starttls.use_tls) == (587, True, False)


def test_smtp_url_user_and_password_are_unquoted_and_never_described() -> None:
    t = SmtpTransport.from_url("smtp://me%40example.com:p%3Ass@127.0.0.1:2525")
    assert (t.username, t.password, t.port) == ("me@example.com", "p:ss", 2525)
    assert "p:ss" not in t.describe() and "p%3Ass" not in t.describe()


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_an_smtp_url_that_is_not_one_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpTransport.from_url(url)


def test_backoff_doubles_and_stops_at_an_hour() -> None:
    assert [backoff(n, 30) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(seconds=60),
                                                   timedelta(seconds=120)]
    assert backoff(40, 30) == timedelta(hours=1)


def test_the_mail_directory_is_beside_the_sqlite_file_unless_set(tmp_path: Path) -> None:
    assert mail_directory(f"sqlite:///{tmp_path}/x.db", "") == tmp_path / "mail"
    assert mail_directory("postgresql://u@h/db", "") == Path("var/mail")
    assert mail_directory("postgresql://u@h/db", str(tmp_path)) == tmp_path
    assert isinstance(transport_for("", f"sqlite:///{tmp_path}/x.db", ""), DirectoryTransport)


@pytest.mark.parametrize("address,valid", [("a@example.com", True), ("a@localhost", False), ("", False),
                                           ("a b@example.com", False), ("a@example.com\r\nBcc: x@y.z", False)])
def test_only_valid_addresses_are_mailed(address: str, valid: bool) -> None:
    assert valid_address(address) is valid


def test_a_payload_renders_the_same_message_every_time() -> None:
    payload = decode(encode(MailPayload(template="new", language="en", method="REQUEST",
                                        to=Party(name="Tore Jensen", email="tje0@example.com"), event=EVENT)))
    renderer = Renderer("diary@example.org")
    created = datetime(2031, 1, 2, 3, 4, 5)
    first = renderer.render(payload, "k1", created).as_bytes(policy=email.policy.SMTP)
    again = renderer.render(payload, "k1", created).as_bytes(policy=email.policy.SMTP)
    strip = [line for line in first.split(b"\r\n") if b"boundary" not in line and not line.startswith(b"--=")]
    assert strip == [line for line in again.split(b"\r\n") if b"boundary" not in line and not line.startswith(b"--=")]
    message = email.message_from_bytes(first, policy=email.policy.default)
    assert message["Message-ID"] == "<k1@example.org>"
    assert message["Date"] == "Thu, 02 Jan 2031 03:04:05 +0000"


def test_an_all_day_event_has_dates_and_a_cancel_says_cancelled() -> None:
    allday = Event(uid="u", sequence=3, dtstamp=EVENT.dtstamp, organizer=EVENT.organizer,
                   start_date=date(2031, 3, 3), end_date=date(2031, 3, 4), cancelled=True)
    [event] = icalendar.Calendar.from_ical(to_ics(allday, Method.CANCEL)).walk("VEVENT")
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (date(2031, 3, 3), date(2031, 3, 4))
    assert (str(event["STATUS"]), event["SEQUENCE"]) == ("CANCELLED", 3)


def test_an_unknown_template_language_falls_back_to_english() -> None:
    payload = MailPayload(template="new", language="xx", method="REQUEST",
                          to=Party(name="Tore", email="tje0@example.com"), event=EVENT)
    assert Renderer("diary@example.org").render(payload, "k", datetime(2031, 1, 1))["Subject"] == "Invitation: Plan"


def test_an_operators_template_directory_comes_first(tmp_path: Path) -> None:
    (tmp_path / "mail.en.txt").write_text("Subject: Meet {{ title }}\n\nHi\n")
    payload = MailPayload(template="new", language="en", method="REQUEST",
                          to=Party(name="Tore", email="tje0@example.com"), event=EVENT)
    rendered = Renderer("diary@example.org", str(tmp_path)).render(payload, "k", datetime(2031, 1, 1))
    assert rendered["Subject"] == "Meet Plan"
    assert "<strong>Plan</strong>" in rendered.as_string(), "the built-in HTML template is still used"


# --- A series as one RRULE (sodiary/ical/series.py) ------------------------------------------------------

OSLO = ZoneInfo("Europe/Oslo")


def weekly(count: int, start: datetime = datetime(2033, 3, 3, 9, 0)) -> list[datetime]:
    return [start + timedelta(weeks=i) for i in range(count)]


def test_a_series_event_is_written_in_its_zone_with_the_rrule_exdate_and_vtimezone() -> None:
    starts = weekly(4, datetime(2034, 3, 16, 9, 0))
    rule, _ = series_rrule(Pattern(RecurrencePattern.Weekly, cycle=1, weekdays=Weekday.Thursday), starts, OSLO,
                           False) or ("", [])
    skipped = starts[1].replace(tzinfo=OSLO).astimezone(UTC)
    event = msgspec.structs.replace(EVENT, start=starts[0].replace(tzinfo=OSLO).astimezone(UTC),
                                    end=(starts[0] + timedelta(hours=1)).replace(tzinfo=OSLO).astimezone(UTC),
                                    tzid="Europe/Oslo", rrule=rule, exdates=(skipped,))
    cal = icalendar.Calendar.from_ical(to_ics(event, Method.REQUEST))
    [vevent] = cal.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Oslo" and cal.walk("VTIMEZONE")
    assert vevent.decoded("DTSTART") == starts[0].replace(tzinfo=OSLO)
    [exdate] = vevent["EXDATE"].dts
    assert exdate.dt == starts[1].replace(tzinfo=OSLO)
    assert str(vevent["RRULE"].to_ical().decode()).startswith("FREQ=WEEKLY")


def test_an_occurrence_of_a_series_carries_its_recurrence_id() -> None:
    original = datetime(2034, 3, 23, 8, 0, tzinfo=UTC)
    cal = icalendar.Calendar.from_ical(to_ics(msgspec.structs.replace(EVENT, recurrence_id=original), Method.CANCEL))
    [vevent] = cal.walk("VEVENT")
    assert vevent.decoded("RECURRENCE-ID") == original and "RRULE" not in vevent


@pytest.mark.parametrize(("culture", "language"), [("nb-NO", "no"), ("nn", "no"), ("no", "no"), ("en_GB", "en"),
                                                   ("EN", "en"), ("sv-SE", None), ("", None)])
def test_a_culture_chooses_the_templates_language(culture: str, language: str | None) -> None:
    assert language_of(culture) == language


def test_a_whole_series_is_one_calendar_with_the_master_first_and_its_overrides_after() -> None:
    moved = msgspec.structs.replace(EVENT, start=datetime(2031, 3, 10, 10, 0, tzinfo=UTC),
                                    end=datetime(2031, 3, 10, 11, 0, tzinfo=UTC),
                                    recurrence_id=datetime(2031, 3, 10, 8, 0, tzinfo=UTC),
                                    attendees=(*EVENT.attendees, Attendee(name="Ben", email="ben@example.com")))
    series = msgspec.structs.replace(EVENT, tzid="Europe/Oslo", rrule="FREQ=WEEKLY;COUNT=3", overrides=(moved,))
    master, override = icalendar.Calendar.from_ical(to_ics(series, Method.REQUEST)).walk("VEVENT")
    assert "RRULE" in master and "RECURRENCE-ID" not in master
    assert (override["UID"], override.decoded("RECURRENCE-ID")) == (master["UID"], moved.recurrence_id)
    narrowed = icalendar.Calendar.from_ical(to_ics(series, Method.REQUEST, (EVENT.attendees[0],))).walk("VEVENT")
    assert [str(v["ATTENDEE"]) for v in narrowed] == ["mailto:tje0@example.com"] * 2


def test_a_whole_series_survives_the_outbox_payload() -> None:
    series = msgspec.structs.replace(EVENT, rrule="FREQ=WEEKLY;COUNT=3", overrides=(msgspec.structs.replace(
        EVENT, recurrence_id=datetime(2031, 3, 10, 8, 0, tzinfo=UTC)),))
    payload = MailPayload(template="changed", language="en", method="REQUEST", to=EVENT.organizer, event=series)
    assert decode(encode(payload)) == payload
