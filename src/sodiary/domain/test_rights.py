"""The rights rule (domain/rights.py): who may change a row, who may create one in whose name, who sees it."""

from __future__ import annotations

import pytest

from .booking import BookingRow, holding, organiser_target
from .enums import AppointmentStatus as S
from .enums import AppointmentType as T
from .errors import Forbidden
from .rights import Holding, hidden_from, may_change, may_create

ADA, BEN, TJE0 = 1, 2, 3


@pytest.mark.parametrize(("caller", "held", "expected"), [
    pytest.param(ADA, Holding(owner=ADA), True, id="owner-of-a-plain-row"),
    pytest.param(BEN, Holding(owner=ADA), False, id="stranger-to-a-plain-row"),
    pytest.param(ADA, Holding(owner=ADA, in_booking=True, organiser=ADA), True, id="organiser-of-the-mother"),
    pytest.param(ADA, Holding(owner=BEN, in_booking=True, organiser=ADA, status=S.Booking), True,
                 id="organiser-of-an-invitees-row"),
    pytest.param(BEN, Holding(owner=BEN, in_booking=True, organiser=ADA, status=S.NotStarted), False,
                 id="invitee-of-their-own-row"),
    pytest.param(TJE0, Holding(owner=ADA, in_booking=True, organiser=ADA), False, id="stranger-to-a-booking"),
    pytest.param(ADA, Holding(owner=BEN, in_booking=True, organiser=ADA, status=S.BookingDeleted), False,
                 id="nobody-changes-a-cancelled-invitation"),
    pytest.param(ADA, Holding(owner=BEN, in_booking=True, organiser=0, status=S.Booking), False,
                 id="nobody-changes-a-row-whose-organiser-is-unknown"),
    pytest.param(TJE0, Holding(owner=ADA, assigned_by=TJE0, status=S.Assignment), True,
                 id="assigner-of-a-pending-assignment"),
    pytest.param(TJE0, Holding(owner=ADA, assigned_by=TJE0, status=S.AssignmentSeen), True,
                 id="assigner-of-a-seen-assignment"),
    pytest.param(TJE0, Holding(owner=ADA, assigned_by=TJE0, status=S.NotStarted), False,
                 id="assigner-after-the-assignee-accepted"),
    pytest.param(BEN, Holding(owner=ADA, assigned_by=TJE0, status=S.Assignment), False,
                 id="stranger-to-an-assignment"),
])
def test_who_may_change_a_row(caller: int, held: Holding, expected: bool) -> None:
    assert may_change(caller, held) is expected


@pytest.mark.parametrize(("caller", "owner", "has_invitees", "expected"), [
    pytest.param(ADA, ADA, True, True, id="own-booking"),
    pytest.param(ADA, ADA, False, True, id="own-appointment"),
    pytest.param(TJE0, ADA, False, True, id="assignment-into-another-diary"),
    pytest.param(TJE0, ADA, True, False, id="booking-in-another-users-name"),
])
def test_who_may_create_a_row_in_whose_name(caller: int, owner: int, has_invitees: bool, expected: bool) -> None:
    assert may_create(caller, owner, has_invitees=has_invitees) is expected


@pytest.mark.parametrize(("private", "owner", "caller", "hidden"), [
    (0, ADA, BEN, False), (1, ADA, BEN, True), (2, ADA, BEN, True), (1, ADA, ADA, False),
])
def test_a_private_row_is_hidden_from_everyone_but_its_owner(private: int, owner: int, caller: int,
                                                             hidden: bool) -> None:
    assert hidden_from(private, owner, caller) is hidden


def test_a_child_is_held_by_its_bookings_organiser_and_a_mother_by_its_owner() -> None:
    mother = BookingRow(10, 10, ADA, T.inDiary, S.NotStarted)
    child = BookingRow(11, 10, BEN, T.BookingForDiary, S.Booking)
    assert holding(child, ADA) == Holding(owner=BEN, in_booking=True, organiser=ADA, status=S.Booking)
    assert holding(mother, TJE0).organiser == ADA  # a mother's organiser is its own owner, whatever is passed


def test_organiser_changes_go_by_the_same_rule_for_a_pending_assignment() -> None:
    assignment = BookingRow(20, 0, ADA, T.inDiary, S.Assignment, assigned_by=TJE0)
    assert organiser_target(assignment, TJE0, None) is assignment
    accepted = BookingRow(20, 0, ADA, T.inDiary, S.NotStarted, assigned_by=TJE0)
    with pytest.raises(Forbidden):
        organiser_target(accepted, TJE0, None)
