"""The $filter parser on its own: any text is a condition or a 400, and the date keywords are the right days."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sodiary.domain.query import AllOf, AnyOf, Compare, Not, matches
from sodiary.wire.errors import ApiError
from sodiary.wire.filter import FilterContext, parse_filter
from sodiary.wire.rest.collections import APPOINTMENT_COLUMNS
from sodiary.wire.timefmt import parse_iso


def context(today: date = date(2026, 12, 2)) -> FilterContext:  # a Wednesday
    return FilterContext(APPOINTMENT_COLUMNS, 7, today, lambda wall: wall, lambda text: parse_iso(text, "$filter"))


WORDS = st.sampled_from(["title", "date", "associateId", "type", "eq", "begins", "between", "oneOf", "and", "or",
                         "not", "(", ")", ",", "'x'", "'2026-01-01'", "12", "-3", "today", "thisWeek",
                         "currentAssociate", "startswith", "inDiary", "'", "%", "\"q\""])


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=12).map(" ".join) | st.text(max_size=40))
def test_any_text_is_a_condition_or_a_400_naming_a_position(text: str) -> None:
    try:
        parse_filter(text, context())
    except ApiError as exc:
        assert exc.status == 400
        assert 1 <= int(exc.params["position"]) <= len(text) + 1


def test_this_week_runs_from_monday_to_the_next_monday() -> None:
    node = parse_filter("date thisWeek", context())
    assert node == AllOf((Compare("start_date", "ge", (datetime(2026, 11, 30),)),
                          Compare("start_date", "lt", (datetime(2026, 12, 7),))))


def test_this_quarter_and_last_month_cross_the_year_as_the_calendar_does() -> None:
    node = parse_filter("date thisQuarter or date lastMonth", context(date(2027, 1, 15)))
    assert isinstance(node, AnyOf)
    quarter, month = node.parts
    assert quarter == AllOf((Compare("start_date", "ge", (datetime(2027, 1, 1),)),
                             Compare("start_date", "lt", (datetime(2027, 4, 1),))))
    assert month == AllOf((Compare("start_date", "ge", (datetime(2026, 12, 1),)),
                           Compare("start_date", "lt", (datetime(2027, 1, 1),))))


def test_current_associate_is_the_caller_and_enums_take_names_or_numbers() -> None:
    assert parse_filter("associateId currentAssociate", context()) == Compare("associate_id", "eq", (7,))
    assert parse_filter("type eq inDiary", context()) == parse_filter("type eq 1", context())


def test_and_binds_tighter_than_or_and_not_negates() -> None:
    node = parse_filter("not title eq 'a' or title eq 'b' and isFree eq true", context())
    assert isinstance(node, AnyOf)
    assert isinstance(node.parts[0], Not) and isinstance(node.parts[1], AllOf)


@pytest.mark.parametrize(("row", "expected"), [
    ({"title": "Budget Review", "is_free": True}, True),
    ({"title": "budget", "is_free": False}, False),
    ({"title": None, "is_free": True}, False),
])
def test_matches_reads_a_condition_as_the_database_would(row: dict[str, object], expected: bool) -> None:
    node = parse_filter("title begins 'BUDGET ' and isFree eq true", context())
    assert matches(node, row) is expected
