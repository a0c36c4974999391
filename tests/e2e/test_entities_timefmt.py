"""The wire's datetime, TimeSpan and flags formats (pure functions, no server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sodiary.domain.enums import TableRight, Weekday
from sodiary.wire.carriers.entity import flags_text, flags_value
from sodiary.wire.errors import ApiError
from sodiary.wire.timefmt import MIN_DATE, TimeContext, base_zone, parse_span, render_span

OSLO = base_zone("Europe/Oslo")
EAST = timezone(timedelta(hours=1))


@pytest.mark.parametrize("text,seconds", [
    ("00:00:00", 0), ("P0D", 0), ("PT15M", 900), ("PT1H30M", 5400), ("00:15", 900), ("1.02:03:04", 93784),
    ("00:15:00.500", 900), ("P1DT2H", 93600), ("", 0), (None, 0), ("-00:10:00", -600),
])
def test_timespans_in_every_shape_the_clients_send(text: str | None, seconds: int) -> None:
    assert parse_span(text, "LeadTime") == seconds


@pytest.mark.parametrize("text", ["soon", "P", "PT", "12", "99999:00:00", "P2Y"])
def test_unreadable_timespans_are_a_400(text: str) -> None:
    with pytest.raises(ApiError) as err:
        parse_span(text, "LeadTime")
    assert err.value.status == 400


def test_timespans_go_out_as_hh_mm_ss() -> None:
    assert [render_span(s) for s in (0, 900, 93784)] == ["00:00:00", "00:15:00", "1.02:03:04"]


def test_utc_instants_are_stored_as_base_zone_wall_clock() -> None:
    tc = TimeContext(OSLO, OSLO)
    assert tc.parse("2031-06-02T08:00:00.000Z", "StartDate") == datetime(2031, 6, 2, 10, 0)
    assert tc.parse("2031-01-02T08:00:00+00:00", "StartDate") == datetime(2031, 1, 2, 9, 0)
    assert tc.parse("2031-01-02T09:00:00", "StartDate") == datetime(2031, 1, 2, 9, 0)


def test_naive_text_is_read_and_written_in_the_view_zone() -> None:
    tc = TimeContext(UTC, EAST)
    assert tc.render(datetime(2031, 1, 2, 9, 0)) == "2031-01-02T10:00:00"
    assert tc.parse("2031-01-02T10:00:00", "StartDate") == datetime(2031, 1, 2, 9, 0)
    assert tc.render_utc(None) == MIN_DATE


def test_javascript_sentinels_clamp_to_the_ends_of_the_calendar() -> None:
    tc = TimeContext(UTC, UTC)
    assert tc.parse("0000-12-31T23:06:32.000Z", "UpdatedDate") == datetime(1, 1, 1)
    assert tc.parse("+010000-01-01T04:59:59.000Z", "PublishTo") == datetime(9999, 12, 31, 23, 59, 59)


@pytest.mark.parametrize("text", ["tomorrow", "2031-02-30T10:00:00", "2031-01-01T10:00:00+25:00", "2031-1-1"])
def test_unreadable_datetimes_are_a_400(text: str) -> None:
    with pytest.raises(ApiError) as err:
        TimeContext(UTC, UTC).parse(text, "StartDate")
    assert err.value.status == 400


def test_flags_are_comma_separated_names_out_and_numbers_or_names_in() -> None:
    assert flags_text(17, Weekday) == "Monday, Friday"
    assert flags_text(11, TableRight) == "Select, Update, Delete"
    assert flags_text(0, Weekday) == "Unknown"
    assert flags_value(17, Weekday, "Weekdays") == 17
    assert flags_value("monday, FRIDAY", Weekday, "Weekdays") == 17
    with pytest.raises(ApiError):
        flags_value("Someday", Weekday, "Weekdays")
