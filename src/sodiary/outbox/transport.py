"""How a rendered mail leaves: SMTP (SODIARY_SMTP_URL), or an .eml file in the mail directory.

A DeliveryError says whether trying again can help: SMTP's 5xx replies are permanent, 4xx replies,
refused connections, timeouts and dropped connections are temporary.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Transport(Protocol):
    async def send(self, sender: str, recipients: list[str], message: bytes, name: str) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class SmtpTransport:
    hostname: str
    port: int
    use_tls: bool = False
    start_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_url(cls, url: str, timeout: float = 30.0) -> SmtpTransport:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        defaults = {"smtp": (25, False, False), "smtps": (465, True, False), "smtp+starttls": (587, False, True)}
        if scheme not in defaults or not parts.hostname:
            raise ValueError("SODIARY_SMTP_URL must be smtp://host[:port], smtps://… or smtp+starttls://…")
        port, use_tls, start_tls = defaults[scheme]
        return cls(parts.hostname, parts.port or port, use_tls, start_tls,
                   unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, timeout)

    def describe(self) -> str:  # never the password
        scheme = "smtps" if self.use_tls else "smtp+starttls" if self.start_tls else "smtp"
        return f"{scheme}://{self.hostname}:{self.port}"

    async def send(self, sender: str, recipients: list[str], message: bytes, name: str) -> None:
        try:
            errors, _reply = await aiosmtplib.send(
                message, sender=sender, recipients=recipients, hostname=self.hostname, port=self.port,
                use_tls=self.use_tls, start_tls=self.start_tls, username=self.username, password=self.password,
                timeout=self.timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            raise DeliveryError(_text(exc), permanent=all(c >= 500 for c in codes)) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(_text(exc), permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(_text(exc), permanent=False) from None
        if errors:  # some recipients refused: there is one per message, so this is theirs
            code, text = next(iter(errors.values()))
            raise DeliveryError(f"{code} {text}", permanent=code >= 500)


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@dataclass(frozen=True)
class DirectoryTransport:
    """Without SMTP (the `make run` default): one .eml file per message, written whole or not at all."""

    directory: Path

    def describe(self) -> str:
        return f"files in {self.directory}"

    async def send(self, sender: str, recipients: list[str], message: bytes, name: str) -> None:
        try:  # on a thread: the fsync must not hold up the requests on the event loop
            await asyncio.to_thread(self._write, message, name)
        except OSError as exc:
            raise DeliveryError(_text(exc), permanent=False) from None

    def _write(self, message: bytes, name: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{name}.eml"
        tmp = self.directory / f".{name}.{uuid.uuid4().hex}.tmp"
        with tmp.open("wb") as f:
            f.write(message)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(final)


def mail_directory(database_url: str, configured: str) -> Path:
    """SODIARY_MAIL_DIR, or `mail/` beside the SQLite database file, or var/mail."""
    if configured:
        return Path(configured)
    if database_url.startswith("sqlite:///") and not database_url.endswith(":memory:"):
        return Path(database_url.removeprefix("sqlite:///")).resolve().parent / "mail"
    return Path("var/mail")


def transport_for(smtp_url: str, database_url: str, mail_dir: str) -> Transport:
    if smtp_url:
        return SmtpTransport.from_url(smtp_url)
    return DirectoryTransport(mail_directory(database_url, mail_dir))
