"""Properties of the booking state machine (§2.4) and of update-mode scoping."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .booking import (
    ACCEPTED_STATES,
    TRANSITIONS,
    BookingRow,
    Operation,
    Refusal,
    activity_status,
    answer_target,
    assignment_status,
    change_for,
    in_scope,
    invitation_status,
    plan,
)
from .enums import AppointmentStatus as S
from .enums import AppointmentType as T
from .enums import BookingType, InvitationStatus, RecurrenceUpdateMode
from .errors import Conflict, DomainError, Forbidden, Invalid

BOOKING_STATES = [S.Booking, S.BookingSeen, S.BookingMoved, S.BookingMovedSeen, S.BookingDeclined, S.BookingDeleted,
                  *ACCEPTED_STATES]



@st.composite
def child_rows(draw: st.DrawFn) -> BookingRow:
    """Consistent child rows: pending ones carry a booking type, accepted ones a diary/checklist type."""
    status = draw(st.sampled_from(BOOKING_STATES))
    checklist = draw(st.booleans())
    if status in ACCEPTED_STATES:
        type_ = T.inChecklist if checklist else T.inDiary
    else:
        type_ = T.BookingForChecklist if checklist else T.BookingForDiary
    return BookingRow(draw(st.integers(2, 10_000)), 1, draw(st.integers(1, 5)), type_, status)


def child(status: S, type_: T = T.BookingForDiary, associate: int = 7, **kw: object) -> BookingRow:
    return BookingRow(appointment_id=11, mother_id=10, associate_id=associate, type=type_, status=status, **kw)  # type: ignore[arg-type]


@given(child_rows())
def test_accept_always_ends_accepted_in_the_diary_or_checklist(row: BookingRow) -> None:
    try:
        change = change_for(Operation.ACCEPT, row)
    except Conflict:
        assert row.status == S.BookingDeleted
        return
    assert change.status in ACCEPTED_STATES
    assert change.type in (T.inDiary, T.inChecklist)
    assert (row.type in (T.BookingForChecklist, T.inChecklist)) == (change.type == T.inChecklist)


@given(child_rows(), st.sampled_from([Operation.ACCEPT, Operation.REJECT, Operation.SET_SEEN, Operation.DELETE]))
def test_every_answer_is_idempotent(row: BookingRow, operation: Operation) -> None:
    try:
        first = change_for(operation, row)
    except DomainError:
        return
    again = BookingRow(row.appointment_id, row.mother_id, first.associate_id, first.type, first.status)
    assert change_for(operation, again).is_noop


@given(child_rows())
def test_set_seen_never_changes_the_type_or_the_answer(row: BookingRow) -> None:
    change = change_for(Operation.SET_SEEN, row)
    assert change.type == row.type
    assert invitation_status(change.status) in (invitation_status(row.status), InvitationStatus.Seen,
                                                InvitationStatus.MovedSeen)


@given(child_rows())
def test_a_move_asks_everyone_who_answered_again(row: BookingRow) -> None:
    change = change_for(Operation.MOVE, row)
    if row.status in (S.BookingSeen, S.BookingMovedSeen, S.BookingDeclined, *ACCEPTED_STATES):
        assert change.status == S.BookingMoved
        assert change.type in (T.BookingForDiary, T.BookingForChecklist)
    else:
        assert change.status == row.status


def test_only_a_cancelled_booking_refuses_accept_and_reject() -> None:
    for operation in (Operation.ACCEPT, Operation.REJECT):
        refusing = {s for s, cell in TRANSITIONS[operation].items() if isinstance(cell, Refusal)}
        assert refusing == {S.BookingDeleted, S.AssignmentDeclined} - ({S.AssignmentDeclined}
                                                                       if operation is Operation.REJECT else set())


def test_clean_up_deletes_only_cancelled_rows() -> None:
    assert change_for(Operation.CLEAN_UP, child(S.BookingDeleted)).delete_row
    for status in BOOKING_STATES:
        if status != S.BookingDeleted:
            with pytest.raises(Invalid):
                change_for(Operation.CLEAN_UP, child(status))


def test_rejecting_an_assignment_returns_it_to_the_assigner() -> None:
    task = BookingRow(5, 0, associate_id=7, type=T.inDiary, status=S.Assignment, assigned_by=3)
    change = change_for(Operation.REJECT, task)
    assert (change.status, change.associate_id) == (S.AssignmentDeclined, 3)


@pytest.mark.parametrize("status", list(S))
def test_derived_statuses_follow_fixture_63_and_mirror_the_numbers(status: S) -> None:
    inv = invitation_status(status)
    if 4 <= status <= 10:
        assert int(inv) == int(status)
    elif status in ACCEPTED_STATES or status == S.UnknownOrPostIt:
        assert inv == InvitationStatus.Accepted
    if status >= 11:
        assert int(assignment_status(status)) == int(status)
    assert activity_status(status).name in ("NotStarted", "Started", "Completed")


def test_booking_type_of_plain_mother_and_child_rows() -> None:
    assert BookingRow(5, 0, 1, T.inDiary, S.NotStarted).role is BookingType.None_
    assert BookingRow(5, 5, 1, T.inDiary, S.NotStarted).role is BookingType.Owner
    assert BookingRow(6, 5, 2, T.BookingForDiary, S.Booking).role is BookingType.Participant


# --- whose row an answer applies to ---------------------------------------------------------------------------


def test_answer_target_resolves_a_mother_id_to_the_callers_child() -> None:
    mother = BookingRow(10, 10, 1, T.inDiary, S.NotStarted)
    own = child(S.Booking, associate=7)
    assert answer_target(mother, 7, own) is own


def test_answer_target_refuses_other_peoples_rows() -> None:
    with pytest.raises(Forbidden):
        answer_target(child(S.Booking, associate=7), 8, None)
    with pytest.raises(Forbidden):
        answer_target(BookingRow(10, 10, 1, T.inDiary, S.NotStarted), 8, None)
    with pytest.raises(Forbidden):
        answer_target(BookingRow(3, 0, 1, T.inDiary, S.NotStarted), 8, None)


def test_answer_target_is_nothing_for_the_organiser_and_invalid_for_plain_rows() -> None:
    assert answer_target(BookingRow(10, 10, 1, T.inDiary, S.NotStarted), 1, None) is None
    with pytest.raises(Invalid):
        answer_target(BookingRow(3, 0, 1, T.inDiary, S.NotStarted), 1, None)


# --- update modes ----------------------------------------------------------------------------------------------

T0 = datetime(2030, 1, 1, 9)


def occurrence(i: int, associate: int = 7, rule: int = 4) -> BookingRow:
    return BookingRow(100 + i, 50 + i, associate, T.BookingForDiary, S.Booking, recurrence_rule_id=rule,
                      start=T0 + timedelta(weeks=i))


@settings(max_examples=60)
@given(st.integers(1, 30), st.data())
def test_this_and_forward_covers_exactly_the_later_occurrences_of_the_same_rule_and_diary(n: int,
                                                                                        data: st.DataObject) -> None:
    series = [occurrence(i) for i in range(n)] + [occurrence(i, associate=8) for i in range(n)]
    series += [occurrence(i, rule=5) for i in range(n)]
    k = data.draw(st.integers(0, n - 1))
    scope = in_scope(series[k], data.draw(st.permutations(series)), RecurrenceUpdateMode.ThisAndForward)
    assert [r.appointment_id for r in scope] == [100 + i for i in range(k, n)]


@given(st.sampled_from([RecurrenceUpdateMode.Unknown, RecurrenceUpdateMode.OnlyThis,
                        RecurrenceUpdateMode.StopRecurrence]))
def test_every_other_mode_answers_one_occurrence(mode: RecurrenceUpdateMode) -> None:
    series = [occurrence(i) for i in range(5)]
    assert in_scope(series[2], series, mode) == [series[2]]


def test_plan_skips_later_occurrences_that_refuse_but_not_the_target() -> None:
    series = [occurrence(i) for i in range(3)]
    cancelled = BookingRow(102, 52, 7, T.BookingForDiary, S.BookingDeleted, 4, T0 + timedelta(weeks=2))
    changes = plan(Operation.ACCEPT, series[0], [series[0], series[1], cancelled])
    assert [c.row.appointment_id for c in changes] == [100, 101]
    with pytest.raises(Conflict):
        plan(Operation.ACCEPT, cancelled, series)
