"""Booking rows and the participant state machine (spec §2.3, §2.4, §2.6.2).

A booking is one mother row (the organiser's) and one child row per invitee, linked by
`mother_id`. Every answer an invitee or organiser gives is one lookup in TRANSITIONS.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from . import rights
from .enums import (
    ActivityStatus,
    AppointmentStatus,
    AppointmentType,
    AssignmentStatus,
    BookingType,
    InvitationStatus,
    RecurrenceUpdateMode,
)
from .errors import Conflict, DomainError, Forbidden, Invalid

S = AppointmentStatus
T = AppointmentType


@dataclass(frozen=True, slots=True)
class BookingRow:
    """The columns of an appointment row that the booking rules look at."""

    appointment_id: int
    mother_id: int
    associate_id: int
    type: AppointmentType
    status: AppointmentStatus
    recurrence_rule_id: int = 0
    start: datetime | None = None
    assigned_by: int = 0
    private: int = 0  # AppointmentPrivate: anything but Public hides the row from other associates

    def hidden_from(self, associate_id: int) -> bool:
        """Another associate's private row does not exist for the caller (docs/decisions.md, Authorization)."""
        return rights.hidden_from(self.private, self.associate_id, associate_id)

    @property
    def role(self) -> BookingType:
        return booking_type(self.appointment_id, self.mother_id)

    @property
    def is_assignment(self) -> bool:
        return self.mother_id == 0 and self.status in ASSIGNMENT_STATES


def booking_type(appointment_id: int, mother_id: int) -> BookingType:
    if mother_id == 0:
        return BookingType.None_
    if mother_id == appointment_id:
        return BookingType.Owner
    return BookingType.Participant


ACCEPTED_STATES = frozenset({S.NotStarted, S.Started, S.Completed})
# What a diary or task list shows as the owner's own: open rows and accepted invitations (not pending,
# declined or cancelled invitations, not assignments still to be answered).
LISTED_STATES = frozenset({S.UnknownOrPostIt, *ACCEPTED_STATES})
# What occupies a diary (conflicts, busy time): live appointments and invitations not yet declined,
# cancelled or completed, of the diary's own types; free rows never do (the store checks is_free).
DIARY_STATES = frozenset({S.UnknownOrPostIt, S.NotStarted, S.Started, S.Booking, S.BookingMoved, S.BookingSeen,
                          S.BookingMovedSeen})
DIARY_TYPES = frozenset({T.inDiary, T.BookingForDiary})
CANCELLED = S.BookingDeleted  # a cancelled occurrence is no longer part of its series
ASSIGNMENT_STATES = frozenset({S.Assignment, S.AssignmentSeen, S.AssignmentDeclined})

_INVITATION = {
    S.Hidden: InvitationStatus.Hidden,
    S.Booking: InvitationStatus.Invitation,
    S.BookingMoved: InvitationStatus.Moved,
    S.BookingSeen: InvitationStatus.Seen,
    S.BookingMovedSeen: InvitationStatus.MovedSeen,
    S.BookingDeclined: InvitationStatus.Declined,
    S.BookingDeleted: InvitationStatus.Cancelled,
}
_ASSIGNMENT = {
    S.Assignment: AssignmentStatus.Assigning,
    S.AssignmentSeen: AssignmentStatus.Seen,
    S.AssignmentDeclined: AssignmentStatus.Declined,
}


def invitation_status(status: AppointmentStatus) -> InvitationStatus:
    """Fixture 63: an ordinary open row reports `Accepted`; assignments report `None`."""
    if status in ACCEPTED_STATES or status == S.UnknownOrPostIt:
        return InvitationStatus.Accepted
    return _INVITATION.get(status, InvitationStatus.None_)


def assignment_status(status: AppointmentStatus) -> AssignmentStatus:
    return _ASSIGNMENT.get(status, AssignmentStatus.None_)


def activity_status(status: AppointmentStatus) -> ActivityStatus:
    if status in ACCEPTED_STATES:
        return ActivityStatus(int(status))
    return ActivityStatus.NotStarted


