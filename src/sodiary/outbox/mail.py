"""A queued mail's payload, and the RFC 5322 / RFC 6047 message it becomes at delivery.

The payload fixes everything the recipient will see (the event, its SEQUENCE and DTSTAMP, the
language); rendering it again gives the same message, with the same Message-ID. Texts are Jinja2
templates (`templates/mail.<language>.txt|html`); an operator's directory (SODIARY_MAIL_TEMPLATES) is
searched first. Headers are set through EmailMessage's default policy, and every name and subject is
folded onto one line first: a CR/LF in a title or a name can never start a header of its own.
"""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import msgspec

from ..ical import Attendee, Event, Method, Party, to_ics

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("en", "no")
# A culture's or a request's language name -> the templates' language (Bokmål and Nynorsk read Norwegian).
_LANGUAGE_OF = {"en": "en", "no": "no", "nb": "no", "nn": "no"}


def language_of(culture: str) -> str | None:
    """The templates' language for a culture name (`nb-NO`, `en_GB`, `no`), or None when there is none."""
    primary = culture.strip().replace("_", "-").split("-")[0].lower()
    return _LANGUAGE_OF.get(primary)


class _Headers(HeaderRegistry):
    """The standard header registry, each header's class made once: the stock one builds a new class with
    `type()` for every header it parses, most of the CPU a mail's rendering took (docs/decisions.md)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


_HEADERS = _Headers()
POLICY = email.policy.default.clone(header_factory=_HEADERS)  # type: ignore[arg-type]
SMTP_POLICY = email.policy.SMTP.clone(header_factory=_HEADERS)  # type: ignore[arg-type]


class MailPayload(msgspec.Struct, frozen=True, kw_only=True):
    template: str  # new | changed | cancelled | accepted | declined
    language: str  # en | no
    method: str  # REQUEST | CANCEL | REPLY
    to: Party
    event: Event
    zone: str = "UTC"  # the zone the body shows times in (the server's base zone)
    reply_to: Party | None = None
    sender_name: str = ""  # the From's display name: who caused the mail
    attendees: tuple[Attendee, ...] | None = None  # narrows the ATTENDEE list (a REPLY, a removed participant)
    reason: str = ""  # a decline's reason
    subject: str = ""  # SaveWithCustomInvitation's Subject: replaces the template's for a new invitation
    body: str = ""  # its EmailBody, as plain text (shown escaped in the HTML part, never as markup)


def encode(payload: MailPayload) -> str:
    return msgspec.json.encode(payload).decode()


def decode(text: str) -> MailPayload:
    return msgspec.json.decode(text, type=MailPayload)


def one_line(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=4096)  # the same few addresses are checked on every confirmation of a meeting
def valid_address(address: str) -> bool:
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, TypeError):
        return False
    return bool(parsed.username and parsed.domain and "." in parsed.domain)


class Renderer:
    def __init__(self, mail_from: str, templates: str = "") -> None:
        self.mail_from = mail_from
        self.domain = mail_from.rpartition("@")[2] or "sodiary.invalid"
        loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(TEMPLATES))]
        if templates:
            loaders.insert(0, jinja2.FileSystemLoader(templates))
        self.env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), default_for_string=True), undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True)

    def message_id(self, key: str) -> str:
        return f"<{key}@{self.domain}>"

    def render(self, payload: MailPayload, key: str, created: datetime) -> EmailMessage:
        language = payload.language if payload.language in LANGUAGES else "en"
        context = _context(payload)
        text = self.env.get_template(f"mail.{language}.txt").render(context)
        subject, _, body = text.partition("\n")
        html = self.env.get_template(f"mail.{language}.html").render(context)
        if payload.subject:
            subject = payload.subject
        if payload.body:
            body = payload.body
            html = self.env.from_string(_CUSTOM_HTML).render(body=payload.body, title=context["title"])
        msg = EmailMessage(policy=POLICY)
        msg["Subject"] = one_line(subject.removeprefix("Subject:"))
        msg["From"] = Address(one_line(payload.sender_name), addr_spec=self.mail_from)
        msg["To"] = Address(one_line(payload.to.name), addr_spec=payload.to.email)
        if payload.reply_to is not None and payload.reply_to.email:
            msg["Reply-To"] = Address(one_line(payload.reply_to.name), addr_spec=payload.reply_to.email)
        msg["Date"] = format_datetime(created.replace(tzinfo=UTC))
        msg["Message-ID"] = self.message_id(key)
        msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
        msg.set_content(body.lstrip("\n"))
        msg.add_alternative(html, subtype="html")
        method = Method(payload.method)
        ics = to_ics(payload.event, method, payload.attendees)
        # RFC 6047: the text/calendar part carries the iTIP method as a parameter; the same object again as
        # an attachment for clients that only look there.
        msg.add_alternative(ics.decode(), subtype="calendar", params={"method": method.value})
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
        return msg


# A caller's own text is escaped: a mail from the server never carries markup a client wrote.
_CUSTOM_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><p style="white-space: pre-wrap">{{ body }}</p></body></html>
"""


def _context(payload: MailPayload) -> dict[str, object]:
    event = payload.event
    zone = _zone(payload.zone)
    if event.start_date is not None:
        when = event.start_date.isoformat()
        if event.end_date is not None and (event.end_date - event.start_date).days > 1:
            when += " – " + event.end_date.fromordinal(event.end_date.toordinal() - 1).isoformat()
    elif event.start is not None and event.end is not None:
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        end_text = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
        when = f"{start:%Y-%m-%d %H:%M} – {end_text} ({payload.zone})"
    else:
        when = ""
    answered = next(iter(payload.attendees or ()), None)
    return {
        "template": payload.template, "event": event, "when": when, "organizer": _clean(event.organizer),
        "to": _clean(payload.to), "answered_by": _clean(answered) if answered else None,
        "title": one_line(event.summary), "location": event.location,
        "description": event.description, "reason": payload.reason,
    }


def _clean(party: Party) -> Party:
    return Party(name=one_line(party.name), email=party.email)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):
        return ZoneInfo("UTC")
