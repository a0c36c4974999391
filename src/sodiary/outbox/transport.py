"""How a rendered mail leaves: SMTP (SODIARY_SMTP_URL), or an .eml file in the mail directory.

A DeliveryError says whether trying again can help: SMTP's 5xx replies are permanent, 4xx replies,
refused connections, timeouts and dropped connections are temporary.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool, closed: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.closed = closed  # the SMTP connection was closed under the message


class Sender(Protocol):
    async def send(self, sender: str, recipients: list[str], message: bytes, name: str) -> None: ...


class Transport(Protocol):
    def session(self) -> contextlib.AbstractAsyncContextManager[Sender]:
        """Where one batch of messages is sent, one after another (one SMTP connection for the batch)."""
        ...

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

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Sender]:
        session = SmtpSession(self)
        try:
            yield session
        finally:
            await session.close()


class SmtpSession:
    """One SMTP connection for several messages (RFC 5321 lets a client send one transaction after another),
    opened at the first message and again after the server dropped it. Each message's outcome is its own: a
    refusal (RSET, and the connection goes on), a connection lost (that message is retried later, the next one
    opens a new connection). A server that cannot be reached fails the rest of the batch without a new try each."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self._client: aiosmtplib.SMTP | None = None
        self._unreachable: DeliveryError | None = None

    async def send(self, sender: str, recipients: list[str], message: bytes, name: str) -> None:
        reused = self._client is not None and self._client.is_connected
        try:
            await self._attempt(sender, recipients, message)
        except DeliveryError as exc:
            if not (reused and exc.closed):
                raise
            # A connection that carried earlier messages was closed under this one (an idle timeout, a server's
            # limit of messages per connection): once more on a new one before it counts as a failure.
            await self._attempt(sender, recipients, message)

    async def _attempt(self, sender: str, recipients: list[str], message: bytes) -> None:
        client = await self._connected()
        try:
            errors, _reply = await client.sendmail(sender, recipients, message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [e.code for e in exc.recipients]
            raise DeliveryError(_text(exc), permanent=all(c >= 500 for c in codes)) from None
        except aiosmtplib.SMTPResponseException as exc:
            closed = exc.code == 421 or not client.is_connected  # 421: the server is closing the connection
            if closed:
                await self._drop()
            raise DeliveryError(_text(exc), permanent=exc.code >= 500, closed=closed) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            closed = isinstance(exc, ConnectionError)  # SMTPServerDisconnected is one; a timeout is not
            raise DeliveryError(_text(exc), permanent=False, closed=closed) from None
        except ValueError as exc:  # an address SMTP cannot carry (aiosmtplib checks before sending anything)
            raise DeliveryError(_text(exc), permanent=True) from None
        if errors:  # some recipients refused: there is one per message, so this is theirs
            code, text = next(iter(errors.values()))
            raise DeliveryError(f"{code} {text}", permanent=code >= 500)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._unreachable is not None:
            raise self._unreachable
        if self._client is not None and self._client.is_connected:
            return self._client
        t = self.transport
        client = aiosmtplib.SMTP(hostname=t.hostname, port=t.port, use_tls=t.use_tls, start_tls=t.start_tls,
                                 username=t.username, password=t.password, timeout=t.timeout)
        try:
            await client.connect()
        except aiosmtplib.SMTPResponseException as exc:  # a refused greeting, STARTTLS or login
            self._unreachable = DeliveryError(_text(exc), permanent=exc.code >= 500)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            self._unreachable = DeliveryError(_text(exc), permanent=False)
        if self._unreachable is not None:
            client.close()
            raise self._unreachable
        self._client = client
        return client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


def _text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


@dataclass(frozen=True)
class DirectoryTransport:
    """Without SMTP (the `make run` default): one .eml file per message, written whole or not at all."""

    directory: Path

    def describe(self) -> str:
        return f"files in {self.directory}"

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Sender]:
        yield self

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
