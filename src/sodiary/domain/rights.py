"""Who may see and who may change an appointment row: the one rule (docs/decisions.md, "Rights").

SuperOffice decides rights by ownership: a row belongs to the associate whose diary it is in, and a
role says what others may do with rows they do not own. sodiary has no roles, so every user has the
rights of an ordinary user on other diaries: read what is not private, and propose (an assignment the
owner accepts or declines), never act in their name. Everything here is pure: the store reads the
columns, the service and the wire ask these functions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .enums import AppointmentStatus

S = AppointmentStatus

# A handed-over row that the assignee has not accepted yet, or has handed back: still the assigner's too.
PENDING_ASSIGNMENT = frozenset({S.Assignment, S.AssignmentSeen, S.AssignmentDeclined})


def hidden_from(private: int, owner: int, caller: int) -> bool:
    """Another associate's private row does not exist for the caller: no id, no text, no times.

    `PrivateGroup` counts as `PrivateUser`: sodiary has no groups."""
    return private != 0 and owner != caller


@dataclass(frozen=True, slots=True)
class Holding:
    """Who holds a row, as far as the rights rule cares."""

    owner: int  # associate_id: whose diary the row is in
    in_booking: bool = False  # a mother or a child row
    organiser: int = 0  # a booking's organiser (the mother's owner); 0 when the mother is gone
    assigned_by: int = 0
    status: AppointmentStatus = S.NotStarted


def may_change(caller: int, holding: Holding) -> bool:
    """Whether the caller may change, move, delete or hand over the row (TableRight Update/Delete).

    - Every row of a booking (the mother and each invitee's child) is its organiser's alone: an
      invitee only answers (Accept, Reject, SetSeen, Delete = decline) and keeps the personal state of
      their own row (ToggleAppointmentStatus), which is not a change of the meeting. A cancelled
      invitation whose mother is gone is nobody's to change (its owner only cleans it up).
    - A plain row is its owner's; while it is a pending (or declined) assignment it is also the
      assigner's, who may take it back or change it before the assignee has accepted it.
    - Nobody else: creating a row in someone's name is judged by the same rule applied to the row
      it would create, so a booking with another organiser is refused (`may_create`).
    """
    if holding.in_booking:
        cancelled = holding.status is S.BookingDeleted  # its mother is gone with the booking
        return not cancelled and holding.organiser != 0 and caller == holding.organiser
    if caller == holding.owner:
        return True
    return holding.assigned_by != 0 and caller == holding.assigned_by and holding.status in PENDING_ASSIGNMENT


def may_create(caller: int, owner: int, *, has_invitees: bool) -> bool:
    """Save of a new row with `Associate` = owner: allowed when the caller could change what it creates.

    In one's own diary anything goes. In another's diary without invitees the row arrives as an
    assignment from the caller (the owner accepts or declines it), which the caller may change while it
    is pending. A booking with invitees in another's name would send invitations as them: refused."""
    if owner == caller:
        return True
    if has_invitees:
        return may_change(caller, Holding(owner=owner, in_booking=True, organiser=owner))
    return may_change(caller, Holding(owner=owner, assigned_by=caller, status=S.Assignment))
