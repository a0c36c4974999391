"""Diary views (issue 17): GetAssociatesDiaryInfo (several users' diaries for a multi-diary view) and
GetAlarms (the caller's alarms due now). Carriers as in the 12.4 client (Carriers.ts)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from sodiary.domain import diary_views as rules
from sodiary.domain.enums import AppointmentStatus as S
from sodiary.service import diary_views as svc
from sodiary.store.diary_views import Member
from sodiary.wire import enums as w
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import simple_carrier
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_wire
from sodiary.wire.timefmt import time_context

Text = c.Text
Int32 = c.Int32

# Alarms are minute-granular, so a client that polls once a minute never misses one; sodiary has no
# per-user alarm preferences (docs/decisions.md, issue 17).
POLLING_INTERVAL_SECONDS = 60
SILENT_AFTER_SECONDS = 0  # 0: the alarm sound is not cut short


class AppointmentInfo(c.RightsCarrier):
    appointment_id: Int32 = 0
    associate_id: Int32 = 0
    mother_id: Int32 = 0
    start_date: c.DateText | None = None
    end_date: c.DateText | None = None
    color_index: Text = "LightBlue"
    task_name: Text = ""
    contact_name: Text = ""
    project_name: Text = ""
    title: Text = ""
    agenda: Text = ""
    is_all_day: bool = False
    is_busy: bool = False
    is_recurring: bool = False
    is_video_meeting: bool = False
    has_alarm: bool = False
    is_completed: bool = False
    is_tentative: bool = False
    is_booking_main: bool = False
    send_email: bool = False
    any_send_email: bool = False
    is_private: bool = False
    recurrence_info: c.RecurrenceInfo | None = None
    person_name: Text = ""
    is_booking: bool = False
    owned_externally: Text = "None"
    mother_associate_id: Int32 = 0


class AlarmData(c.RightsCarrier):
    appointment_id: Int32 = 0
    start_time: c.DateText | None = None
    end_date: c.DateText | None = None
    alarm_time: c.DateText | None = None
    person_id: Int32 = 0
    person_full_name: Text = ""
    contact_name: Text = ""
    contact_id: Int32 = 0
    contact_department: Text = ""
    contact_full_name: Text = ""
    formal_name: Text = ""
    project_id: Int32 = 0
    project_name: Text = ""
    sale_id: Int32 = 0
    sale_name: Text = ""
    appointment_text: Text = ""
    location: Text = ""
    task_name: Text = ""
    appointment_type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]
    assignment_status: w.AssignmentStatus = w.AssignmentStatus.Unknown  # type: ignore[valid-type]
    invitation_status: w.InvitationStatus = w.InvitationStatus.Unknown  # type: ignore[valid-type]
    booking_type: w.BookingType = w.BookingType.Unknown  # type: ignore[valid-type]
    join_videomeet_url: Text = ""


class MultiAlarmData(c.RightsCarrier):
    alarms: list[AlarmData] = msgspec.field(default_factory=list)
    polling_interval: Int32 = POLLING_INTERVAL_SECONDS
    silent_after: Int32 = SILENT_AFTER_SECONDS


class AddressSyncData(c.RightsCarrier):
    address_id: Int32 = 0
    address_type: Text = ""
    address1: Text = ""
    address2: Text = ""
    address3: Text = ""
    city: Text = ""
    county: Text = ""
    zip_code: Text = ""
    state: Text = ""
    latitude: float = 0.0
    longitude: float = 0.0
    formatted_address: Text = ""


class ParticipantSyncData(c.RightsCarrier):
    person_id: Int32 = 0
    person_first_name: Text = ""
    person_middle_name: Text = ""
    person_lastname: Text = ""
    person_mrmrs: Text = ""
    person_title: Text = ""
    person_position: Text = ""
    person_academic_title: Text = ""
    person_formal_name: Text = ""
    person_full_name: Text = ""
    contact_id: Int32 = 0
    contact_name: Text = ""
    contact_department: Text = ""
    contact_business: Text = ""
    contact_country: Text = ""
    contact_category: Text = ""
    contact_full_name: Text = ""
    e_mail: list[str] = msgspec.field(default_factory=list, name="EMail")
    phone_private: list[str] = msgspec.field(default_factory=list)
    phone_fax: list[str] = msgspec.field(default_factory=list)
    phone_mobile: list[str] = msgspec.field(default_factory=list)
    phone_direct: list[str] = msgspec.field(default_factory=list)
    phone_contact: list[str] = msgspec.field(default_factory=list)
    messenger: list[str] = msgspec.field(default_factory=list)
    voip: list[str] = msgspec.field(default_factory=list)
    contact_url: list[str] = msgspec.field(default_factory=list)
    url: list[str] = msgspec.field(default_factory=list)
    street_address: AddressSyncData | None = None
    postal_address: AddressSyncData | None = None
    country: Text = ""
    person_address: AddressSyncData | None = None
    person_country: Text = ""
    participant_status: w.AppointmentStatus = w.AppointmentStatus.UnknownOrPostIt  # type: ignore[valid-type]


class AppointmentSyncData(c.RightsCarrier):
    alarm_time: c.DateText | None = None
    appointment_id: Int32 = 0
    appointment_text: Text = ""
    contact_department: Text = ""
    contact_full_name: Text = ""
    contact_name: Text = ""
    contact_id: Int32 = 0
    end_date: c.DateText | None = None
    has_alarm: bool = False
    is_all_day: bool = False
    is_assignment: bool = False
    is_busy: bool = False
    is_completed: bool = False
    is_invitation: bool = False
    is_tentative: bool = False
    location: Text = ""
    participants: list[ParticipantSyncData] = msgspec.field(default_factory=list)
    person_formal_name: Text = ""
    person_full_name: Text = ""
    person_id: Int32 = 0
    project_id: Int32 = 0
    project_name: Text = ""
    sale_id: Int32 = 0
    sale_name: Text = ""
    start_date: c.DateText | None = None
    task_name: Text = ""


class SyncRequest(c.Request):
    start_time: c.DateText | None = None
    end_time: c.DateText | None = None


LeadMinutes = Annotated[int, msgspec.Meta(ge=0, le=525_600, description="Minutes (0 to a year)")]


class GetAlarmsRequest(c.Request):
    include_invitations: bool = False
    include_all_appointments: bool = False
    default_alarm_lead_time_in_minutes: LeadMinutes = 10  # the web client's default alarm (user help)


async def associates_diary_info(call: Call, req: c.AssociatesDiaryRequest) -> list[AppointmentInfo]:
    tc = time_context(call.request)
    start, end = tc.parse(req.start_time, "StartTime"), tc.parse(req.end_time, "EndTime")
    data = await svc.associates_diary_info(call.db, call.caller, req.associate_ids, start, end)
    out = []
    for row in data.rows:
        a = simple_carrier(row, data.people, call.caller, tc)
        out.append(AppointmentInfo(
            appointment_id=a.appointment_id, associate_id=a.associate_id, mother_id=a.mother_id,
            start_date=a.start_date, end_date=a.end_date, task_name=a.task, contact_name=a.contact_name,
            title=a.title, agenda=a.agenda, is_all_day=a.is_allday_event, is_busy=not a.is_free,
            is_recurring=a.is_recurrence, has_alarm=a.has_alarm, is_completed=row.status == S.Completed,
            is_tentative=rules.is_tentative(row.status), is_booking_main=a.is_booking_main,
            is_private=row.private != 0, person_name=a.person_full_name, is_booking=a.is_booking,
            mother_associate_id=a.mother_associate_id, table_right=a.table_right,
        ))
    return out


async def alarms(call: Call, req: GetAlarmsRequest) -> MultiAlarmData:
    tc = time_context(call.request)
    now = datetime.now(tc.base).replace(tzinfo=None, microsecond=0)
    found = await svc.due_alarms(call.db, call.caller, now, include_invitations=req.include_invitations,
                                 include_all=req.include_all_appointments,
                                 default_lead_seconds=req.default_alarm_lead_time_in_minutes * 60)
    out = []
    for alarm in found.alarms:
        row = found.data.rows[alarm.row_index]
        a = simple_carrier(row, found.data.people, call.caller, tc)
        contact = found.data.people.contacts.get(row.contact_id)
        department = contact.department if contact else ""
        out.append(AlarmData(
            appointment_id=a.appointment_id, start_time=a.start_date, end_date=a.end_date,
            alarm_time=tc.render(alarm.alarm_time), person_id=a.person_id, person_full_name=a.person_full_name,
            contact_name=a.contact_name, contact_id=a.contact_id, contact_department=department,
            contact_full_name=" ".join(p for p in (a.contact_name or "", department) if p),
            formal_name=a.person_full_name, appointment_text=a.description, location=a.location,
            task_name=a.task, appointment_type=a.type, assignment_status=a.assignment_status,
            invitation_status=a.invitation_status, booking_type=a.booking_type,
            table_right=a.table_right,
        ))
    return MultiAlarmData(alarms=out)


def _full(name: str, department: str) -> str:
    return " ".join(p for p in (name, department) if p)


def _participant(member: Member, people: svc.People) -> ParticipantSyncData:
    person = people.persons.get(member.invited_person_id)
    status = to_wire(member.status, w.AppointmentStatus)
    if person is None:
        return ParticipantSyncData(participant_status=status)
    return ParticipantSyncData(
        person_id=person.person_id, person_first_name=person.firstname, person_lastname=person.lastname,
        person_formal_name=person.full_name, person_full_name=person.full_name, contact_id=person.contact_id,
        contact_name=person.contact_name, contact_department=person.department,
        contact_full_name=_full(person.contact_name, person.department),
        e_mail=[person.email] if person.email else [], participant_status=status,
    )


async def my_sync_appointments(call: Call, req: SyncRequest) -> list[AppointmentSyncData]:
    tc = time_context(call.request)
    start, end = tc.parse(req.start_time, "StartTime"), tc.parse(req.end_time, "EndTime")
    found = await svc.my_sync(call.db, call.caller, start, end)
    people = found.data.people
    out = []
    for row in found.data.rows:
        a = simple_carrier(row, people, call.caller, tc)
        status = row.status
        contact = people.contacts.get(row.contact_id)
        department = contact.department if contact else ""
        members = found.participants.get(row.mother_id, []) if row.mother_id else []
        out.append(AppointmentSyncData(
            alarm_time=tc.render(rules.alarm_time(row.start_date, row.alarm_lead_seconds)),
            appointment_id=a.appointment_id, appointment_text=a.description, contact_department=department,
            contact_full_name=_full(a.contact_name or "", department), contact_name=a.contact_name,
            contact_id=a.contact_id, end_date=a.end_date, has_alarm=a.has_alarm, is_all_day=a.is_allday_event,
            is_assignment=status in rules.ASSIGNMENT_PENDING, is_busy=not a.is_free,
            is_completed=status is S.Completed, is_invitation=rules.is_tentative(status),
            is_tentative=rules.is_tentative(status), location=a.location,
            participants=[_participant(m, people) for m in members], person_formal_name=a.person_full_name,
            person_full_name=a.person_full_name, person_id=a.person_id, start_date=a.start_date, task_name=a.task,
            table_right=a.table_right,
        ))
    return out


METHODS: list[AgentMethod] = [
    AgentMethod("GetAssociatesDiaryInfo", associates_diary_info, c.AssociatesDiaryRequest, list[AppointmentInfo],
                summary="Several associates' diaries in a window for a multi-diary view; unanswered invitations "
                        "are tentative."),
    AgentMethod("GetAlarms", alarms, GetAlarmsRequest, MultiAlarmData,
                summary="The caller's alarms that ring now: alarm time reached, appointment not ended."),
    AgentMethod("GetMySyncAppointments", my_sync_appointments, SyncRequest, list[AppointmentSyncData],
                summary="The caller's diary rows in a window for calendar sync, with each booking's participants."),
]
