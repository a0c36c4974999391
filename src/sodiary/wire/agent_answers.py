"""Agent methods by which an invitee answers: Accept, SetSeen."""

from __future__ import annotations

from ..domain.enums import RecurrenceUpdateMode
from ..service import answers
from . import carriers as c
from .endpoint import AgentMethod, Call
from .enums import to_domain


async def accept(call: Call, req: c.AcceptRequest) -> None:
    mode = to_domain(req.update_mode, RecurrenceUpdateMode)
    await answers.accept(call.db, call.caller, req.appointment_id, mode)


async def set_seen(call: Call, req: c.SetSeenRequest) -> None:
    mode = to_domain(req.update_mode, RecurrenceUpdateMode)
    await answers.set_seen(call.db, call.caller, req.appointment_id, mode)


METHODS: list[AgentMethod] = [
    AgentMethod("Accept", accept, c.AcceptRequest, summary="Accepting an appointment invitation."),
    AgentMethod("SetSeen", set_seen, c.SetSeenRequest, summary="Sets an appointment invitation to seen."),
]
