"""Service data <-> entity carriers, in one request's time context.

The public interface for other wire modules (REST, organiser operations):
- `await load_entity(call, appointment_id)` -> AppointmentEntity | None (None = unknown or invisible)
- `entity_carrier(data, caller, tc)` / `simple_carrier(row, people, caller, tc)` from service data
- `save_input(entity, tc)` -> service.entities.SaveInput, from a decoded (camelCase, round-tripped) entity
- `time_context(call.request)` from wire/timefmt.py
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from sodiary.domain import booking, rights
from sodiary.domain import enums as d
from sodiary.domain.appointment import AppointmentRow, RecurrenceRuleRow, holding
from sodiary.domain.booking import BookingType
from sodiary.domain.recurrence import Rule
from sodiary.ical.series import Pattern, mailable
from sodiary.service import entities as svc
from sodiary.service.context import Caller
from sodiary.service.entities import EntityData, People, SaveInput
from sodiary.service.recurrence import SeriesInput
from sodiary.store.entities import AssociateInfo, ContactInfo, PersonInfo
from sodiary.store.groupings import Project, Published
from sodiary.store.tasks import Row as TaskRow
from sodiary.wire import enums as w
from sodiary.wire.carriers import entity as c
from sodiary.wire.endpoint import Call
from sodiary.wire.enums import to_domain, to_wire
from sodiary.wire.errors import ApiError
from sodiary.wire.timefmt import TimeContext, parse_span, render_span, time_context

FULL_RIGHTS = c.TableRight(mask="Select, Update, Insert, Delete", reason="")
READ_RIGHTS = c.TableRight(mask="Select", reason="")


async def load_entity(call: Call, appointment_id: int) -> c.AppointmentEntity | None:
    """The AppointmentEntity of a row as the caller sees it, or None (unknown or another's private row)."""
    data = await svc.get_entity(call.db, call.caller, appointment_id)
    return entity_carrier(data, call.caller, time_context(call.request)) if data is not None else None


async def load_simple(call: Call, appointment_id: int) -> c.Appointment | None:
    """The simple Appointment carrier of a row, or None (unknown or another's private row)."""
    found = simple_carriers(await svc.get_appointments(call.db, call.caller, [appointment_id]), call.caller,
                            time_context(call.request))
    return found[0] if found else None


def associate_carrier(info: AssociateInfo | None) -> c.Associate | None:
    if info is None:
        return None
    person = info.person
    return c.Associate(
        associate_id=info.associate_id, name=info.name, person_id=person.person_id if person else 0,
        type=_enum(d.UserType(info.type) if info.type in d.UserType._value2member_map_ else d.UserType.Unknown,
                   w.UserType),
        full_name=info.full_name, formal_name=info.full_name, deleted=info.disabled, user_name=info.name,
        group_idx=info.group_id,
    )


def person_carrier(info: PersonInfo | None) -> c.Person | None:
    if info is None:
        return None
    return c.Person(
        person_id=info.person_id, firstname=info.firstname, lastname=info.lastname, email=info.email,
        full_name=info.full_name, formal_name=info.full_name, contact_id=info.contact_id,
        contact_name=info.contact_name, contact_department=info.department, contact_full_name=info.contact_name,
        associate_id=info.associate_id, associate_name=info.associate_name,
    )


def contact_carrier(info: ContactInfo | None) -> c.Contact | None:
    if info is None:
        return None
    full = f"{info.name} {info.department}".strip()
    return c.Contact(contact_id=info.contact_id, name=info.name, department=info.department, full_name=full)


def _enum(member: Any, wire: Any) -> Any:
    return to_wire(member, wire)


def _table_right(row: AppointmentRow, mother: AppointmentRow | None, caller: Caller, *,
                 invitees: bool = False) -> c.TableRight:
    """Full rights for whoever may change the row (domain/rights.py), read rights for everyone else; for
    an unsaved entity (CreateDefault…, …FromExisting) whether Save would create it."""
    if row.appointment_id == 0:
        may = rights.may_create(caller.associate_id, row.associate_id, has_invitees=invitees)
    else:
        may = rights.may_change(caller.associate_id, holding(row, mother))
    return FULL_RIGHTS if may else READ_RIGHTS


def entity_carrier(data: EntityData, caller: Caller, tc: TimeContext) -> c.AppointmentEntity:
    row, people = data.row, data.people
    status = row.status
    owner = people.associates.get(row.associate_id)
    mother = data.mother
    saved = row.appointment_id != 0
    invited = people.persons.get(row.invited_person_id) or (owner.person if owner else None)
    # A cancelled booking's mother may be gone: mother_associate_id still names the organiser.
    mother_owner = people.associates.get(
        mother.associate_id if mother else (row.mother_associate_id or row.associate_id))
    return c.AppointmentEntity(
        associate=associate_carrier(owner),
        contact=contact_carrier(people.contacts.get(row.contact_id)),
        created_by=associate_carrier(people.associates.get(row.registered_associate_id)),
        updated_by=associate_carrier(people.associates.get(row.updated_associate_id)),
        created_date=tc.render_utc(row.registered) if saved else None,
        appointment_id=row.appointment_id,
        description=row.description, title=row.title, agenda=row.agenda,
        internal_notes=row.internal_notes,
        start_date=tc.render(row.start_date), end_date=tc.render(row.end_date),
        invited_person=person_carrier(invited),
        person=person_carrier(people.persons.get(row.person_id)),
        mother_id=row.mother_id,
        private=_enum(_private(row.private), w.AppointmentPrivate),
        type=_enum(row.type, w.AppointmentType),
        updated_date=tc.render_utc(row.updated) if saved else None,
        completed=_enum(booking.activity_status(status), w.ActivityStatus),
        alarm_lead_time=render_span(row.alarm_lead_seconds),
        has_alarm=bool(row.has_alarm), is_free=bool(row.is_free), is_allday_event=bool(row.is_allday),
        lag_time=render_span(row.lag_seconds), lead_time=render_span(row.lead_seconds),
        location=row.location,
        reject_counter=(mother or row).reject_counter, reject_reason=row.reject_reason,
        recurrence=recurrence_carrier(data, tc),
        participants=[participant_carrier(r, people) for r in data.booking],
        assignment_status=_enum(booking.assignment_status(status), w.AssignmentStatus),
        invitation_status=_enum(booking.invitation_status(status), w.InvitationStatus),
        booking_type=_enum(booking.booking_type(row.appointment_id, row.mother_id), w.BookingType),
        active_date=tc.render(row.active_date),
        has_conflict=data.conflict,
        caution_warning=_enum(_caution(data), w.AppointmentCautionWarning),
        assigned_by=associate_carrier(people.associates.get(row.assigned_by)),
        mother_associate=associate_carrier(mother_owner),
        task=task_carrier(row.task_id, people.tasks.get(row.task_id), data.task_type),
        visible_for=[c.VisibleFor(visibility=w.Visibility.All, display_value="[SR_VFC_ALL]")],
        table_right=_table_right(row, mother, caller, invitees=len(data.booking) > 1),
        project=project_carrier(people.projects.get(row.project_id)),
        is_published=data.published is not None,
        publish_from=tc.render(data.published.publish_from) if data.published else None,
        publish_to=tc.render(data.published.publish_to) if data.published else None,
        publish_event_date=tc.render(data.published.event_date) if data.published else None,
    )


def _caution(data: EntityData) -> d.AppointmentCautionWarning:
    """RecurrencePatternNotSupported for a series with invitees whose pattern is mailed occurrence by
    occurrence (ical/series.py `mailable`): their calendars get no recurring event."""
    rule = data.rule
    if rule is None or len(data.booking) < 2:
        return d.AppointmentCautionWarning.OK
    pattern = Pattern(rule.pattern, rule.sub_pattern, rule.cycle, rule.weekdays, rule.day, rule.week_of_month,
                      rule.month)
    if mailable(pattern, rule.start_date.date() if rule.start_date else None):
        return d.AppointmentCautionWarning.OK
    return d.AppointmentCautionWarning.RecurrencePatternNotSupported


def task_carrier(task_id: int, found: TaskRow | None, task_type: d.TaskType) -> c.TaskListItem:
    """The entity's Task: the task list's row when the id names one, else the task type's name."""
    if found is None:
        return c.TaskListItem(task_list_item_id=task_id, value=d.wire_name(task_type),
                              type=_enum(task_type, w.TaskType))
    record_type = _member(d.TaskType, found["record_type"])
    return c.TaskListItem(
        task_list_item_id=task_id, value=found["name"], type=_enum(record_type, w.TaskType), tooltip=found["tooltip"],
        deleted=bool(found["deleted"]), rank=found["rank"], intent_id=found["intent_id"],
        is_default_allday_event=bool(found["default_allday_event"]), is_default_free=bool(found["default_free"]),
        is_default_published=bool(found["default_published"]), color_index=found["color_index"],
        default_videomeeting_status=found["default_videomeeting_status"],
        direction=("Unknown", "Incoming", "Outgoing", "SaintAll")[found["direction"] % 4],  # EAppntDirection
    )


def project_carrier(found: Project | None) -> dict[str, Any] | None:
    """The entity's Project (spec §3.4): what sodiary keeps, the other members at their defaults."""
    if found is None:
        return None
    return {"ProjectId": found.project_id, "Name": found.name, "ProjectNumber": found.project_number,
            "AssociateId": found.associate_id, "Description": "", "URL": "", "URLName": "", "Type": "", "TypeId": 0,
            "Status": "", "StatusId": 0, "TextId": 0, "IsPublished": False, "PublishFrom": None, "PublishTo": None,
            "ActiveErpLinks": 0, "EventId": 0, "StartDate": None, "Updated": None, "AssociateFullName": "",
            "Completed": found.done}


def _project_id(project: dict[str, Any] | None) -> int:
    value = next((v for k, v in (project or {}).items() if k.lower() == "projectid"), 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
        raise ApiError(400, "ArgumentException", "invalid_query", name="Project.ProjectId", detail="an id")
    return value


def _published(entity: c.AppointmentEntity, tc: TimeContext) -> Published | None:
    """IsPublished with its dates; the dates are days, so their time of day is dropped."""
    if not entity.is_published:
        return None

    def day(text: str | None, field: str) -> datetime | None:
        parsed = tc.parse(text, field)
        return parsed.replace(hour=0, minute=0, second=0, microsecond=0) if parsed is not None else None

    return Published(0, day(entity.publish_from, "PublishFrom"), day(entity.publish_to, "PublishTo"),
                     day(entity.publish_event_date, "PublishEventDate"))


def _private(value: int) -> d.AppointmentPrivate:
    return d.AppointmentPrivate(value) if value in d.AppointmentPrivate._value2member_map_ else (
        d.AppointmentPrivate.PrivateUser)


def participant_carrier(row: AppointmentRow, people: People) -> c.ParticipantInfo:
    person = people.persons.get(row.invited_person_id)
    return c.ParticipantInfo(
        associate_id=row.associate_id, person_id=row.invited_person_id,
        contact_id=person.contact_id if person else 0,
        send_email=row.send_email,
        invitation_status=_enum(booking.invitation_status(row.status), w.InvitationStatus),
    )


def recurrence_carrier(data: EntityData, tc: TimeContext) -> c.RecurrenceInfo:
    """The row's series, or the default non-recurring object (fixture 63) for a plain row."""
    rule = data.rule
    if rule is None:
        return default_recurrence(tc.to_view(data.row.start_date))
    pattern = _member(d.RecurrencePattern, rule.pattern)
    first = tc.to_view(rule.start_date or data.row.start_date)
    info = default_recurrence(first, is_recurrence=True)
    info.recurrence_id = rule.recurrence_rule_id
    info.end_date = date_text(tc.to_view(rule.end_date)) if rule.end_date else info.end_date
    info.recurrence_counter = rule.counter
    info.recurrence_end_type = _enum(_member(d.RecurrenceEndType, rule.end_type), w.RecurrenceEndType)
    info.pattern = _enum(pattern, w.RecurrencePattern)
    info.dates = [c.RecurrenceDate(date=date_text(tc.to_view(x)), description=None, tooltip=None)
                  for x in data.rule_dates]
    sub, cycle = rule.sub_pattern, rule.cycle
    weekdays = c.flags_text(rule.weekdays, d.Weekday)
    week_of_month = _enum(_member(d.WeekOfMonth, rule.week_of_month), w.WeekOfMonth)
    if pattern is d.RecurrencePattern.Daily:
        info.day_pattern = c.RecurrenceDayPattern(
            pattern=_enum(_member(d.RecurrenceDailyPattern, sub), w.RecurrenceDailyPattern), cycle=cycle)
    elif pattern is d.RecurrencePattern.Weekly:
        info.week_pattern = c.RecurrenceWeekPattern(cycle=cycle, weekdays=weekdays)
    elif pattern is d.RecurrencePattern.Monthly:
        info.month_pattern = c.RecurrenceMonthPattern(
            pattern=_enum(_member(d.RecurrenceMonthlyPattern, sub), w.RecurrenceMonthlyPattern), cycle=cycle,
            day=rule.day, weekday=weekdays, week_of_month=week_of_month)
    elif pattern is d.RecurrencePattern.Yearly:
        info.year_pattern = c.RecurrenceYearPattern(
            pattern=_enum(_member(d.RecurrenceYearlyPattern, sub), w.RecurrenceYearlyPattern),
            cycle=rule.month or first.month, day=rule.day, weekday=weekdays, week_of_month=week_of_month)
    return info


def date_text(value: datetime) -> str:
    """A date as SuperOffice sends it: midnight, naive (the caller's calendar day)."""
    return datetime.combine(value.date(), time()).isoformat(timespec="seconds")


def _week_of_month(day: date) -> d.WeekOfMonth:
    if day.day + 7 > calendar.monthrange(day.year, day.month)[1]:
        return d.WeekOfMonth.Last
    return d.WeekOfMonth((day.day - 1) // 7 + 1)


def default_recurrence(start: datetime, *, is_recurrence: bool = False) -> c.RecurrenceInfo:
    """Defaults for a series from `start` (view zone), every sub-pattern filled from it (fixture 63):
    weekly on its weekday, ending a year later."""
    day = start.date()
    weekday = c.flags_text(1 << day.weekday(), d.Weekday)
    week_of_month = _enum(_week_of_month(day), w.WeekOfMonth)
    try:
        year_later = day.replace(year=day.year + 1)
    except ValueError:  # 29 February, or the end of the calendar
        year_later = day + timedelta(days=365) if day.year < 9999 else day
    return c.RecurrenceInfo(
        recurrence_id=0, start_date=date_text(start), end_date=date_text(datetime.combine(year_later, time())),
        recurrence_counter=1, recurrence_end_type=w.RecurrenceEndType.EndDate, pattern=w.RecurrencePattern.Weekly,
        day_pattern=c.RecurrenceDayPattern(pattern=w.RecurrenceDailyPattern.EveryCyclicDay, cycle=1),
        week_pattern=c.RecurrenceWeekPattern(cycle=1, weekdays=weekday),
        month_pattern=c.RecurrenceMonthPattern(pattern=w.RecurrenceMonthlyPattern.DayOfMonth, cycle=1, day=day.day,
                                               weekday=weekday, week_of_month=week_of_month),
        year_pattern=c.RecurrenceYearPattern(pattern=w.RecurrenceYearlyPattern.DayOfMonth, cycle=day.month,
                                             day=day.day, weekday=weekday, week_of_month=week_of_month),
        dates=[c.RecurrenceDate(date=date_text(start), description=None, tooltip=None)],
        is_recurrence=is_recurrence,
    )


def series_input(info: c.RecurrenceInfo, start: datetime, tc: TimeContext) -> SeriesInput:
    """RecurrenceInfo → the domain rule, its dates in the series zone; `start` is the appointment's (base).

    The series starts on the appointment's own date: RecurrenceInfo.StartDate is the UI's local
    midnight, which other zones read as another day (docs/decisions.md). Dates the caller names
    (EndDate, Custom dates) are the caller's calendar days, moved with the start into the series zone.
    """
    zone = tc.zone
    first = TimeContext._convert(start, tc.base, zone).date()
    shift = first - tc.to_view(start).date()  # -1, 0 or +1 day between the caller's calendar and the zone's

    def day_of(text: str | None, field: str) -> date | None:
        value = tc.parse_view(text, field)
        return None if value is None else _shifted(value.date(), shift)

    pattern = to_domain(info.pattern, d.RecurrencePattern)
    sub: Any = None
    cycle, weekdays, day, week_of_month, month = 1, 0, 0, d.WeekOfMonth.Unknown, 0
    if pattern is d.RecurrencePattern.Daily and info.day_pattern is not None:
        sub = to_domain(info.day_pattern.pattern, d.RecurrenceDailyPattern)
        cycle = info.day_pattern.cycle
    elif pattern is d.RecurrencePattern.Weekly and info.week_pattern is not None:
        cycle = info.week_pattern.cycle
        weekdays = c.flags_value(info.week_pattern.weekdays, d.Weekday, "Recurrence.WeekPattern.Weekdays")
    elif pattern is d.RecurrencePattern.Monthly and info.month_pattern is not None:
        mp = info.month_pattern
        sub, cycle, day = to_domain(mp.pattern, d.RecurrenceMonthlyPattern), mp.cycle, mp.day
        weekdays = c.flags_value(mp.weekday, d.Weekday, "Recurrence.MonthPattern.Weekday")
        week_of_month = to_domain(mp.week_of_month, d.WeekOfMonth)
    elif pattern is d.RecurrencePattern.Yearly and info.year_pattern is not None:
        yp = info.year_pattern
        sub, month, day = to_domain(yp.pattern, d.RecurrenceYearlyPattern), yp.cycle, yp.day
        weekdays = c.flags_value(yp.weekday, d.Weekday, "Recurrence.YearPattern.Weekday")
        week_of_month = to_domain(yp.week_of_month, d.WeekOfMonth)
    if weekdays < 0 or weekdays > 0x7FFF:
        raise ApiError(400, "ArgumentException", "invalid_flags", field="Weekdays", value=str(weekdays))
    dates: tuple[date, ...] = ()
    if pattern is d.RecurrencePattern.Custom:
        dates = tuple(x for x in (day_of(r.date, "Recurrence.Dates") for r in info.dates) if x is not None)
    rule = Rule(
        pattern=pattern, start=first, sub_pattern=sub, cycle=cycle, weekdays=d.Weekday(weekdays), day=day,
        week_of_month=week_of_month, month=month, end_type=to_domain(info.recurrence_end_type, d.RecurrenceEndType),
        end=day_of(info.end_date, "Recurrence.EndDate"), counter=info.recurrence_counter, dates=dates,
    )
    return SeriesInput(rule, zone, tc.base)


def _shifted(day: date, shift: timedelta) -> date:
    try:
        return day + shift
    except OverflowError:
        return day


def _member(enum: Any, value: int) -> Any:
    return enum(value) if value in enum._value2member_map_ else enum(0)


def simple_carrier(row: AppointmentRow, people: People, caller: Caller, tc: TimeContext,
                   rule: RecurrenceRuleRow | None = None, published: bool = False) -> c.Appointment:
    status = row.status
    type_ = row.type
    owner = people.associates.get(row.associate_id)
    person = people.persons.get(row.person_id)
    creator = people.associates.get(row.registered_associate_id)
    assigner = people.associates.get(row.assigned_by)
    role = booking.booking_type(row.appointment_id, row.mother_id)
    contact = people.contacts.get(row.contact_id)
    task_type = svc.task_type_of(type_)
    return c.Appointment(
        appointment_id=row.appointment_id,
        start_date=tc.render(row.start_date), end_date=tc.render(row.end_date),
        type=_enum(type_, w.AppointmentType),
        task=found_task["name"] if (found_task := people.tasks.get(row.task_id)) else d.wire_name(task_type),
        associate_full_name=owner.full_name if owner else "",
        contact_name=contact.name if contact else "",
        description=row.description,
        person_full_name=person.full_name if person else "", person_id=row.person_id,
        contact_id=row.contact_id, associate_id=row.associate_id,
        is_free=bool(row.is_free), has_alarm=bool(row.has_alarm), is_allday_event=bool(row.is_allday),
        private=_enum(_private(row.private), w.AppointmentPrivate),
        task_type=_enum(task_type, w.TaskType),
        is_booking_main=role is BookingType.Owner,
        is_recurrence=row.recurrence_rule_id != 0,
        recurring_pattern=_enum(_member(d.RecurrencePattern, rule.pattern if rule else 0), w.RecurrencePattern),
        recurring_start_date=tc.render(rule.start_date) if rule else None,
        recurring_end_date=tc.render(rule.end_date) if rule else None,
        is_booking=row.mother_id != 0,
        active_date=tc.render(row.active_date),
        assignment_status=_enum(booking.assignment_status(status), w.AssignmentStatus),
        invitation_status=_enum(booking.invitation_status(status), w.InvitationStatus),
        booking_type=_enum(role, w.BookingType),
        completed=_enum(booking.activity_status(status), w.ActivityStatus),
        mother_id=row.mother_id,
        assigned_by=row.assigned_by, assigned_by_full_name=assigner.full_name if assigner else "",
        reject_reason=row.reject_reason, location=row.location,
        alarm_lead_time=render_span(row.alarm_lead_seconds),
        associate_name=owner.name if owner else "",
        created_date=tc.render_utc(row.registered),
        created_by=creator.name if creator else "", created_by_full_name=creator.full_name if creator else "",
        created_by_associate_id=row.registered_associate_id,
        mother_associate_id=row.mother_associate_id,
        title=row.title, agenda=row.agenda, internal_notes=row.internal_notes, task_id=row.task_id,
        table_right=_table_right(row, None, caller),
        project_id=row.project_id,
        project_name=project.name if (project := people.projects.get(row.project_id)) else "",
        is_published=published,
    )


def simple_carriers(data: svc.ListData, caller: Caller, tc: TimeContext) -> list[c.Appointment]:
    return [simple_carrier(r, data.people, caller, tc, data.rules.get(r.recurrence_rule_id),
                           r.appointment_id in data.published) for r in data.rows]


def save_input(entity: c.AppointmentEntity, tc: TimeContext,
               mode: d.RecurrenceUpdateMode = d.RecurrenceUpdateMode.OnlyThis, *, repattern: bool = False) -> SaveInput:
    """A decoded entity as the service's SaveInput; read-only members are ignored.

    A new entity with `Recurrence.IsRecurrence` is a series. On an existing row the Recurrence counts
    only when `repattern` says it was changed (series_change.py): then the series follows it from this
    occurrence on. Otherwise `mode` says which occurrences the save covers (Unknown = OnlyThis), except
    that `IsRecurrence: false` with `Pattern: Unknown` stops the series there, as documented.
    """
    start = tc.parse(entity.start_date, "StartDate")
    end = tc.parse(entity.end_date, "EndDate")
    recurrence = entity.recurrence
    series = None
    wanted = entity.appointment_id == 0 or repattern
    if wanted and recurrence is not None and recurrence.is_recurrence and start is not None:
        series = series_input(recurrence, start, tc)
    if mode is d.RecurrenceUpdateMode.Unknown:
        mode = d.RecurrenceUpdateMode.OnlyThis
    if (entity.appointment_id and recurrence is not None and not recurrence.is_recurrence
            and to_domain(recurrence.pattern, d.RecurrencePattern) is d.RecurrencePattern.Unknown
            and mode is d.RecurrenceUpdateMode.OnlyThis):
        mode = d.RecurrenceUpdateMode.StopRecurrence  # "save with IsRecurrence: false, Pattern: 0" [D]
    return SaveInput(
        appointment_id=entity.appointment_id,
        start=start,
        end=end,
        recurrence=series,
        mode=mode,
        associate_id=entity.associate.associate_id if entity.associate else 0,
        person_id=entity.person.person_id if entity.person else 0,
        contact_id=entity.contact.contact_id if entity.contact else 0,
        task_id=entity.task.task_list_item_id if entity.task else 0,
        type=to_domain(entity.type, d.AppointmentType),
        private=to_domain(entity.private, d.AppointmentPrivate),
        completed=to_domain(entity.completed, d.ActivityStatus),
        title=entity.title or "",
        location=entity.location or "",
        description=entity.description or "",
        agenda=entity.agenda or "",
        internal_notes=entity.internal_notes or "",
        is_allday=entity.is_allday_event,
        is_free=entity.is_free,
        has_alarm=entity.has_alarm,
        alarm_lead_seconds=parse_span(entity.alarm_lead_time, "AlarmLeadTime"),
        lead_seconds=parse_span(entity.lead_time, "LeadTime"),
        lag_seconds=parse_span(entity.lag_time, "LagTime"),
        participants=tuple(svc.ParticipantInput(p.associate_id, p.person_id) for p in entity.participants),
        project_id=_project_id(entity.project),
        published=_published(entity, tc),
    )
