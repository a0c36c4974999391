"""Routes for POST /api/v1/Agents/Appointment/<Method>.

Each implemented method is one small handler: bind the request, call one service function.
The rest of SuperOffice's 113 methods answer 501 in SuperOffice's error shape.
"""

from __future__ import annotations

from typing import Any

from ..domain.enums import RecurrenceUpdateMode
from ..service import answers
from . import carriers as c
from .agent_methods import ALL_METHODS
from .endpoint import AgentMethod, Call
from .enums import to_domain


async def accept(call: Call, req: c.AcceptRequest) -> None:
    mode = to_domain(req.update_mode, RecurrenceUpdateMode)
    await answers.accept(call.db, call.caller, req.appointment_id, mode)


async def set_seen(call: Call, req: c.SetSeenRequest) -> None:
    mode = to_domain(req.update_mode, RecurrenceUpdateMode)
    await answers.set_seen(call.db, call.caller, req.appointment_id, mode)


IMPLEMENTED: list[AgentMethod] = [
    AgentMethod("Accept", accept, c.AcceptRequest, summary="Accepting an appointment invitation."),
    AgentMethod("SetSeen", set_seen, c.SetSeenRequest, summary="Sets an appointment invitation to seen."),
]


def agent_methods() -> dict[str, AgentMethod]:
    """Lower-case name -> method; ASP.NET routes are case-insensitive."""
    table: dict[str, Any] = {name.lower(): AgentMethod(name, None) for name in ALL_METHODS}
    for method in IMPLEMENTED:
        table[method.name.lower()] = method
    return table
