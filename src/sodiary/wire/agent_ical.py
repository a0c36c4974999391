"""Agent methods of answers from any calendar (issue 15): UpdateAppointmentFromIcsResponse and
GetUIDFromAppointmentId."""

from __future__ import annotations

from ..domain.errors import Invalid
from ..ical.reply import IcsError
from ..service import ical
from . import carriers as c
from .endpoint import AgentMethod, Call
from .mailing import mail_options


class UpdateFromIcsRequest(c.Request):
    """The responder's address and the iCalendar REPLY, base64-encoded as the official client sends it."""

    email_address: str = ""
    ics_data: bytes = b""


class GetUidRequest(c.Request):
    appointment_id: int = 0
    use_mother_id: bool = False


async def update_from_ics_response(call: Call, req: UpdateFromIcsRequest) -> bool:
    try:
        return await ical.update_from_ics_response(call.db, call.caller, req.email_address, req.ics_data,
                                                   mail_options(call, False).zone)
    except IcsError as exc:
        raise Invalid("bad_ics", reason=str(exc)) from None


async def get_uid(call: Call, req: GetUidRequest) -> str | None:
    return await ical.uid_from_appointment_id(call.db, call.caller, req.appointment_id, req.use_mother_id)


METHODS: list[AgentMethod] = [
    AgentMethod("UpdateAppointmentFromIcsResponse", update_from_ics_response, UpdateFromIcsRequest, bool,
                summary="Update the attendance to an appointment based on incoming ICS RSVPs."),
    AgentMethod("GetUIDFromAppointmentId", get_uid, GetUidRequest, str | None,
                summary="Get the UID associated with the appointment id in the Invitation table."),
]
