"""Agent methods: entity defaults, Save and Get (spec §4.3 #1–#11); the lists are in lists.py.

Unknown or invisible ids answer 200 with `null`, as the agents do; a malformed query id is a 400.
"""

from __future__ import annotations

from datetime import datetime

from sodiary.domain import enums as d
from sodiary.service import entities as svc
from sodiary.service import mail
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import entity_carrier, load_entity, load_simple, simple_carriers
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain
from sodiary.wire.errors import ApiError
from sodiary.wire.mailing import mail_options, participant_flags
from sodiary.wire.series_change import save_input_for
from sodiary.wire.timefmt import time_context
from sodiary.wire.validation import validate

_INT32_MAX = 2_147_483_647


def query_id(call: Call, name: str) -> int:
    """An Int32 id from the query string (names match case-insensitively)."""
    raw = call.query.get(name.lower())
    if raw is None or not raw.strip():
        raise ApiError(400, "ArgumentException", "invalid_query", name=name, detail="missing")
    try:
        value = int(raw.strip())
    except ValueError:
        raise ApiError(400, "ArgumentException", "invalid_query", name=name, detail="not an integer") from None
    if not -_INT32_MAX - 1 <= value <= _INT32_MAX:
        raise ApiError(400, "ArgumentException", "invalid_query", name=name, detail="not an Int32")
    return value


def _local_now(call: Call) -> datetime:
    tc = time_context(call.request)
    now = datetime.now(tc.base).replace(tzinfo=None, microsecond=0)
    return now


async def _default(call: Call, task_type: d.TaskType, owner: int) -> c.AppointmentEntity:
    data = await svc.create_default(call.db, call.caller, _local_now(call), task_type, owner)
    return entity_carrier(data, call.caller, time_context(call.request))


async def create_default(call: Call, _req: None) -> c.AppointmentEntity:
    return await _default(call, d.TaskType.Appointment, 0)


async def create_default_by_type(call: Call, req: c.ByTypeRequest) -> c.AppointmentEntity:
    return await _default(call, to_domain(req.type, d.TaskType), 0)


async def create_default_by_type_and_associate(call: Call, req: c.ByTypeAndAssociateRequest) -> c.AppointmentEntity:
    return await _default(call, to_domain(req.type, d.TaskType), req.associate_id)


async def save(call: Call, entity: c.AppointmentEntity) -> c.AppointmentEntity:
    tc = time_context(call.request)
    # No SendEmailToParticipants here: the participants' own SendEmail flags say who is mailed.
    data = await mail.save_entity(call.db, call.caller, await save_input_for(call, entity),
                                  participant_flags(entity.participants), mail_options(call, True))
    return entity_carrier(data, call.caller, tc)


async def get_entity(call: Call, _req: None) -> c.AppointmentEntity | None:
    appointment_id = query_id(call, "appointmentEntityId")
    return await load_entity(call, appointment_id) if appointment_id > 0 else None


async def get_appointment(call: Call, _req: None) -> c.Appointment | None:
    appointment_id = query_id(call, "appointmentId")
    return await load_simple(call, appointment_id) if appointment_id > 0 else None


async def get_list(call: Call, ids: list[int]) -> list[c.Appointment]:
    wanted = [i for i in ids if i > 0]
    data = await svc.get_appointments(call.db, call.caller, wanted)
    return simple_carriers(data, call.caller, time_context(call.request))


async def get_records(call: Call, req: c.RecordsRequest) -> list[c.Appointment]:
    data = await svc.get_records(call.db, call.caller, req.mother_id, req.recurrence_rule_id)
    return simple_carriers(data, call.caller, time_context(call.request))


async def from_existing(call: Call, req: c.FromExistingRequest) -> c.AppointmentEntity | None:
    if req.appointment_id <= 0:
        return None
    data = await svc.copy_entity(call.db, call.caller, req.appointment_id, req.associate_id, _local_now(call))
    return None if data is None else entity_carrier(data, call.caller, time_context(call.request))


async def validate_entity(call: Call, req: c.ValidateEntityRequest) -> dict[str, str]:
    if req.appointment_entity is None:
        raise ApiError(400, "ArgumentException", "body_required", type="ValidateAppointmentEntityRequest")
    return await validate(call, req.appointment_entity)


async def can_insert_for(call: Call, req: c.CanInsertRequest) -> list[bool]:
    return await svc.can_insert_for(call.db, req.associate_ids)


async def organizer_name(call: Call, req: c.OrganizerNameRequest) -> str | None:
    if req.mother_appointment_id <= 0:
        return None
    return await svc.organizer_name(call.db, call.caller, req.mother_appointment_id)


_Ids = list[c.Int32]

_ENTITY_ID = {"appointmentEntityId": c.Int32}  # required (not Optional): query_id refuses its absence
METHODS: list[AgentMethod] = [
    AgentMethod("CreateDefaultAppointmentEntity", create_default, None, c.AppointmentEntity,
                summary="A new AppointmentEntity with default values for the current user."),
    AgentMethod("CreateDefaultAppointmentEntityByType", create_default_by_type, c.ByTypeRequest, c.AppointmentEntity,
                summary="A new AppointmentEntity with default values for a task type."),
    AgentMethod("CreateDefaultAppointmentEntityByTypeAndAssociate", create_default_by_type_and_associate,
                c.ByTypeAndAssociateRequest, c.AppointmentEntity,
                summary="A new AppointmentEntity with default values for a task type and an owner."),
    AgentMethod("SaveAppointmentEntity", save, c.AppointmentEntity, c.AppointmentEntity,
                summary="Creates or updates an appointment; Participants make it a booking."),
    AgentMethod("GetAppointmentEntity", get_entity, None, c.AppointmentEntity, query=_ENTITY_ID,
                summary="The AppointmentEntity with the id, or null."),
    AgentMethod("GetAppointment", get_appointment, None, c.Appointment, query={"appointmentId": c.Int32},
                summary="The simple Appointment with the id, or null."),
    AgentMethod("GetAppointmentList", get_list, _Ids, list[c.Appointment],
                summary="Simple Appointments for an array of ids."),
    AgentMethod("GetAppointmentRecords", get_records, c.RecordsRequest, list[c.Appointment],
                summary="Every row of a booking and/or recurring series."),
    AgentMethod("CreateAppointmentEntityFromExisting", from_existing, c.FromExistingRequest, c.AppointmentEntity,
                summary="An unsaved copy with the same task type and participants, today at the same time; "
                        "null for an unknown id."),
    AgentMethod("ValidateAppointmentEntity", validate_entity, c.ValidateEntityRequest, dict[str, str],
                summary="What SaveAppointmentEntity would refuse, as field -> message; {} when it would save."),
    AgentMethod("GetCanInsertForAssociates", can_insert_for, c.CanInsertRequest, list[bool],
                summary="For each associate id, in order: may the caller put appointments in that diary."),
    AgentMethod("GetOrganizerName", organizer_name, c.OrganizerNameRequest, str,
                summary="The full name of a booking's organiser."),
]
