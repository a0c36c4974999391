"""AppointmentEntity, the simple Appointment and their nested carriers (spec §3.2–§3.6).

PascalCase out, any casing in (the binder). The same Structs decode what the official client
sends back: the whole entity in camelCase with its read-only parts, so:
- datetimes are kept as wire text (`DateText`) and converted by wire/timefmt.py with the request's
  time context, both ways — rendering depends on the caller's zone, so it cannot be static;
- TimeSpans are text: "hh:mm:ss" out, "P0D"/"PT15M" accepted in (timefmt.parse_span);
- flags enums (`TableRight.Mask`, `Weekdays`) go out as comma-separated names and come back as
  numbers, so they are `str | int` here and converted by `flags_text` / `flags_value`;
- strings may come back as null, hence `Text`.
"""

from __future__ import annotations

from enum import IntFlag
from typing import Annotated, Any

import msgspec

from sodiary.wire import enums as w
from sodiary.wire.errors import ApiError

# Not JSON Schema's `date-time` (RFC 3339 wants an offset): answers are naive, as SuperOffice's are.
# Only dates that exist (30 days hath September, 29 February in leap years), hours 00-23, offsets up to
# 18:00 — what timefmt.parse_iso accepts, so every value the document allows binds. Years beyond
# 1..9999 are clamped there (JavaScript's sentinels), hence any 4 to 6 digits.
_YEAR = r"[+-]?[0-9]{4,6}"
_LEAP_YEAR = r"[+-]?[0-9]{0,2}(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)"
_MONTH_DAY = (r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
              r"|02-(?:0[1-9]|1[0-9]|2[0-8]))")
DATE_PATTERN = (rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
                r"T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?"
                r"(?:Z|[+-](?:(?:0[0-9]|1[0-7]):?[0-5][0-9]|18:?00))?$")
# `""` for a date that may be null is null, as Json.NET reads it for a DateTime? (wire/binding.py); the
# document says so (wire/openapi.py). A date that must be given has no such reading: `""` is a 400. `date`
# marks both for the binder, which also reads every such member as a date, used or not (wire/binding.py).
DateText = Annotated[str, msgspec.Meta(description="ISO-8601 date-time; naive = the request's zone",
                                       extra_json_schema={"pattern": DATE_PATTERN},
                                       extra={"date": True})]
SpanText = Annotated[str, msgspec.Meta(description="TimeSpan: hh:mm:ss (ISO-8601 durations accepted)")]
Flags = Annotated[str | int, msgspec.Meta(description="Flags: comma-separated names (numbers accepted)")]
Text = str | None
# Every number of these carriers is an Int32 in SuperOffice; larger ones are a 400, not a database error.
Int32 = Annotated[int, msgspec.Meta(ge=-2_147_483_648, le=2_147_483_647)]


def _name(member: IntFlag) -> str:
    return (member.name or "").rstrip("_")


def flags_text(value: int, flags: type[IntFlag]) -> str:
    """`Monday, Friday`: the set bits' names, in bit order; `None`-like zero as the zero member's name."""
    members = list(flags.__members__.values())  # iterating a Flag skips the zero member
    names = [_name(m) for m in members if m.value and value & m.value == m.value]
    if names:
        return ", ".join(names)
    zero = next((m for m in members if m.value == 0), None)
    return _name(zero) if zero is not None else "0"


def flags_value(value: str | int | None, flags: type[IntFlag], field: str) -> int:
    """Numbers or comma-separated names (any case) back to the bit mask."""
    if value is None or value == "":
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
        by_name = {_name(m).lower(): int(m.value) for m in flags.__members__.values()}
        total = 0
        for part in text.split(","):
            bit = by_name.get(part.strip().lower())
            if bit is None:
                break
            total |= bit
        else:
            return total
    raise ApiError(400, "ArgumentException", "invalid_flags", field=field, value=str(value)[:60])


class Carrier(msgspec.Struct, rename="pascal", kw_only=True):
    """Base of carriers that describe their rights (SuperOffice's `Carrier`)."""


class RightsCarrier(Carrier):
    table_right: TableRight | None = None
    field_properties: dict[str, Any] = msgspec.field(default_factory=dict)


