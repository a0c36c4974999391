"""What the booking calls tell the mail use cases (service/mail.py): send or not, the request's language,
the server's base zone, and each participant's SendEmail (and the address of an e-mail-only one)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from starlette.datastructures import State

from sodiary.service.mail import MailOptions, ParticipantFlag
from sodiary.wire.carriers.entity import ParticipantInfo
from sodiary.wire.endpoint import Call
from sodiary.wire.negotiation import CACHED_HEADER_CHARS, language


def mail_options(call: Call, send: bool | None) -> MailOptions:
    """The request's language when it names one (SO-Language, Accept-Language), else SODIARY_MAIL_LANGUAGE;
    a recipient's own culture comes before either (service/mail.py)."""
    scope = call.request.scope
    accept, so = _language_headers(scope["headers"])
    fallback, zone = _server_defaults(scope["app"].state)
    # Every e-mail twin of an answer asks this with the same few header values: the options (frozen) are made
    # once per combination, as negotiation.py caches the language, and under the same bound on the client's text.
    if len(accept or "") + len(so or "") > CACHED_HEADER_CHARS:
        return _options(bool(send), accept, so, fallback, zone)
    return _cached_options(bool(send), accept, so, fallback, zone)


@lru_cache(maxsize=8)
def _server_defaults(state: State) -> tuple[str, str]:
    """SODIARY_MAIL_LANGUAGE and the base zone, read once per application (its settings never change)."""
    settings = getattr(state, "settings", None)
    return getattr(settings, "mail_language", "en") or "en", getattr(settings, "time_zone", "UTC") or "UTC"


def _language_headers(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """Accept-Language and SO-Language, the first of each, read off the ASGI header list in one pass (the names
    arrive lower-cased): Starlette's `Headers.get` scans the list once per name, and raises and catches a
    KeyError for the absent one (two microseconds of every e-mail twin's answer)."""
    accept = so = None
    for name, value in headers:
        if name == b"accept-language":
            if accept is None:
                accept = value.decode("latin-1")
        elif name == b"so-language" and so is None:
            so = value.decode("latin-1")
    return accept, so


def _options(send: bool, accept: str | None, so: str | None, fallback: str, zone: str) -> MailOptions:
    named = bool((accept or "").strip(" *") or (so or "").strip(" *"))
    return MailOptions(send=send, language=language(accept, so) if named else fallback, zone=zone)


_cached_options = lru_cache(maxsize=256)(_options)


def participant_flags(participants: Iterable[ParticipantInfo]) -> list[ParticipantFlag]:
    return [ParticipantFlag(p.associate_id, p.person_id, p.send_email, (p.email_address or "").strip(),
                            p.description or "") for p in participants]
