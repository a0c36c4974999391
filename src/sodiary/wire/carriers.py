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