class TableRight(Carrier):
    mask: Flags = "None"
    reason: Text = ""


class Associate(RightsCarrier):
    associate_id: Int32 = 0
    name: Text = ""
    person_id: Int32 = 0
    rank: Int32 = 0
    tooltip: Text = ""
    type: w.UserType = w.UserType.InternalAssociate  # type: ignore[valid-type]
    group_idx: Int32 = 0
    full_name: Text = ""
    formal_name: Text = ""
    deleted: bool = False
    ej_user_id: Int32 = 0
    user_name: Text = ""
    extra_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    custom_fields: dict[str, Any] = msgspec.field(default_factory=dict)


class Person(RightsCarrier):
    position: Text = ""
    person_id: Int32 = 0
    mrmrs: Text = ""
    firstname: Text = ""
    lastname: Text = ""
    middle_name: Text = ""
    title: Text = ""
    description: Text = ""
    email: Text = ""
    full_name: Text = ""
    direct_phone: Text = ""
    formal_name: Text = ""
    country_id: Int32 = 0
    contact_id: Int32 = 0
    contact_name: Text = ""
    retired: bool = False
    rank: Int32 = 0
    active_interests: Int32 = 0
    contact_department: Text = ""
    contact_country_id: Int32 = 0
    contact_org_nr: Text = ""
    fax_phone: Text = ""
    mobile_phone: Text = ""
    contact_phone: Text = ""
    associate_name: Text = ""
    associate_id: Int32 = 0
    use_person_address: bool = False
    contact_fax: Text = ""
    kanafname: Text = ""
    kanalname: Text = ""
    post1: Text = ""
    post2: Text = ""
    post3: Text = ""
    email_name: Text = ""
    contact_full_name: Text = ""
    active_erp_links: Int32 = 0
    ticket_priority_id: Int32 = 0
    support_language_id: Int32 = 0
    support_associate_id: Int32 = 0
    category_name: Text = ""
    person_number: Text = ""


class Contact(RightsCarrier):
    contact_id: Int32 = 0
    name: Text = ""
    org_nr: Text = ""
    department: Text = ""
    url: Text = msgspec.field(default="", name="URL")
    city: Text = ""
    direct_phone: Text = ""
    associate_id: Int32 = 0
    country_id: Int32 = 0
    email_address: Text = ""
    kananame: Text = ""
    email_address_name: Text = ""
    url_name: Text = msgspec.field(default="", name="URLName")
    associate_full_name: Text = ""
    business_name: Text = ""
    category_name: Text = ""
    country_name: Text = ""
    address: dict[str, Any] | None = None
    formatted_address: Text = ""
    full_name: Text = ""
    is_owner_contact: bool = False
    active_erp_links: Int32 = 0
    number1: Text = ""
    number2: Text = ""


class Priority(RightsCarrier):
    id: Int32 = 0
    value: Text = ""
    tooltip: Text = ""


class Link(RightsCarrier):
    entity_name: Text = ""
    id: Int32 = 0
    description: Text = ""
    extra_info: Text = ""
    link_id: Int32 = 0


class VisibleFor(RightsCarrier):
    visible_id: Int32 = 0
    visibility: w.Visibility = w.Visibility.All  # type: ignore[valid-type]
    display_value: Text = ""


class TaskListItem(RightsCarrier):
    task_list_item_id: Int32 = 0
    value: Text = ""
    direction: Text = "Unknown"
    type: w.TaskType = w.TaskType.Appointment  # type: ignore[valid-type]
    tooltip: Text = ""
    deleted: bool = False
    intent_id: Int32 = 0
    rank: Int32 = 0
    is_default_allday_event: bool = False
    is_default_free: bool = False
    is_default_published: bool = False
    color_index: Text = "LightBlue"
    default_videomeeting_status: Text = "NoChange"