class Operation(Enum):
    SET_SEEN = "SetSeen"
    ACCEPT = "Accept"
    REJECT = "Reject"
    MOVE = "Move"
    DELETE = "Delete"
    CLEAN_UP = "CleanUp"
    ACCEPT_REJECTED = "AcceptRejected"
    ASSIGN = "AssignTo"
    REMOVE = "Remove"  # a row deleted outright: the organiser's mother row, a plain appointment
    TOGGLE = "ToggleAppointmentStatus"


class TypeChange(Enum):
    KEEP = "keep"
    ACCEPTED = "accepted"  # BookingForDiary -> inDiary, BookingForChecklist -> inChecklist
    BOOKING = "booking"  # back to BookingForDiary / BookingForChecklist


@dataclass(frozen=True, slots=True)
class Step:
    """One cell of the table: the new status (None = unchanged) and what happens to the type."""

    status: AppointmentStatus | None
    type: TypeChange = TypeChange.KEEP
    delete_row: bool = False
    return_to_assigner: bool = False


@dataclass(frozen=True, slots=True)
class Refusal:
    error: type[DomainError]
    key: str


_SAME = Step(None)
_CANCELLED = Refusal(Conflict, "booking_cancelled")


def _accepted_rows(step: Step | Refusal) -> dict[AppointmentStatus, Step | Refusal]:
    return {s: step for s in ACCEPTED_STATES}


# The participant state machine, §2.4: TRANSITIONS[operation][current status] -> Step | Refusal.
# A status missing from an operation's row means the operation does not apply to such a row.
TRANSITIONS: dict[Operation, dict[AppointmentStatus, Step | Refusal]] = {
    Operation.SET_SEEN: {
        S.Booking: Step(S.BookingSeen),
        S.BookingSeen: _SAME,
        S.BookingMoved: Step(S.BookingMovedSeen),
        S.BookingMovedSeen: _SAME,
        S.BookingDeclined: _SAME,
        S.BookingDeleted: _SAME,
        **_accepted_rows(_SAME),
        S.Assignment: Step(S.AssignmentSeen),
        S.AssignmentSeen: _SAME,
    },
    Operation.ACCEPT: {
        S.Booking: Step(S.NotStarted, TypeChange.ACCEPTED),
        S.BookingSeen: Step(S.NotStarted, TypeChange.ACCEPTED),
        S.BookingMoved: Step(S.NotStarted, TypeChange.ACCEPTED),
        S.BookingMovedSeen: Step(S.NotStarted, TypeChange.ACCEPTED),
        S.BookingDeclined: Step(S.NotStarted, TypeChange.ACCEPTED),
        S.BookingDeleted: _CANCELLED,
        **_accepted_rows(Step(None, TypeChange.ACCEPTED)),  # idempotent repeat
        S.Assignment: Step(S.NotStarted),
        S.AssignmentSeen: Step(S.NotStarted),
        S.AssignmentDeclined: Refusal(Conflict, "assignment_declined"),
    },
    Operation.REJECT: {
        S.Booking: Step(S.BookingDeclined),
        S.BookingSeen: Step(S.BookingDeclined),
        S.BookingMoved: Step(S.BookingDeclined),
        S.BookingMovedSeen: Step(S.BookingDeclined),
        S.BookingDeclined: _SAME,
        S.BookingDeleted: _CANCELLED,
        **_accepted_rows(Step(S.BookingDeclined, TypeChange.BOOKING)),
        S.Assignment: Step(S.AssignmentDeclined, return_to_assigner=True),
        S.AssignmentSeen: Step(S.AssignmentDeclined, return_to_assigner=True),
        S.AssignmentDeclined: _SAME,
    },
    Operation.MOVE: {
        S.Booking: _SAME,
        S.BookingSeen: Step(S.BookingMoved),
        S.BookingMoved: _SAME,
        S.BookingMovedSeen: Step(S.BookingMoved),
        S.BookingDeclined: Step(S.BookingMoved),
        S.BookingDeleted: _SAME,
        **_accepted_rows(Step(S.BookingMoved, TypeChange.BOOKING)),
    },
    Operation.DELETE: {
        **{s: Step(S.BookingDeleted) for s in (S.Booking, S.BookingSeen, S.BookingMoved)},
        **{s: Step(S.BookingDeleted) for s in (S.BookingMovedSeen, S.BookingDeclined)},
        S.BookingDeleted: _SAME,
        **_accepted_rows(Step(S.BookingDeleted)),
    },
    Operation.CLEAN_UP: {
        S.BookingDeleted: Step(None, delete_row=True),
    },
    # The organiser / assigner acknowledges a decline (docs/decisions.md): the declined invitee
    # leaves the booking; a declined assignment is the assigner's own appointment again.
    Operation.ACCEPT_REJECTED: {
        S.BookingDeclined: Step(None, delete_row=True),
        S.AssignmentDeclined: Step(S.NotStarted, return_to_assigner=True),
    },
    # Handing a plain appointment to another associate; the new owner comes with the request.
    Operation.ASSIGN: {
        S.UnknownOrPostIt: Step(S.Assignment),
        **_accepted_rows(Step(S.Assignment)),
        S.Assignment: Step(S.Assignment),
        S.AssignmentSeen: Step(S.Assignment),
        S.AssignmentDeclined: Step(S.Assignment),
    },
    Operation.REMOVE: {s: Step(None, delete_row=True) for s in S},
    # Only open activities toggle; an unanswered invitation or an assignment has no activity state yet.
    Operation.TOGGLE: {
        S.UnknownOrPostIt: Step(S.Completed),
        S.NotStarted: Step(S.Completed),
        S.Started: Step(S.Completed),
        S.Completed: Step(S.Started),
    },
}


