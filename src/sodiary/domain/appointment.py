"""Whole appointment rows as typed records: what the store reads, the service works on and the wire renders.

`AppointmentRow` is every column of an appointment row plus its booking's shared text; `RecurrenceRuleRow`
is a stored recurrence rule. Attribute access lets mypy see a misspelt column; a new row is a `replace()` of
another (or of `blank`), never a dictionary of columns.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from . import booking, rights
from .booking import BookingRow, booking_type
from .enums import AppointmentStatus, AppointmentType, BookingType


@dataclass(frozen=True, slots=True, kw_only=True)
class AppointmentRow:
    """One appointment row as stored (store/schema.py `appointment`), with the shared text of its booking.

    `appointment_id` 0 is a row not saved yet (CreateDefault…, a copy, a row about to be inserted)."""

    appointment_id: int = 0
    mother_id: int = 0
    associate_id: int = 0  # whose diary; 0 = an external person's invitation
    invited_person_id: int = 0
    person_id: int = 0  # whom the meeting is with
    contact_id: int = 0
    task_id: int = 0
    project_id: int = 0
    type: AppointmentType = AppointmentType.inDiary
    status: AppointmentStatus = AppointmentStatus.NotStarted
    private: int = 0  # AppointmentPrivate's number; kept as stored (an unknown one renders as PrivateUser)
    start_date: datetime = datetime.min
    end_date: datetime = datetime.min
    active_date: datetime = datetime.min
    title: str = ""
    location: str = ""
    text_id: int | None = None
    reject_reason: str = ""
    reject_counter: int = 0
    assigned_by: int = 0
    mother_associate_id: int = 0
    recurrence_rule_id: int = 0
    original_start_date: datetime | None = None
    is_allday: bool = False
    is_free: bool = False
    has_alarm: bool = False
    alarm_lead_seconds: int = 0
    lead_seconds: int = 0
    lag_seconds: int = 0
    registered: datetime | None = None  # UTC; None on an unsaved row
    registered_associate_id: int = 0
    updated: datetime | None = None  # UTC
    updated_associate_id: int = 0
    updated_count: int = 0
    send_email: bool = False
    # The booking's shared text (appointment_text), not columns of the row.
    description: str = ""
    agenda: str = ""
    internal_notes: str = ""

    @property
    def role(self) -> BookingType:
        return booking_type(self.appointment_id, self.mother_id)

    @property
    def is_child(self) -> bool:
        """An invitee's row of a booking (not the organiser's mother row)."""
        return self.role is BookingType.Participant

    @property
    def booking_row(self) -> BookingRow:
        """The columns the booking rules look at."""
        return BookingRow(self.appointment_id, self.mother_id, self.associate_id, self.type, self.status,
                          self.recurrence_rule_id, self.start_date, self.assigned_by, self.private)

    def visible_to(self, associate_id: int) -> bool:
        """Private rows are seen by their owner only (docs/decisions.md)."""
        return self.private == 0 or self.associate_id == associate_id


# The fields that are the `appointment` table's columns (the text fields are not).
TEXT_FIELDS = ("description", "agenda", "internal_notes")
COLUMN_FIELDS = tuple(f.name for f in fields(AppointmentRow) if f.name not in TEXT_FIELDS)


def fresh(row: AppointmentRow, *, registered: datetime | None, registered_associate_id: int) -> AppointmentRow:
    """`row` as a row that is new now: no id, registered by `registered_associate_id`, never updated."""
    return replace(row, appointment_id=0, registered=registered, registered_associate_id=registered_associate_id,
                   updated=None, updated_associate_id=0, updated_count=0, reject_reason="", reject_counter=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecurrenceRuleRow:
    """One stored recurrence rule (store/schema.py `recurrence_rule`); the numbers are the enums' as stored."""

    recurrence_rule_id: int = 0
    pattern: int = 0
    sub_pattern: int = 0
    cycle: int = 0
    weekdays: int = 0
    day: int = 0
    week_of_month: int = 0
    month: int = 0
    start_date: datetime | None = None  # the first occurrence (base wall clock)
    end_date: datetime | None = None  # the last one
    end_type: int = 0
    counter: int = 0


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The rows a list method answers: every condition given holds, and rows private to others are left out.

    `shows_in` is "diary" (what the diary shows: own rows and accepted invitations), "tasks" (the same for
    the task list) or "" (every row, pending invitations included)."""

    associates: tuple[int, ...] | None = None  # whose diary table
    person_id: int | None = None
    contact_id: int | None = None
    shows_in: str = ""
    type: AppointmentType | None = None
    task_ids: tuple[int, ...] | None = None
    start: datetime | None = None
    end: datetime | None = None
    count: int = -1
    heading_id: int | None = None  # of a task under this task heading
    group_id: int | None = None  # in the diary of a member of this user group
    project_id: int | None = None
    member_person_id: int | None = None  # of a project this person is a member of
    published_on: datetime | None = None  # published on this day
    appointment_ids: tuple[int, ...] | None = None


def holding(row: AppointmentRow, mother: AppointmentRow | None = None) -> rights.Holding:
    """Who holds an entity row, for rights.may_change: a child is its booking's organiser's — the owner
    of `mother`, or without it the row's `mother_associate_id` (the lists read no mother)."""
    organiser = mother.associate_id if mother is not None else row.mother_associate_id
    return booking.holding(row.booking_row, organiser)