class ParticipantInfo(msgspec.Struct, rename="pascal", kw_only=True):
    """One participant of a booking (not a Carrier: no rights)."""

    associate_id: Int32 = 0
    person_id: Int32 = 0
    contact_id: Int32 = 0
    email_id: Int32 = 0
    send_email: bool = False
    invitation_status: w.InvitationStatus = w.InvitationStatus("None")  # type: ignore[valid-type]
    email_address: Text = ""
    description: Text = ""
    externally_owned_type: w.ExternallyOwnedType = w.ExternallyOwnedType.Unknown  # type: ignore[valid-type]
    externally_owned_status: w.ExternallyOwnedStatus = w.ExternallyOwnedStatus.Unknown  # type: ignore[valid-type]


class RecurrenceDayPattern(msgspec.Struct, rename="pascal", kw_only=True):
    pattern: w.RecurrenceDailyPattern = w.RecurrenceDailyPattern.Unknown  # type: ignore[valid-type]
    cycle: Int32 = 0


class RecurrenceWeekPattern(msgspec.Struct, rename="pascal", kw_only=True):
    cycle: Int32 = 0
    weekdays: Flags = "Unknown"


class RecurrenceMonthPattern(msgspec.Struct, rename="pascal", kw_only=True):
    pattern: w.RecurrenceMonthlyPattern = w.RecurrenceMonthlyPattern.Unknown  # type: ignore[valid-type]
    cycle: Int32 = 0
    day: Int32 = 0
    weekday: Flags = "Unknown"
    week_of_month: w.WeekOfMonth = w.WeekOfMonth.Unknown  # type: ignore[valid-type]


class RecurrenceYearPattern(msgspec.Struct, rename="pascal", kw_only=True):
    pattern: w.RecurrenceYearlyPattern = w.RecurrenceYearlyPattern.Unknown  # type: ignore[valid-type]
    cycle: Int32 = 0
    day: Int32 = 0
    weekday: Flags = "Unknown"
    week_of_month: w.WeekOfMonth = w.WeekOfMonth.Unknown  # type: ignore[valid-type]


class RecurrenceDate(msgspec.Struct, rename="pascal", kw_only=True):
    date: DateText | None = None
    is_conflict: bool = False
    description: Text = ""
    description_style_hint: Text = ""
    tooltip: Text = ""


class RecurrenceInfo(msgspec.Struct, rename="pascal", kw_only=True):
    """Always present on an entity; `IsRecurrence: false` on plain rows (spec §2.7)."""

    recurrence_id: Int32 = 0
    start_date: DateText | None = None
    end_date: DateText | None = None
    recurrence_counter: Int32 = 0
    recurrence_end_type: w.RecurrenceEndType = w.RecurrenceEndType.Unknown  # type: ignore[valid-type]
    pattern: w.RecurrencePattern = w.RecurrencePattern.Unknown  # type: ignore[valid-type]
    day_pattern: RecurrenceDayPattern | None = None
    week_pattern: RecurrenceWeekPattern | None = None
    month_pattern: RecurrenceMonthPattern | None = None
    year_pattern: RecurrenceYearPattern | None = None
    dates: list[RecurrenceDate] = msgspec.field(default_factory=list)
    is_recurrence: bool = False


