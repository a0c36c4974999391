"""Agent methods of the rest of the invitation life cycle: Reject, SetSeenMany, the organiser's
Delete, the invitees' CleanUp and ToggleAppointmentStatus (spec §2.6.3–§2.6.9).

The e-mail twins behave like their plain methods: sodiary has no e-mail system yet.
"""

from __future__ import annotations

from ..domain.enums import RecurrenceUpdateMode
from ..service import answers, organiser
from . import carriers as c
from . import enums as w
from .endpoint import AgentMethod, Call
from .enums import to_domain, to_wire
from .errors import ApiError


def _mode(value: object) -> RecurrenceUpdateMode:
    return to_domain(value, RecurrenceUpdateMode)  # type: ignore[arg-type]


async def accept(call: Call, req: c.AcceptRequest) -> None:
    await answers.accept(call.db, call.caller, req.appointment_id, _mode(req.update_mode))


async def reject(call: Call, req: c.RejectRequest) -> None:
    await answers.reject(call.db, call.caller, req.appointment_id, _mode(req.update_mode), req.reject_reason)


async def set_seen_many(call: Call, req: c.SetSeenManyRequest) -> None:
    await answers.set_seen_many(call.db, call.caller, req.appointment_ids, _mode(req.update_mode))


async def delete(call: Call, req: c.DeleteRequest) -> None:
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


_ID_QUERY = {"AppointmentEntityId": int}

METHODS: list[AgentMethod] = [
    AgentMethod("AcceptWithEmailConfirmation", accept, c.AcceptRequest,
                summary="Accept an invitation (no e-mail is sent: sodiary has no e-mail system yet)."),
    AgentMethod("AcceptWithSmtpEmailConfirmation", accept, c.AcceptRequest,
                summary="Accept an invitation (no e-mail is sent: sodiary has no e-mail system yet)."),
    AgentMethod("Reject", reject, c.RejectRequest, summary="Rejecting an appointment invitation."),
    AgentMethod("RejectWithEmailConfirmation", reject, c.RejectRequest,
                summary="Reject an invitation (no e-mail is sent: sodiary has no e-mail system yet)."),
    AgentMethod("RejectWithSmtpEmailConfirmation", reject, c.RejectRequest,
                summary="Reject an invitation (no e-mail is sent: sodiary has no e-mail system yet)."),
    AgentMethod("SetSeenMany", set_seen_many, c.SetSeenManyRequest,
                summary="Sets appointment invitations to seen, all or none."),
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
    AgentMethod("ToggleAppointmentStatus", toggle_status, c.AppointmentIdRequest, w.AppointmentStatus,
                summary="Completed, or back to Started when it already was; returns the new status."),
]