def step_for(operation: Operation, row: BookingRow) -> Step:
    """The table cell for this row, or the refusal raised as a DomainError."""
    cell = TRANSITIONS[operation].get(row.status)
    if cell is None:
        raise Invalid("not_applicable", operation=operation.value, status=row.status.name)
    if isinstance(cell, Refusal):
        raise cell.error(cell.key, appointment_id=row.appointment_id)
    return cell


def new_type(current: AppointmentType, change: TypeChange) -> AppointmentType:
    if change is TypeChange.ACCEPTED:
        return {T.BookingForDiary: T.inDiary, T.BookingForChecklist: T.inChecklist}.get(current, current)
    if change is TypeChange.BOOKING:
        return {T.inDiary: T.BookingForDiary, T.inChecklist: T.BookingForChecklist}.get(current, current)
    return current


@dataclass(frozen=True, slots=True)
class Change:
    """What to write for one row: the row as read, and its new status, type and owner."""

    row: BookingRow
    status: AppointmentStatus
    type: AppointmentType
    associate_id: int
    delete_row: bool = False

    @property
    def is_noop(self) -> bool:
        r = self.row
        return (self.status, self.type, self.associate_id, self.delete_row) == (
            r.status,
            r.type,
            r.associate_id,
            False,
        )


def change_for(operation: Operation, row: BookingRow) -> Change:
    step = step_for(operation, row)
    owner = row.assigned_by if step.return_to_assigner and row.assigned_by else row.associate_id
    return Change(
        row=row,
        status=row.status if step.status is None else step.status,
        type=new_type(row.type, step.type),
        associate_id=owner,
        delete_row=step.delete_row,
    )


def plan(operation: Operation, target: BookingRow, others: Iterable[BookingRow] = ()) -> list[Change]:
    """Changes for the target and the other occurrences in scope.

    The target's refusal is the caller's error; an occurrence further on that refuses
    (say, one the organiser already cancelled) is left as it is.
    """
    changes = [change_for(operation, target)]
    for row in others:
        if row.appointment_id == target.appointment_id:
            continue
        try:
            changes.append(change_for(operation, row))
        except DomainError:
            continue
    return [c for c in changes if not c.is_noop]


def plan_each(operation: Operation, rows: Iterable[BookingRow]) -> list[Change]:
    """Changes for rows that the operation reaches as a side effect (an organiser's children,
    a cleanup list): a row that refuses or to which it does not apply is left as it is."""
    changes = []
    for row in rows:
        try:
            change = change_for(operation, row)
        except DomainError:
            continue
        if not change.is_noop:
            changes.append(change)
    return changes


