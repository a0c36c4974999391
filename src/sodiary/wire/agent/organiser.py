"""Agent methods of the organiser's side of the invitation life cycle (the invitees' answers are in
answers.py): Delete, Move, AssignTo and AcceptRejected, the invitees' CleanUp, the light-weight updates and
ToggleAppointmentStatus (spec §2.6.3–§2.6.9).

The e-mail twins mail through the outbox (service/mail.py): Delete, Move, MoveWithEmail, MoveExtended and
UpdateAppointmentWithModeAndEmail with SendEmailToParticipants the participants whose SendEmail is set.
SmtpEMailConnectionInfo and ImapEMailConnectionInfo are accepted and ignored: the server's own SMTP settings
send every mail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sodiary.domain.enums import AppointmentStatus, AppointmentType, RecurrenceUpdateMode
from sodiary.service import entities as svc
from sodiary.service import mail, organiser
from sodiary.wire import enums as w
from sodiary.wire.carriers import appointment as c
from sodiary.wire.carriers import entity as ec
from sodiary.wire.carriers.entity_view import load_entity, simple_carriers
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain, to_wire
from sodiary.wire.errors import ApiError
from sodiary.wire.mailing import mail_options
from sodiary.wire.timefmt import time_context


def _mode(value: object) -> RecurrenceUpdateMode:
    return to_domain(value, RecurrenceUpdateMode)  # type: ignore[arg-type]


class UpdateWithEmailRequest(c.UpdateAppointmentWithModeRequest):
    """UpdateAppointmentWithModeAndEmail: UpdateAppointmentWithMode, mailing the participants if asked."""

    send_email_to_participants: bool | None = None
    smtp_e_mail_connection_info: dict[str, Any] | None = None  # ignored: the server's own SMTP sends
    imap_e_mail_connection_info: dict[str, Any] | None = None


async def delete(call: Call, req: c.DeleteRequest) -> None:
    if req.send_email_to_participants:
        await mail.delete(call.db, call.caller, req.appointment_id, _mode(req.update_mode), mail_options(call, True))
        return
    await organiser.delete(call.db, call.caller, req.appointment_id, _mode(req.update_mode))


async def delete_entity(call: Call, _req: None) -> None:
    await organiser.delete_entity(call.db, call.caller, _query_id(call, "AppointmentEntityId"))


async def clean_up(call: Call, req: c.CleanUpRequest) -> int:
    return await organiser.clean_up(call.db, call.caller, req.appointment_ids, RecurrenceUpdateMode.OnlyThis)


async def clean_up_with_mode(call: Call, req: c.CleanUpWithModeRequest) -> None:
    await organiser.clean_up(call.db, call.caller, req.appointment_ids, _mode(req.update_mode))


async def clean_up_all(call: Call, _req: None) -> int:
    return await organiser.clean_up_all(call.db, call.caller)


async def toggle_status(call: Call, req: c.AppointmentIdRequest) -> object:
    status = await organiser.toggle_status(call.db, call.caller, req.appointment_id)
    return to_wire(status, w.AppointmentStatus)


async def move(call: Call, req: c.MoveRequest) -> ec.AppointmentEntity | None:
    times = organiser.NewTimes(_required_time(call, req.new_start_time, "NewStartTime", "MoveRequest"))
    if req.send_email_to_participants:
        await mail.move(call.db, call.caller, req.appointment_id, times, _mode(req.update_mode),
                        mail_options(call, True))
    else:
        await organiser.move(call.db, call.caller, req.appointment_id, times, _mode(req.update_mode))
    return await load_entity(call, req.appointment_id)


async def move_extended(call: Call, req: c.MoveExtendedRequest) -> ec.AppointmentEntity | None:
    data = req.appointment_move_data
    if data is None:
        raise ApiError(400, "ArgumentException", "body_invalid", type="MoveExtendedRequest",
                       detail="AppointmentMoveData is required")
    start = _required_time(call, data.new_start_time, "NewStartTime", "AppointmentMoveData")
    times = organiser.NewTimes(start, is_allday=data.is_allday_event, is_free=data.is_free)
    if data.send_email_to_participants:
        await mail.move(call.db, call.caller, data.appointment_id, times, _mode(data.update_mode),
                        mail_options(call, True))
    else:
        await organiser.move(call.db, call.caller, data.appointment_id, times, _mode(data.update_mode))
    return await load_entity(call, data.appointment_id)


async def accept_rejected(call: Call, req: c.AcceptRejectedRequest) -> ec.AppointmentEntity | None:
    shown = await organiser.accept_rejected(call.db, call.caller, req.appointment_id, _mode(req.update_mode))
    return await load_entity(call, shown)


async def assign_to(call: Call, req: c.AssignToRequest) -> ec.AppointmentEntity | None:
    if req.participant is None or req.participant.associate_id <= 0:
        raise ApiError(400, "ArgumentException", "body_invalid", type="AssignToRequest",
                       detail="Participant.AssociateId names the associate to assign to")
    await organiser.assign_to(call.db, call.caller, req.appointment_id, req.participant.associate_id,
                              _mode(req.update_mode))
    return await load_entity(call, req.appointment_id)


async def update_appointment(call: Call, req: c.UpdateAppointmentRequest) -> ec.Appointment | None:
    mode = _mode(getattr(req, "update_mode", w.RecurrenceUpdateMode.Unknown))
    tc = time_context(call.request)
    status = to_domain(req.status, AppointmentStatus)
    type_ = to_domain(req.type, AppointmentType)
    values = organiser.Update(
        appointment_id=req.id,
        start=tc.parse(req.start_time, "StartTime"),
        end=tc.parse(req.end_time, "EndTime"),
        status=None if status is AppointmentStatus.UnknownOrPostIt else status,
        type=None if type_ is AppointmentType.Unknown else type_,
        associate_id=req.associate_id,
    )
    send = getattr(req, "send_email_to_participants", None)
    if send:
        await mail.update(call.db, call.caller, values, mode, mail_options(call, True))
    else:
        await organiser.update(call.db, call.caller, values, mode)
    shown = simple_carriers(await svc.get_appointments(call.db, call.caller, [req.id]), call.caller, tc)
    return shown[0] if shown else None


def _required_time(call: Call, text: str | None, name: str, type_name: str) -> datetime:
    value = time_context(call.request).parse(text, name)
    if value is None:
        raise ApiError(400, "ArgumentException", "body_invalid", type=type_name, detail=f"{name} is required")
    return value


def _query_id(call: Call, name: str) -> int:
    raw = call.query.get(name.lower())
    try:
        value = int(raw.strip()) if raw is not None else 0
    except ValueError:
        value = 0
    if not 1 <= value <= 2_147_483_647:
        raise ApiError(400, "ArgumentException", "invalid_query", name=name,
                       detail="expected an appointment id (a positive Int32)")
    return value


_ID_QUERY = {"AppointmentEntityId": c.Id}  # required (not Optional): _query_id refuses its absence

METHODS: list[AgentMethod] = [
    AgentMethod("Delete", delete, c.DeleteRequest,
                summary="Deleting a booking (organiser); an invitee's delete declines it."),
    AgentMethod("DeleteAppointmentEntity", delete_entity, None, query=_ID_QUERY,
                summary="Deletes the AppointmentEntity."),
    AgentMethod("CleanUpBookingDeleted", clean_up, c.CleanUpRequest, int,
                summary="Deletes the caller's cancelled booking rows among the ids; returns how many."),
    AgentMethod("CleanUpBookingDeletedWithUpdateMode", clean_up_with_mode, c.CleanUpWithModeRequest,
                summary="Deletes the caller's cancelled booking rows among the ids, per update mode."),
    AgentMethod("CleanUpRecurringBookingDeleted", clean_up_all, None, int,
                summary="Deletes every cancelled booking row in the caller's diary; returns how many."),
    AgentMethod("Move", move, c.MoveRequest, ec.AppointmentEntity,
                summary="Moving a booking to another start time (organiser); answered invitations are asked again."),
    AgentMethod("MoveWithEmail", move, c.MoveRequest, ec.AppointmentEntity,
                summary="Move, mailing the participants whose SendEmail is set when SendEmailToParticipants."),
    AgentMethod("MoveExtended", move_extended, c.MoveExtendedRequest, ec.AppointmentEntity,
                summary="Move, also setting IsAlldayEvent / IsFree."),
    AgentMethod("AcceptRejected", accept_rejected, c.AcceptRejectedRequest, ec.AppointmentEntity,
                summary="The organiser acknowledges a declined invitation or assignment."),
    AgentMethod("AssignTo", assign_to, c.AssignToRequest, ec.AppointmentEntity,
                summary="Assigning an appointment to another associate."),
    AgentMethod("UpdateAppointment", update_appointment, c.UpdateAppointmentRequest, ec.Appointment,
                summary="Light-weight update of times, activity status, type and owner."),
    AgentMethod("UpdateAppointmentWithMode", update_appointment, c.UpdateAppointmentWithModeRequest,
                ec.Appointment, summary="UpdateAppointment for this or this and the following occurrences."),
    AgentMethod("UpdateAppointmentWithModeAndEmail", update_appointment, UpdateWithEmailRequest, ec.Appointment,
                summary="UpdateAppointmentWithMode, mailing the participants when SendEmailToParticipants."),
    AgentMethod("ToggleAppointmentStatus", toggle_status, c.AppointmentIdRequest, w.AppointmentStatus,
                summary="Completed, or back to Started when it already was; returns the new status."),
]
