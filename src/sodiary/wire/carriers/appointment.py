"""Request and response carriers. Names are SuperOffice's, PascalCase on the wire.

These types decode requests, encode responses and generate the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from sodiary.wire import enums as w
from sodiary.wire.carriers.entity import DateText, ParticipantInfo

# SuperOffice ids are Int32; 0 means "none", so a real id starts at 1.
Id = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647, description="Appointment id (Int32, > 0)")]


class Request(msgspec.Struct, rename="pascal", kw_only=True, forbid_unknown_fields=False):
    """Base of agent request objects: the method's parameters as members."""


class AcceptRequest(Request):
    """Accept an invitation: the invitee's own child row id, or the organiser's mother row id."""

    appointment_id: Id
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class SetSeenRequest(AcceptRequest):
    """Mark an invitation as seen (same members as Accept)."""


# --- The organiser's side and cleanup (wire/agent/organiser.py) -----------------------------------

MAX_IDS = 1000  # ids per SetSeenMany / CleanUp call: one unit of work, kept bounded
IdList = Annotated[list[Id], msgspec.Meta(max_length=MAX_IDS, description="Appointment ids (at most 1000)")]


class RejectRequest(AcceptRequest):
    """Decline an invitation or an assignment; the reason may be empty."""

    reject_reason: Annotated[str, msgspec.Meta(max_length=254)] | None = ""  # null = no reason


class SetSeenManyRequest(Request):
    appointment_ids: IdList = msgspec.field(default_factory=list)
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class DeleteRequest(AcceptRequest):
    """Delete a booking (organiser) or decline it (invitee); SendEmailToParticipants mails the cancellation."""

    send_email_to_participants: bool | None = None


class CleanUpRequest(Request):
    appointment_ids: IdList = msgspec.field(default_factory=list)


class CleanUpWithModeRequest(CleanUpRequest):
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class AppointmentIdRequest(Request):
    appointment_id: Id


AssociateId = Annotated[int, msgspec.Meta(ge=0, le=2_147_483_647, description="Associate id; 0 = keep")]


class AcceptRejectedRequest(AcceptRequest):
    """The organiser / assigner acknowledges a decline: a declined child, a mother, or an assignment id."""


class Assignee(ParticipantInfo, kw_only=True):
    """AssignTo's participant: a ParticipantInfo that must name the associate (the schema says so too)."""

    associate_id: Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647, description="The associate to assign to")]


class AssignToRequest(AcceptRequest, kw_only=True):
    participant: Assignee


# Members without a default are required: the binder refuses their absence with a 400 and the OpenAPI
# document, rendered from these Structs, marks them required (docs/decisions.md, "The OpenAPI document").
class MoveRequest(AcceptRequest, kw_only=True):
    new_start_time: DateText
    send_email_to_participants: bool | None = None


class AppointmentMoveData(msgspec.Struct, rename="pascal", kw_only=True):
    """MoveExtended's parameter: Move's members plus the all-day and free/busy flags."""

    appointment_id: Id
    new_start_time: DateText
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]
    is_allday_event: bool | None = None
    is_free: bool | None = None
    send_email_to_participants: bool | None = None


class MoveExtendedRequest(Request):
    appointment_move_data: AppointmentMoveData


class UpdateAppointmentRequest(Request):
    """The light-weight update; 0 / missing members keep the row's value."""

    id: Id
    start_time: DateText | None = None
    end_time: DateText | None = None
    status: w.AppointmentStatus = w.AppointmentStatus.UnknownOrPostIt  # type: ignore[valid-type]
    type: w.AppointmentType = w.AppointmentType.Unknown  # type: ignore[valid-type]
    associate_id: AssociateId = 0


class UpdateAppointmentWithModeRequest(UpdateAppointmentRequest):
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]