class AppointmentEntity(RightsCarrier):
    """The full appointment (spec §3.2). Read-only members sent back on Save are ignored."""

    associate: Associate | None = None
    contact: Contact | None = None
    created_by: Associate | None = None
    updated_by: Associate | None = None
    created_date: DateText | None = None
    appointment_id: Int32 = 0
    description: Text = ""
    title: Text = ""
    agenda: Text = ""
    internal_notes: Text = ""
    start_date: DateText | None = None
    end_date: DateText | None = None
    invited_person: Person | None = None
    person: Person | None = None
    mother_id: Int32 = 0
    priority: Priority | None = None
    private: w.AppointmentPrivate = w.AppointmentPrivate.Public  # type: ignore[valid-type]
    project: dict[str, Any] | None = None
    type: w.AppointmentType = w.AppointmentType.inDiary  # type: ignore[valid-type]
    updated_date: DateText | None = None
    completed: w.ActivityStatus = w.ActivityStatus.NotStarted  # type: ignore[valid-type]
    active_links: Int32 = 0
    links: list[Link] = msgspec.field(default_factory=list)
    alarm_lead_time: SpanText | None = "00:00:00"
    has_alarm: bool = False
    color_index: Int32 = 0
    is_free: bool = False
    is_allday_event: bool = False
    lag_time: SpanText | None = "00:00:00"
    lead_time: SpanText | None = "00:00:00"
    location: Text = ""
    reject_counter: Int32 = 0
    reject_reason: Text = ""
    recurrence: RecurrenceInfo | None = None
    participants: list[ParticipantInfo] = msgspec.field(default_factory=list)
    assignment_status: w.AssignmentStatus = w.AssignmentStatus("None")  # type: ignore[valid-type]
    invitation_status: w.InvitationStatus = w.InvitationStatus("None")  # type: ignore[valid-type]
    booking_type: w.BookingType = w.BookingType("None")  # type: ignore[valid-type]
    active_date: DateText | None = None
    has_conflict: bool = False
    assigned_by: Associate | None = None
    mother_associate: Associate | None = None
    task: TaskListItem | None = None
    preferred_tz_location: Int32 = msgspec.field(default=0, name="PreferredTZLocation")
    preferred_tz_location_data: dict[str, Any] | None = msgspec.field(default=None, name="PreferredTZLocationData")
    sale: dict[str, Any] | None = None
    suggested_appointment_id: Int32 = 0
    is_mile_stone: bool = False
    caution_warning: w.AppointmentCautionWarning = w.AppointmentCautionWarning.OK  # type: ignore[valid-type]
    owned_externally: w.AppointmentExternalOwner = w.AppointmentExternalOwner("None")  # type: ignore[valid-type]
    join_videomeet_url: Text = ""
    centralservice_videomeet_id: Text = ""
    user_defined_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    extra_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    custom_fields: dict[str, Any] = msgspec.field(default_factory=dict)
    publish_event_date: DateText | None = None
    publish_to: DateText | None = None
    publish_from: DateText | None = None
    is_published: bool = False
    visible_for: list[VisibleFor] = msgspec.field(default_factory=list)


class Appointment(RightsCarrier):
    """The simple, read-only appointment of diary lists (spec §3.3)."""

    appointment_id: Int32 = 0
    start_date: DateText | None = None
    end_date: DateText | None = None
    type: w.AppointmentType = w.AppointmentType.inDiary  # type: ignore[valid-type]
    task: Text = ""
    associate_full_name: Text = ""
    contact_name: Text = ""
    description: Text = ""
    person_full_name: Text = ""
    person_id: Int32 = 0
    contact_id: Int32 = 0
    project_id: Int32 = 0
    project_name: Text = ""
    is_published: bool = False
    associate_id: Int32 = 0
    color_index: Int32 = 0
    is_free: bool = False
    has_alarm: bool = False
    is_allday_event: bool = False
    private: w.AppointmentPrivate = w.AppointmentPrivate.Public  # type: ignore[valid-type]
    priority_id: Int32 = 0
    priority_name: Text = ""
    task_type: w.TaskType = w.TaskType.Appointment  # type: ignore[valid-type]
    is_booking_main: bool = False
    is_recurrence: bool = False
    is_booking: bool = False
    active_date: DateText | None = None
    assignment_status: w.AssignmentStatus = w.AssignmentStatus("None")  # type: ignore[valid-type]
    invitation_status: w.InvitationStatus = w.InvitationStatus("None")  # type: ignore[valid-type]
    booking_type: w.BookingType = w.BookingType("None")  # type: ignore[valid-type]
    completed: w.ActivityStatus = w.ActivityStatus.NotStarted  # type: ignore[valid-type]
    recurring_pattern: w.RecurrencePattern = w.RecurrencePattern.Unknown  # type: ignore[valid-type]
    recurring_start_date: DateText | None = None
    recurring_end_date: DateText | None = None
    mother_id: Int32 = 0
    assigned_by: Int32 = 0
    assigned_by_full_name: Text = ""
    reject_reason: Text = ""
    location: Text = ""
    alarm_lead_time: SpanText | None = "00:00:00"
    sale_id: Int32 = 0
    sale_name: Text = ""
    associate_name: Text = ""
    created_date: DateText | None = None
    created_by: Text = ""
    created_by_full_name: Text = ""
    created_by_associate_id: Int32 = 0
    caution_warning: w.AppointmentCautionWarning = w.AppointmentCautionWarning.OK  # type: ignore[valid-type]
    owned_externally: w.AppointmentExternalOwner = w.AppointmentExternalOwner("None")  # type: ignore[valid-type]
    mother_associate_id: Int32 = 0
    join_videomeet_url: Text = ""
    preferred_tz_location: Int32 = msgspec.field(default=0, name="PreferredTZLocation")
    title: Text = ""
    agenda: Text = ""
    internal_notes: Text = ""
    task_id: Int32 = 0


