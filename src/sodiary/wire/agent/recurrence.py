"""Agent methods: recurrence (spec §4.3 #30–#32) and Save with an update mode (see wire/agent/table.py).

CreateDefaultRecurrence(ByDate) answer the default series (weekly on the start's weekday, ending a
year later, every sub-pattern filled as in fixture 63); CalculateDays expands the entity's
Recurrence into its dates with the conflicts in the owner's diary; ValidateDays checks given dates.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Annotated

import msgspec

from sodiary.domain import enums as d
from sodiary.service import mail, recurrence
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import date_text, default_recurrence, entity_carrier, series_input
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain
from sodiary.wire.errors import ApiError
from sodiary.wire.mailing import mail_options, participant_flags
from sodiary.wire.negotiation import SUPPORTED_LANGUAGES
from sodiary.wire.series_change import save_input_for
from sodiary.wire.timefmt import TimeContext, time_context


def _now_in_view(tc: TimeContext) -> datetime:
    return tc.to_view(datetime.now(tc.base).replace(tzinfo=None, microsecond=0))


async def create_default(call: Call, _req: None) -> c.RecurrenceInfo:
    tc = time_context(call.request)
    return default_recurrence(_now_in_view(tc))


async def create_default_by_date(call: Call, req: c.RecurrenceByDateRequest) -> c.RecurrenceInfo:
    tc = time_context(call.request)
    start = tc.parse_view(req.start_date, "StartDate")
    return default_recurrence(start if start is not None else _now_in_view(tc))


def _times(entity: c.AppointmentEntity | None, tc: TimeContext, method: str) -> tuple[datetime, timedelta]:
    """The entity's start (base wall clock) and duration."""
    start = tc.parse(entity.start_date, "StartDate") if entity is not None else None
    if entity is None or start is None:
        raise ApiError(400, "ArgumentException", "recurrence_required", method=method)
    end = tc.parse(entity.end_date, "EndDate") or start
    return start, max(end - start, timedelta(0))


def _owner(entity: c.AppointmentEntity) -> int:
    return entity.associate.associate_id if entity.associate is not None else 0


def _rule_id(entity: c.AppointmentEntity) -> int:
    return entity.recurrence.recurrence_id if entity.recurrence is not None else 0


def _date(day: recurrence.DayConflicts, tc: TimeContext) -> c.RecurrenceDate:
    conflict = bool(day.conflicts)
    return c.RecurrenceDate(
        date=date_text(tc.to_view(day.start)), is_conflict=conflict, description=None,
        description_style_hint="conflict" if conflict else "",
        tooltip="{" + "&".join(f"conflict_id={i}" for i in day.conflicts) + "}" if conflict else None,
    )


async def calculate_days(call: Call, req: c.CalculateDaysRequest) -> c.RecurrenceInfo:
    tc = time_context(call.request)
    entity = req.appointment_entity
    start, duration = _times(entity, tc, "CalculateDays")
    assert entity is not None
    info = entity.recurrence or default_recurrence(tc.to_view(start), is_recurrence=True)
    series = series_input(info, start, tc)
    occurrences = recurrence.starts(series, start, entity.is_allday_event)
    days = await recurrence.day_conflicts(call.db, call.caller, _owner(entity), occurrences, duration, _rule_id(entity))
    first, last = tc.to_view(occurrences[0]), tc.to_view(occurrences[-1])
    info.start_date, info.dates = date_text(first), [_date(x, tc) for x in days]
    if to_domain(info.recurrence_end_type, d.RecurrenceEndType) is d.RecurrenceEndType.Counter:
        info.end_date = date_text(last)
    return info


