"""Request and response carriers. Names are SuperOffice's, PascalCase on the wire.

These types decode requests, encode responses and generate the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from . import enums as w

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


# --- The organiser's side and cleanup (wire/agent_organiser.py) -----------------------------------

MAX_IDS = 1000  # ids per SetSeenMany / CleanUp call: one unit of work, kept bounded
IdList = Annotated[list[Id], msgspec.Meta(max_length=MAX_IDS, description="Appointment ids (at most 1000)")]


class RejectRequest(AcceptRequest):
    """Decline an invitation or an assignment; the reason may be empty."""

    reject_reason: Annotated[str, msgspec.Meta(max_length=254)] = ""


class SetSeenManyRequest(Request):
    appointment_ids: IdList = msgspec.field(default_factory=list)
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class DeleteRequest(AcceptRequest):
    """Delete a booking (organiser) or decline it (invitee). No e-mail system yet: the flag is accepted."""

    send_email_to_participants: bool = False


class CleanUpRequest(Request):
    appointment_ids: IdList = msgspec.field(default_factory=list)


class CleanUpWithModeRequest(CleanUpRequest):
    update_mode: w.RecurrenceUpdateMode = w.RecurrenceUpdateMode.Unknown  # type: ignore[valid-type]


class AppointmentIdRequest(Request):
    appointment_id: Id
