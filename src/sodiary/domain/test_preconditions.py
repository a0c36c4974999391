"""The precondition rule of conditional requests (RFC 9110 §13), as the service applies it in a unit of work."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .errors import PreconditionFailed
from .preconditions import ANY, EntityTag, Outcome, Preconditions, Version, parse_tags

MODIFIED = datetime(2026, 3, 2, 10, 0, 0)
CURRENT = Version(EntityTag('"v2"'), MODIFIED)
BEFORE, AFTER = MODIFIED - timedelta(seconds=1), MODIFIED + timedelta(seconds=1)


def test_an_absent_or_blank_field_is_no_condition() -> None:
    assert parse_tags(None) is None
    assert parse_tags("  ") is None


def test_a_star_is_any() -> None:
    assert parse_tags(" * ") == ANY


def test_a_list_of_tags_keeps_each_tag_and_its_weakness() -> None:
    assert parse_tags('"a", W/"b" ,"c"') == (EntityTag('"a"'), EntityTag('"b"', weak=True), EntityTag('"c"'))


@pytest.mark.parametrize("value", ["v2", '"v2', '"v2" "v3"', '*, "v2"', 'w/"v2"'])
def test_a_malformed_list_matches_no_tag(value: str) -> None:
    assert parse_tags(value) == ()
    assert Preconditions(if_match=parse_tags(value)).outcome(CURRENT, safe=False) is Outcome.FAILED


def test_no_precondition_proceeds() -> None:
    assert Preconditions().outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_match_the_current_tag_proceeds() -> None:
    assert Preconditions(if_match=parse_tags('"v1", "v2"')).outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_match_another_tag_fails() -> None:
    assert Preconditions(if_match=parse_tags('"v1"')).outcome(CURRENT, safe=False) is Outcome.FAILED


def test_if_match_a_weak_tag_never_matches_even_the_same_opaque_tag() -> None:
    assert Preconditions(if_match=parse_tags('W/"v2"')).outcome(CURRENT, safe=False) is Outcome.FAILED


def test_if_match_star_proceeds_on_an_existing_entity() -> None:
    assert Preconditions(if_match=ANY).outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_unmodified_since_the_modification_second_proceeds() -> None:
    assert Preconditions(unmodified_since=MODIFIED).outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_unmodified_since_an_earlier_second_fails() -> None:
    assert Preconditions(unmodified_since=BEFORE).outcome(CURRENT, safe=False) is Outcome.FAILED


def test_if_match_present_ignores_if_unmodified_since() -> None:
    pre = Preconditions(if_match=parse_tags('"v2"'), unmodified_since=BEFORE)
    assert pre.outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_none_match_star_fails_a_write_to_an_existing_entity() -> None:
    assert Preconditions(if_none_match=ANY).outcome(CURRENT, safe=False) is Outcome.FAILED


def test_if_none_match_compares_weakly() -> None:
    pre = Preconditions(if_none_match=parse_tags('W/"v2"'))
    assert pre.outcome(CURRENT, safe=False) is Outcome.FAILED
    assert pre.outcome(CURRENT, safe=True) is Outcome.NOT_MODIFIED


def test_if_none_match_another_tag_proceeds() -> None:
    assert Preconditions(if_none_match=parse_tags('"v1"')).outcome(CURRENT, safe=False) is Outcome.PROCEED


def test_if_modified_since_counts_on_a_read_only() -> None:
    pre = Preconditions(modified_since=MODIFIED)
    assert pre.outcome(CURRENT, safe=True) is Outcome.NOT_MODIFIED
    assert pre.outcome(CURRENT, safe=False) is Outcome.PROCEED
    assert Preconditions(modified_since=BEFORE).outcome(CURRENT, safe=True) is Outcome.PROCEED


def test_if_none_match_present_ignores_if_modified_since() -> None:
    pre = Preconditions(if_none_match=parse_tags('"v1"'), modified_since=AFTER)
    assert pre.outcome(CURRENT, safe=True) is Outcome.PROCEED


def test_a_failed_if_match_wins_over_a_read_that_would_be_not_modified() -> None:
    pre = Preconditions(if_match=parse_tags('"v1"'), if_none_match=parse_tags('"v2"'))
    assert pre.outcome(CURRENT, safe=True) is Outcome.FAILED


def test_check_raises_precondition_failed_naming_the_field_and_the_current_tag() -> None:
    with pytest.raises(PreconditionFailed) as raised:
        Preconditions(if_match=parse_tags('"v1"')).check(7, CURRENT)
    assert raised.value.key == "if_match_failed"
    assert raised.value.params["etag"] == '"v2"'
    with pytest.raises(PreconditionFailed) as raised:
        Preconditions(unmodified_since=BEFORE).check(7, CURRENT)
    assert raised.value.key == "modified_since"
    assert raised.value.params["modified"] == "Mon, 02 Mar 2026 10:00:00 GMT"


def test_check_answers_not_modified_on_a_read_and_raises_on_a_write() -> None:
    pre = Preconditions(if_none_match=parse_tags('"v2"'))
    assert pre.check(7, CURRENT, safe=True) is Outcome.NOT_MODIFIED
    with pytest.raises(PreconditionFailed):
        pre.check(7, CURRENT)
