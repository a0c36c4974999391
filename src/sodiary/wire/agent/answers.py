"""Every answer an invitee gives: Accept, Reject, SetSeen, SetSeenMany, and the e-mail twins of Accept and Reject.

Each behaviour has one handler; a twin that differs only in how SuperOffice would send the mail (the Smtp
variants) is the same handler under a second name. The e-mail twins mail the organiser a METHOD:REPLY through
the outbox (service/mail.py); SmtpEMailConnectionInfo is accepted and ignored: the server's own SMTP settings
send every mail.
"""

from __future__ import annotations

from sodiary.domain.booking import Operation
from sodiary.domain.enums import RecurrenceUpdateMode
from sodiary.service import answers, mail
from sodiary.wire.carriers import appointment as c
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.enums import to_domain
from sodiary.wire.mailing import mail_options

# Recorded in the answer history as the plain call's (an Enum's value is a property: read once here).
_ACCEPT, _REJECT = Operation.ACCEPT.value, Operation.REJECT.value


def _mode(value: object) -> RecurrenceUpdateMode:
    return to_domain(value, RecurrenceUpdateMode)  # type: ignore[arg-type]


async def accept(call: Call, req: c.AcceptRequest) -> None:
    await answers.accept(call.db, call.caller, req.appointment_id, _mode(req.update_mode))


async def reject(call: Call, req: c.RejectRequest) -> None:
    await answers.reject(call.db, call.caller, req.appointment_id, _mode(req.update_mode), req.reject_reason or "")


async def accept_with_email(call: Call, req: c.AcceptRequest) -> None:
    await mail.answer_with_confirmation(call.db, call.caller, req.appointment_id, _mode(req.update_mode), True, "",
                                        mail_options(call, True), _ACCEPT)


async def reject_with_email(call: Call, req: c.RejectRequest) -> None:
    await mail.answer_with_confirmation(call.db, call.caller, req.appointment_id, _mode(req.update_mode), False,
                                        req.reject_reason or "", mail_options(call, True), _REJECT)


async def set_seen(call: Call, req: c.SetSeenRequest) -> None:
    await answers.set_seen(call.db, call.caller, req.appointment_id, _mode(req.update_mode))


async def set_seen_many(call: Call, req: c.SetSeenManyRequest) -> None:
    await answers.set_seen_many(call.db, call.caller, req.appointment_ids, _mode(req.update_mode))


METHODS: list[AgentMethod] = [
    AgentMethod("Accept", accept, c.AcceptRequest, summary="Accepting an appointment invitation."),
    AgentMethod("AcceptWithEmailConfirmation", accept_with_email, c.AcceptRequest,
                summary="Accept an invitation and e-mail the organiser a confirmation (METHOD:REPLY)."),
    AgentMethod("AcceptWithSmtpEmailConfirmation", accept_with_email, c.AcceptRequest,
                summary="AcceptWithEmailConfirmation; the server's own SMTP settings send the mail."),
    AgentMethod("Reject", reject, c.RejectRequest, summary="Rejecting an appointment invitation."),
    AgentMethod("RejectWithEmailConfirmation", reject_with_email, c.RejectRequest,
                summary="Reject an invitation and e-mail the organiser a confirmation (METHOD:REPLY)."),
    AgentMethod("RejectWithSmtpEmailConfirmation", reject_with_email, c.RejectRequest,
                summary="RejectWithEmailConfirmation; the server's own SMTP settings send the mail."),
    AgentMethod("SetSeen", set_seen, c.SetSeenRequest, summary="Sets an appointment invitation to seen."),
    AgentMethod("SetSeenMany", set_seen_many, c.SetSeenManyRequest,
                summary="Sets appointment invitations to seen, all or none."),
]
