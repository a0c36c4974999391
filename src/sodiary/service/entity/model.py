"""The records a whole-appointment use case takes and gives back, and the people around its rows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Connection

from ...domain.appointment import AppointmentRow, RecurrenceRuleRow
from ...domain.enums import (
    ActivityStatus,
    AppointmentPrivate,
    AppointmentType,
    RecurrenceUpdateMode,
    TaskType,
)
from ...store import entities as store
from ...store.entities import AssociateInfo, ContactInfo, PersonInfo
from ..recurrence import SeriesInput

T = AppointmentType


@dataclass(frozen=True, slots=True)
class People:
    """Everyone the rows mention, by id."""

    associates: dict[int, AssociateInfo] = field(default_factory=dict)
    persons: dict[int, PersonInfo] = field(default_factory=dict)
    contacts: dict[int, ContactInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EntityData:
    """One row seen as an AppointmentEntity: the row, its booking, its rule and its people."""

    row: AppointmentRow
    booking: list[AppointmentRow]  # every row of the booking, mother first; [row] for a plain appointment
    rule: RecurrenceRuleRow | None
    rule_dates: list[datetime]
    conflict: bool
    people: People
    task_type: TaskType = TaskType.Appointment

    @property
    def mother(self) -> AppointmentRow | None:
        return next((r for r in self.booking if r.appointment_id == self.row.mother_id), None)


@dataclass(frozen=True, slots=True)
class ListData:
    rows: list[AppointmentRow]
    people: People
    rules: dict[int, RecurrenceRuleRow] = field(default_factory=dict)  # the rows' recurrence rules by id


@dataclass(frozen=True, slots=True)
class ParticipantInput:
    associate_id: int = 0
    person_id: int = 0


@dataclass(frozen=True, slots=True)
class SaveInput:
    """What Save takes from an entity; datetimes are base-zone wall clock."""

    appointment_id: int
    start: datetime | None
    end: datetime | None
    associate_id: int = 0  # organiser / owner; 0 = the caller
    person_id: int = 0
    contact_id: int = 0
    task_id: int = 0
    type: AppointmentType = T.inDiary
    private: AppointmentPrivate = AppointmentPrivate.Public
    completed: ActivityStatus = ActivityStatus.NotStarted
    title: str = ""
    location: str = ""
    description: str = ""
    agenda: str = ""
    internal_notes: str = ""
    is_allday: bool = False
    is_free: bool = False
    has_alarm: bool = False
    alarm_lead_seconds: int = 0
    lead_seconds: int = 0
    lag_seconds: int = 0
    participants: tuple[ParticipantInput, ...] = ()
    recurrence: SeriesInput | None = None  # a new series; on an update, a changed one
    mode: RecurrenceUpdateMode = RecurrenceUpdateMode.OnlyThis  # which occurrences an update covers
    # On an update: given the entity as the save's own unit of work reads it, the series the save re-patterns
    # from this occurrence on, or None when the Recurrence sent is the one stored (then `recurrence` is unused).
    series_change: Callable[[EntityData], SeriesInput | None] | None = None


def task_type_of(type_: AppointmentType) -> TaskType:
    return TaskType.ToDo if type_ in (T.inChecklist, T.BookingForChecklist) else TaskType.Appointment


def type_for_task(task_type: TaskType) -> AppointmentType:
    return T.inChecklist if task_type is TaskType.ToDo else T.inDiary


def load_people(
    conn: Connection, associates: Iterable[int] = (), persons: Iterable[int] = (), contacts: Iterable[int] = ()
) -> People:
    found_persons = store.persons(conn, persons)
    found_contacts = store.contacts(conn, [*contacts, *(p.contact_id for p in found_persons.values())])
    return People(store.associates(conn, associates), found_persons, found_contacts)


def person_of(info: AssociateInfo | None) -> int:
    """The person an associate is (0 = none)."""
    return info.person.person_id if info is not None and info.person is not None else 0
