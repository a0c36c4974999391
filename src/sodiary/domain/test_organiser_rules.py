"""The organiser-side rules of booking.py: whose change it is, AssignTo, decline counting, Toggle."""

from __future__ import annotations

import pytest

from .booking import (
    BookingRow,
    Change,
    Operation,
    assign,
    change_for,
    counter_row,
    is_new_decline,
    organiser_target,
    plan_each,
    toggled,
)
from .enums import AppointmentStatus as S
from .enums import AppointmentType as T
from .errors import Conflict, Forbidden, Invalid

ADA, TJE0, BEN = 1, 2, 3
MOTHER = BookingRow(10, 10, ADA, T.inDiary, S.NotStarted)
CHILD = BookingRow(11, 10, TJE0, T.BookingForDiary, S.Booking)
PLAIN = BookingRow(20, 0, TJE0, T.inDiary, S.NotStarted)


def test_organiser_target_of_a_mother_is_the_mother() -> None:
    assert organiser_target(MOTHER, ADA, None) == MOTHER


def test_organiser_target_of_a_child_is_its_mother() -> None:
    assert organiser_target(CHILD, ADA, MOTHER) == MOTHER


def test_organiser_target_refuses_an_invitee() -> None:
    with pytest.raises(Forbidden) as caught:
        organiser_target(CHILD, TJE0, MOTHER)
    assert caught.value.key == "not_organiser"


def test_organiser_target_of_a_plain_row_is_its_owners() -> None:
    assert organiser_target(PLAIN, TJE0, None) == PLAIN
    with pytest.raises(Forbidden):
        organiser_target(PLAIN, ADA, None)


def test_assign_hands_a_plain_row_to_the_assignee() -> None:
    change = assign(PLAIN, TJE0, BEN)
    assert (change.status, change.associate_id, change.type) == (S.Assignment, BEN, T.inDiary)


def test_assigner_may_reassign_a_pending_assignment() -> None:
    pending = BookingRow(21, 0, BEN, T.inDiary, S.AssignmentSeen, assigned_by=TJE0)
    assert assign(pending, TJE0, ADA).associate_id == ADA


@pytest.mark.parametrize(("row", "caller", "assignee", "error"), [
    (CHILD, TJE0, BEN, Invalid),
    (MOTHER, ADA, BEN, Invalid),
    (PLAIN, ADA, BEN, Forbidden),
    (PLAIN, TJE0, TJE0, Invalid),
    (BookingRow(22, 0, TJE0, T.inDiary, S.Hidden), TJE0, BEN, Invalid),
])
def test_assign_refusals(row: BookingRow, caller: int, assignee: int, error: type[Exception]) -> None:
    with pytest.raises(error):
        assign(row, caller, assignee)


def test_a_decline_counts_only_when_new() -> None:
    declined = Change(CHILD, S.BookingDeclined, T.BookingForDiary, TJE0)
    again = Change(BookingRow(11, 10, TJE0, T.BookingForDiary, S.BookingDeclined), S.BookingDeclined,
                   T.BookingForDiary, TJE0)
    accepted = Change(CHILD, S.NotStarted, T.inDiary, TJE0)
    assert is_new_decline(declined)
    assert not is_new_decline(again)
    assert not is_new_decline(accepted)


def test_the_counter_lives_on_the_mother_or_on_an_assignment_itself() -> None:
    assert counter_row(CHILD) == 10
    assert counter_row(PLAIN) == 20


@pytest.mark.parametrize(("status", "after"), [(S.UnknownOrPostIt, S.Completed), (S.NotStarted, S.Completed),
                                               (S.Started, S.Completed), (S.Completed, S.Started)])
def test_toggle(status: S, after: S) -> None:
    assert toggled(BookingRow(30, 0, TJE0, T.inDiary, status)) == after


def test_toggle_refuses_an_unanswered_invitation() -> None:
    with pytest.raises(Invalid):
        toggled(CHILD)


def test_plan_each_skips_refusals_and_no_ops() -> None:
    cancelled = BookingRow(12, 10, BEN, T.BookingForDiary, S.BookingDeleted)
    seen = BookingRow(13, 10, BEN, T.BookingForDiary, S.BookingSeen)
    changes = plan_each(Operation.MOVE, [CHILD, cancelled, seen])
    assert [(c.row.appointment_id, c.status) for c in changes] == [(13, S.BookingMoved)]
    assert plan_each(Operation.REJECT, [cancelled]) == []  # the refusal (Conflict) is not raised


def test_accept_rejected_removes_a_declined_child_and_returns_an_assignment() -> None:
    declined = BookingRow(11, 10, TJE0, T.BookingForDiary, S.BookingDeclined)
    returned = BookingRow(23, 0, ADA, T.inDiary, S.AssignmentDeclined, assigned_by=ADA)
    [gone, back] = plan_each(Operation.ACCEPT_REJECTED, [declined, returned, CHILD])
    assert gone.delete_row
    assert (back.status, back.associate_id) == (S.NotStarted, ADA)


def test_reject_of_a_cancelled_row_is_a_conflict_not_a_side_effect() -> None:
    with pytest.raises(Conflict):
        change_for(Operation.REJECT, BookingRow(12, 10, BEN, T.BookingForDiary, S.BookingDeleted))