def answer_target(target: BookingRow, caller: int, own_child: BookingRow | None) -> BookingRow | None:
    """Which row an invitee's answer applies to (§2.6.2); None means nothing to do.

    `own_child` is the caller's child row of `target` when `target` is a mother row.
    Both mother and child ids are accepted, as the official client documents.
    """
    role = target.role
    if role is BookingType.Participant:
        if target.associate_id != caller:
            raise Forbidden("not_your_invitation", appointment_id=target.appointment_id)
        return target
    if role is BookingType.Owner:
        if own_child is not None:
            return own_child
        if target.associate_id == caller:
            return None  # the organiser's own row is accepted by definition
        raise Forbidden("not_invited", appointment_id=target.appointment_id)
    if target.associate_id != caller:
        raise Forbidden("not_your_appointment", appointment_id=target.appointment_id)
    if target.is_assignment:
        return target
    raise Invalid("not_an_invitation", appointment_id=target.appointment_id)


def effective_mode(mode: RecurrenceUpdateMode) -> RecurrenceUpdateMode:
    """An answer covers one occurrence unless ThisAndForward says otherwise.

    Unknown means "undecided" and StopRecurrence has nothing to stop for an invitee: both
    answer this occurrence only (docs/decisions.md).
    """
    return RecurrenceUpdateMode.ThisAndForward if mode is RecurrenceUpdateMode.ThisAndForward else (
        RecurrenceUpdateMode.OnlyThis
    )


def in_scope(target: BookingRow, series: Iterable[BookingRow], mode: RecurrenceUpdateMode) -> list[BookingRow]:
    """The occurrences an update mode covers: the target, or it and every later one."""
    if target.recurrence_rule_id == 0 or effective_mode(mode) is RecurrenceUpdateMode.OnlyThis:
        return [target]
    start = target.start
    later = [
        r
        for r in series
        if r.recurrence_rule_id == target.recurrence_rule_id
        and r.associate_id == target.associate_id
        and r.role is target.role
        and (start is None or (r.start is not None and r.start >= start))
    ]
    return [target, *sorted((r for r in later if r.appointment_id != target.appointment_id),
                            key=lambda r: (r.start or datetime.min, r.appointment_id))]


def holding(row: BookingRow, organiser: int = 0) -> rights.Holding:
    """Who holds the row, for rights.may_change. A child is held by its booking's `organiser` (the
    mother's owner; 0 = unknown, the mother is gone: then by nobody); a mother by its own owner."""
    if row.role is BookingType.Owner:
        organiser = row.associate_id
    return rights.Holding(owner=row.associate_id, in_booking=row.role is not BookingType.None_,
                          organiser=organiser, assigned_by=row.assigned_by, status=row.status)


def organiser_target(target: BookingRow, caller: int, mother: BookingRow | None) -> BookingRow:
    """The row an organiser's change (Move, Delete, AssignTo…) starts from.

    A child id stands for its booking, so it resolves to `mother` (its mother row); a
    plain appointment is its own. Only who may change it (rights.may_change) gets it.
    """
    role = target.role
    if role is BookingType.Participant:
        if mother is None:
            raise Invalid("not_applicable", operation="organiser change", status=target.status.name)
        target = mother
    if not rights.may_change(caller, holding(target)):
        key = "not_organiser" if target.role is BookingType.Owner else "not_your_appointment"
        raise Forbidden(key, appointment_id=target.appointment_id)
    return target


def assign(row: BookingRow, caller: int, assignee: int) -> Change:
    """AssignTo (§2.6.5): a plain appointment of the caller's (or one they assigned) goes to `assignee`."""
    if row.role is not BookingType.None_:
        raise Invalid("not_assignable", appointment_id=row.appointment_id)
    if not rights.may_change(caller, holding(row)):
        raise Forbidden("not_your_appointment", appointment_id=row.appointment_id)
    if assignee == caller:
        raise Invalid("assign_to_self", appointment_id=row.appointment_id)
    step = step_for(Operation.ASSIGN, row)
    return Change(row=row, status=step.status or row.status, type=row.type, associate_id=assignee)


def is_new_decline(change: Change) -> bool:
    """Counts towards the mother's RejectCounter: a row that was not declined before."""
    declined = (S.BookingDeclined, S.AssignmentDeclined)
    return change.status in declined and change.row.status not in declined


def counter_row(row: BookingRow) -> int:
    """The row holding RejectCounter: the booking's mother, or an assignment itself."""
    return row.mother_id or row.appointment_id


def toggled(row: BookingRow) -> AppointmentStatus:
    """ToggleAppointmentStatus (§2.6.9): Completed, or back to Started when it already was."""
    step = step_for(Operation.TOGGLE, row)
    assert step.status is not None
    return step.status
