"""Agent methods that ask about invitation mail without sending any (issue 19): WillSendEmail,
GetAppointmentEmailInvitation and GetAppointmentHaveParticipantsWithEmail.

The first two run the save they ask about in a unit of work that is rolled back (service/mail.py), so the
answer is what Save would do, never a second opinion of it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import msgspec

from sodiary.outbox.mail import Renderer, language_of
from sodiary.service import mail
from sodiary.wire.carriers import entity as c
from sodiary.wire.endpoint import AgentMethod, Call
from sodiary.wire.mailing import mail_options, participant_flags
from sodiary.wire.series_change import save_input_for


class WillSendEmailRequest(c.Request):
    appointment: c.AppointmentEntity | None = None


class EmailInvitationRequest(c.Request):
    appointment: c.AppointmentEntity | None = None
    template_name: Annotated[str, msgspec.Meta(max_length=254)] | None = None  # new | changed | cancelled
    language: Annotated[str, msgspec.Meta(max_length=20)] | None = None


class HaveParticipantsWithEmailRequest(c.Request):
    appointment_id: c.Int32 = 0


class EMailAddress(c.RightsCarrier):
    contact_id: c.Int32 = 0
    contact_name: c.Text = ""
    person_id: c.Int32 = 0
    person_name: c.Text = ""
    associate_id: c.Int32 = 0
    address: c.Text = ""
    email_id: c.Int32 = 0
    duplicate_person_ids: list[int] = msgspec.field(default_factory=list)
    name: c.Text = ""


class EMailSOInfo(c.RightsCarrier):
    archived: bool = False
    appointment_id: c.Int32 = 0
    document_id: c.Int32 = 0


class EMailEntity(c.RightsCarrier):
    """SuperOffice's e-mail carrier; the preview fills the addresses, the subject and the bodies."""

    to: list[EMailAddress] = msgspec.field(default_factory=list)
    cc: list[EMailAddress] = msgspec.field(default_factory=list)
    bcc: list[EMailAddress] = msgspec.field(default_factory=list)
    subject: c.Text = ""
    html_body: c.Text = msgspec.field(default="", name="HTMLBody")
    from_: EMailAddress | None = msgspec.field(default=None, name="From")
    sent: c.DateText | None = None
    size: c.Int32 = 0
    priority: c.Text = "Normal"
    flags: c.Text = "None"
    message_id: c.Text = msgspec.field(default="", name="MessageID")
    plain_body: c.Text = ""
    is_sent: bool = False
    email_so_info: EMailSOInfo | None = msgspec.field(default=None, name="EMailSOInfo")
    server_id: c.Int32 = 0
    attachments: list[dict[str, Any]] = msgspec.field(default_factory=list)
    custom_header_list: list[dict[str, Any]] = msgspec.field(default_factory=list)
    folder_name: c.Text = ""
    email_item_id: c.Int32 = 0
    account_id: c.Int32 = 0
    received_at: c.DateText | None = None
    in_reply_to: dict[str, Any] | None = None
    replied_at: c.DateText | None = None
    has_calendar_data: bool = False
    cal_method: c.Text = ""
    cal_reply_status: c.Text = ""


async def will_send_email(call: Call, req: WillSendEmailRequest) -> bool:
    if req.appointment is None:
        return False
    data = await save_input_for(call, req.appointment)
    return await mail.will_send_email(call.db, call.caller, data, participant_flags(req.appointment.participants),
                                      mail_options(call, True))


async def email_invitation(call: Call, req: EmailInvitationRequest) -> EMailEntity:
    if req.appointment is None:
        return EMailEntity()
    data = await save_input_for(call, req.appointment)
    opts = mail_options(call, True)
    chosen = language_of(req.language or "")
    if chosen is not None:
        opts = replace(opts, language=chosen, fixed_language=True)
    settings = call.request.app.state.settings
    renderer = Renderer(settings.mail_from, settings.mail_templates)
    preview = await mail.invitation_preview(call.db, call.caller, data, participant_flags(req.appointment.participants),
                                            opts, (req.template_name or "").strip().lower(), renderer)
    sender = None
    if preview.sender is not None:
        sender = EMailAddress(address=preview.sender.email, name=preview.sender.name)
    return EMailEntity(
        to=[EMailAddress(contact_id=r.contact_id, person_id=r.person_id, person_name=r.party.name,
                         associate_id=r.associate_id, address=r.party.email, name=r.party.name)
            for r in preview.recipients],
        subject=preview.subject, html_body=preview.html, plain_body=preview.plain, from_=sender,
        size=len(preview.plain.encode()) + len(preview.html.encode()),
        email_so_info=EMailSOInfo(appointment_id=preview.appointment_id))


async def have_participants_with_email(call: Call, req: HaveParticipantsWithEmailRequest) -> bool:
    return await mail.have_participants_with_email(call.db, call.caller, req.appointment_id)


METHODS: list[AgentMethod] = [
    AgentMethod("WillSendEmail", will_send_email, WillSendEmailRequest, bool,
                summary="Whether saving the entity as given would mail its participants (nothing is saved)."),
    AgentMethod("GetAppointmentEmailInvitation", email_invitation, EmailInvitationRequest, EMailEntity,
                summary="The invitation mail the participants would get, without its calendar part "
                        "(TemplateName new, changed or cancelled; nothing is saved or sent)."),
    AgentMethod("GetAppointmentHaveParticipantsWithEmail", have_participants_with_email,
                HaveParticipantsWithEmailRequest, bool,
                summary="Whether any participant of the booking is marked to receive e-mail."),
]
