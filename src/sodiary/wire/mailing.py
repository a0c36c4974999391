"""What the booking calls tell the mail use cases (service/mail.py): send or not, the request's language,
the server's base zone, and each participant's SendEmail."""

from __future__ import annotations

from collections.abc import Iterable

from ..service.mail import MailOptions, ParticipantFlag
from .endpoint import Call
from .entity_carriers import ParticipantInfo
from .negotiation import language


def mail_options(call: Call, send: bool | None) -> MailOptions:
    headers = call.request.headers
    settings = getattr(call.request.app.state, "settings", None)
    return MailOptions(send=bool(send), language=language(headers.get("accept-language"), headers.get("so-language")),
                       zone=getattr(settings, "time_zone", "UTC") or "UTC")


def participant_flags(participants: Iterable[ParticipantInfo]) -> list[ParticipantFlag]:
    return [ParticipantFlag(p.associate_id, p.person_id, p.send_email) for p in participants]
