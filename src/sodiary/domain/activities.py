"""Activity identifiers and statuses (issue 17): ToggleActivity, ToggleActivities, SetActivityStatus and
ToggleAndSetActivities address activities as text — `appointment_id=666`, or a sale, document or to-do."""

from __future__ import annotations

from dataclasses import dataclass

from .booking import ACCEPTED_STATES
from .enums import ActivityStatus
from .enums import AppointmentStatus as S
from .enums import AppointmentType as T
from .errors import Invalid

KINDS = ("appointment_id", "sale_id", "document_id", "todo_id")
MAX_IDENTIFIERS = 1000  # one unit of work, kept bounded as SetSeenMany's ids are


@dataclass(frozen=True, slots=True)
class Activity:
    kind: str  # one of KINDS
    id: int


def parse(identifier: str) -> Activity:
    """`appointment_id=666` (names and spaces in any case); anything else is a 400 naming the identifier."""
    name, sep, value = identifier.partition("=")
    kind = name.strip().lower()
    try:
        number = int(value.strip(), 10)
    except ValueError:
        number = 0
    if not sep or kind not in KINDS or not 0 < number <= 2_147_483_647:
        raise Invalid("activity_identifier", identifier=identifier[:60])
    return Activity(kind, number)


# SetActivityStatus writes an activity state; only open activities have one (ToggleAppointmentStatus's rule).
SETTABLE = frozenset({S.UnknownOrPostIt, *ACCEPTED_STATES})


def status_for(activity: ActivityStatus) -> S:
    """The row status an ActivityStatus is written as; Unknown is no status to set."""
    if activity is ActivityStatus.Unknown:
        raise Invalid("activity_status_unknown")
    return S(int(activity))


def task_type_after_conversion(type_: T, in_booking: bool) -> T | None:
    """ConvertAppointmentToTask: "if certain criteria are met (participants < 2)" [CL] a diary appointment
    becomes a task-list item; None when nothing changes (a booking, or already a task, or no appointment)."""
    if in_booking or type_ is not T.inDiary:
        return None
    return T.inChecklist
