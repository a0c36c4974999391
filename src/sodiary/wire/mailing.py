"""What the booking calls tell the mail use cases (service/mail.py): send or not, the request's language,
the server's base zone, and each participant's SendEmail (and the address of an e-mail-only one)."""

from __future__ import annotations

from collections.abc import Iterable

from sodiary.service.mail import MailOptions, ParticipantFlag
from sodiary.wire.carriers.entity import ParticipantInfo
from sodiary.wire.endpoint import Call
from sodiary.wire.negotiation import language


def mail_options(call: Call, send: bool | None) -> MailOptions:
    """The request's language when it names one (SO-Language, Accept-Language), else SODIARY_MAIL_LANGUAGE;
    a recipient's own culture comes before either (service/mail.py)."""
    headers = call.request.headers
    settings = getattr(call.request.app.state, "settings", None)
    accept, so = headers.get("accept-language"), headers.get("so-language")
    named = bool((accept or "").strip(" *") or (so or "").strip(" *"))
    chosen = language(accept, so) if named else getattr(settings, "mail_language", "en") or "en"
    return MailOptions(send=bool(send), language=chosen, zone=getattr(settings, "time_zone", "UTC") or "UTC")


def participant_flags(participants: Iterable[ParticipantInfo]) -> list[ParticipantFlag]:
    return [ParticipantFlag(p.associate_id, p.person_id, p.send_email, (p.email_address or "").strip(),
                            p.description or "") for p in participants]
