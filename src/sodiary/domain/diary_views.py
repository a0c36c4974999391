"""What the read-only diary views show (issue 17): the multi-user diary info and the alarm list.

Pure rules over a row's type, status and times; the service selects the rows and applies these.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .booking import ACCEPTED_STATES
from .enums import AppointmentStatus as S
from .enums import AppointmentType as T

# Invitations not yet answered: the diary shows them as tentative, in the invitee's time slot.
PENDING_STATES = frozenset({S.Booking, S.BookingMoved, S.BookingSeen, S.BookingMovedSeen})
_ACCEPTED = frozenset({S.UnknownOrPostIt, *ACCEPTED_STATES})


def in_diary_info(type_: T, status: S) -> bool:
    """GetAssociatesDiaryInfo: what the diary shows (accepted diary rows) plus pending diary invitations,
    which the diary draws as tentative. Declined, cancelled, checklist rows and unanswered assignments
    are not in the diary."""
    if type_ is T.inDiary:
        return status in _ACCEPTED
    return type_ is T.BookingForDiary and status in PENDING_STATES


def is_tentative(status: S) -> bool:
    return status in PENDING_STATES


def alarm_time(start: datetime, lead_seconds: int) -> datetime:
    return start - timedelta(seconds=max(lead_seconds, 0))


def rings(*, type_: T, status: S, has_alarm: bool, start: datetime, end: datetime, lead_seconds: int,
          now: datetime, include_invitations: bool, include_all: bool, default_lead_seconds: int) -> datetime | None:
    """GetAlarms: the time a row's alarm rings for its owner, if it is due now; None otherwise.

    Due = the alarm time has come and the appointment has not ended. A completed row rings no more.
    Pending invitations ring only with IncludeInvitations; rows without an alarm of their own only with
    IncludeAllAppointments, at the default lead time. Declined, cancelled and checklist rows never ring.
    """
    if status is S.Completed or type_ not in (T.inDiary, T.BookingForDiary):
        return None
    if status in PENDING_STATES:
        if not include_invitations:
            return None
    elif status not in _ACCEPTED:
        return None
    if has_alarm:
        lead = lead_seconds
    elif include_all:
        lead = default_lead_seconds
    else:
        return None
    when = alarm_time(start, lead)
    return when if when <= now < max(end, start + timedelta(seconds=1)) else None


_NOT_SYNCED = frozenset({S.Hidden, S.BookingDeclined, S.BookingDeleted, S.AssignmentDeclined})
ASSIGNMENT_PENDING = frozenset({S.Assignment, S.AssignmentSeen})


def in_sync(type_: T, status: S) -> bool:
    """GetMySyncAppointments: the caller's diary rows a calendar should hold — accepted ones, unanswered
    invitations (tentative) and assignments; never declined, cancelled or hidden ones, never checklist rows."""
    return type_ in (T.inDiary, T.BookingForDiary) and status not in _NOT_SYNCED