async def validate_days(call: Call, req: c.ValidateDaysRequest) -> list[c.RecurrenceDate]:
    tc = time_context(call.request)
    entity = req.appointment_entity
    start, duration = _times(entity, tc, "ValidateDays")
    assert entity is not None
    clock = tc.to_view(start).time()
    occurrences = []
    for i, text in enumerate(req.dates):
        day = tc.parse_view(text, f"Dates[{i}]")
        if day is not None:  # the caller's calendar day at the entity's time of day, stored in the base zone
            occurrences.append(tc.from_view(datetime.combine(day.date(), clock)))
    days = await recurrence.day_conflicts(call.db, call.caller, _owner(entity), occurrences, duration, _rule_id(entity))
    return [_date(x, tc) for x in days]


async def save(call: Call, req: c.SaveRequest) -> c.AppointmentEntity:
    if req.appointment_entity is None:
        raise ApiError(400, "ArgumentException", "recurrence_required", method="Save")
    tc = time_context(call.request)
    data = await save_input_for(call, req.appointment_entity, to_domain(req.update_mode, d.RecurrenceUpdateMode))
    saved = await mail.save_entity(call.db, call.caller, data, participant_flags(req.appointment_entity.participants),
                                   mail_options(call, req.send_email_to_participants))
    return entity_carrier(saved, call.caller, tc)


class SaveWithCustomInvitationRequest(c.SaveRequest):
    """Save, with the subject and text of new invitations; TemplateLanguage chooses the language of the rest."""

    email_body: str | None = None
    subject: Annotated[str, msgspec.Meta(max_length=254)] | None = None
    template_language: Annotated[str, msgspec.Meta(max_length=20)] | None = None


class AppointmentSaveData(msgspec.Struct, rename="pascal", kw_only=True):
    appointment_entity: c.AppointmentEntity | None = None
    email_created: bool = False  # a mail was queued


async def save_with_custom_invitation(call: Call, req: SaveWithCustomInvitationRequest) -> AppointmentSaveData:
    if req.appointment_entity is None:
        raise ApiError(400, "ArgumentException", "recurrence_required", method="SaveWithCustomInvitation")
    tc = time_context(call.request)
    data = await save_input_for(call, req.appointment_entity, to_domain(req.update_mode, d.RecurrenceUpdateMode))
    opts = mail_options(call, req.send_email_to_participants)
    fixed = SUPPORTED_LANGUAGES.get((req.template_language or "").split("-")[0].strip().lower())
    opts = replace(opts, language=fixed or opts.language, fixed_language=fixed is not None, subject=req.subject or "",
                   body=req.email_body or "")
    saved, queued = await mail.save_entity_counted(call.db, call.caller, data,
                                                   participant_flags(req.appointment_entity.participants), opts)
    return AppointmentSaveData(appointment_entity=entity_carrier(saved, call.caller, tc), email_created=queued > 0)


METHODS: list[AgentMethod] = [
    AgentMethod("CreateDefaultRecurrence", create_default, None, c.RecurrenceInfo,
                summary="A default RecurrenceInfo (weekly from today for a year)."),
    AgentMethod("CreateDefaultRecurrenceByDate", create_default_by_date, c.RecurrenceByDateRequest,
                c.RecurrenceInfo, summary="A default RecurrenceInfo starting on a date."),
    AgentMethod("CalculateDays", calculate_days, c.CalculateDaysRequest, c.RecurrenceInfo,
                summary="The dates of the entity's recurrence, with conflicts in the owner's diary."),
    AgentMethod("ValidateDays", validate_days, c.ValidateDaysRequest, list[c.RecurrenceDate],
                summary="Conflict information for the given dates at the entity's time."),
    AgentMethod("Save", save, c.SaveRequest, c.AppointmentEntity,
                summary="Saves an AppointmentEntity; UpdateMode says which occurrences of a series change."),
    AgentMethod("SaveWithCustomInvitation", save_with_custom_invitation, SaveWithCustomInvitationRequest,
                AppointmentSaveData, summary="Save, mailing new invitations with the given Subject and EmailBody; "
                                             "EmailCreated says whether a mail was queued."),
]