# Agent request objects of this area. A member without a default is required: the binder refuses its
# absence and the OpenAPI document marks it required (one source of truth).


class Request(msgspec.Struct, rename="pascal", kw_only=True):
    """The method's parameters as members."""


class ByTypeRequest(Request):
    type: w.TaskType = w.TaskType.Appointment  # type: ignore[valid-type]


class ByTypeAndAssociateRequest(ByTypeRequest):
    associate_id: Int32 = 0


class RecordsRequest(Request):
    mother_id: Int32 = 0
    recurrence_rule_id: Int32 = 0


class WindowRequest(Request):
    start_time: DateText | None = None
    end_time: DateText | None = None
    count: Int32 = -1


class AssociateDiaryRequest(WindowRequest):
    associate_id: Int32 = 0


class PersonAppointmentsRequest(WindowRequest):
    person_id: Int32 = 0
    include_project_appointments: bool = False


class CountRequest(Request):
    count: Int32 = -1


class PersonDiaryRequest(WindowRequest):
    person_id: Int32 = 0


class PersonTasksRequest(CountRequest):
    person_id: Int32 = 0


class PersonAppointmentsByTypeRequest(PersonAppointmentsRequest):
    appointment_type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]


class PersonAppointmentsByTaskRequest(PersonAppointmentsRequest):
    task_id: Int32 = 0


class PersonAppointmentsByTasksRequest(PersonAppointmentsRequest):
    task_ids: list[Int32] = msgspec.field(default_factory=list)


class ContactAppointmentsRequest(WindowRequest):
    contact_id: Int32 = 0


class ContactAppointmentsByTypeRequest(ContactAppointmentsRequest):
    appointment_type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]


class ContactAppointmentsByTaskRequest(ContactAppointmentsRequest):
    task_id: Int32 = 0


class ContactAppointmentsByTasksRequest(ContactAppointmentsRequest):
    task_ids: list[Int32] = msgspec.field(default_factory=list)


class AssociatesDiaryRequest(Request):
    associate_ids: list[Int32] = msgspec.field(default_factory=list)
    start_time: DateText | None = None
    end_time: DateText | None = None


class FromExistingRequest(Request):
    appointment_id: Int32 = 0
    associate_id: Int32 = 0


class ValidateEntityRequest(Request):
    appointment_entity: AppointmentEntity  # required: the handler refuses a missing one


class CanInsertRequest(Request):
    associate_ids: list[Int32] = msgspec.field(default_factory=list)


class OrganizerNameRequest(Request):
    mother_appointment_id: Int32 = 0


class RecurrenceByDateRequest(Request):
    start_date: DateText | None = None


class CalculateDaysRequest(Request):
    appointment_entity: AppointmentEntity  # required: the handler refuses a missing one


class ValidateDaysRequest(Request):
    appointment_entity: AppointmentEntity  # required: the handler refuses a missing one
    dates: list[DateText | None] = msgspec.field(default_factory=list)


class SaveRequest(Request):
    """Save / SaveWithCustomInvitation's members. SendEmailToParticipants mails the participants whose SendEmail
    is set; the connection infos are ignored (the server's own SMTP settings send every mail)."""

    appointment_entity: AppointmentEntity  # required: the handler refuses a missing one
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]
    send_email_to_participants: bool = False
    smtp_e_mail_connection_info: dict[str, Any] | None = None
    imap_e_mail_connection_info: dict[str, Any] | None = None
