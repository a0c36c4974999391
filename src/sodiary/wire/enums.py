"""Wire enums: the domain's IntEnums as SuperOffice's names (values are the names).

msgspec encodes an Enum by its value, so these go out as `"inDiary"`, `"OnlyThis"`…; the
binder also takes the numbers and any casing on the way in.
"""

from __future__ import annotations

import enum
from typing import Any

from sodiary.domain import enums as d
from sodiary.wire.binding import register_enum_numbers


def _wire(domain: type[enum.IntEnum]) -> Any:
    names = {d.wire_name(m): d.wire_name(m) for m in domain}
    wire = enum.Enum(domain.__name__, names)  # type: ignore[misc]
    register_enum_numbers(wire, {d.wire_name(m): int(m) for m in domain})
    wire._domain = domain  # type: ignore[attr-defined]
    return wire


AppointmentType = _wire(d.AppointmentType)
AppointmentStatus = _wire(d.AppointmentStatus)
InvitationStatus = _wire(d.InvitationStatus)
AssignmentStatus = _wire(d.AssignmentStatus)
BookingType = _wire(d.BookingType)
ActivityStatus = _wire(d.ActivityStatus)
RecurrenceUpdateMode = _wire(d.RecurrenceUpdateMode)
UserType = _wire(d.UserType)
AppointmentPrivate = _wire(d.AppointmentPrivate)
TaskType = _wire(d.TaskType)
RecurrencePattern = _wire(d.RecurrencePattern)
RecurrenceEndType = _wire(d.RecurrenceEndType)
RecurrenceDailyPattern = _wire(d.RecurrenceDailyPattern)
RecurrenceMonthlyPattern = _wire(d.RecurrenceMonthlyPattern)
RecurrenceYearlyPattern = _wire(d.RecurrenceYearlyPattern)
WeekOfMonth = _wire(d.WeekOfMonth)
AppointmentCautionWarning = _wire(d.AppointmentCautionWarning)
AppointmentExternalOwner = _wire(d.AppointmentExternalOwner)
ExternallyOwnedType = _wire(d.ExternallyOwnedType)
ExternallyOwnedStatus = _wire(d.ExternallyOwnedStatus)
Visibility = _wire(d.Visibility)


def to_domain(value: enum.Enum, domain: type[enum.IntEnum]) -> Any:
    """The domain member for a wire member (`None` is `None_` in Python)."""
    name = str(value.value)
    return domain[name if name in domain.__members__ else name + "_"]


def to_wire(member: enum.IntEnum, wire: Any) -> Any:
    return wire(d.wire_name(member))
