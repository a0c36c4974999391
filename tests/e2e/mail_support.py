"""A real SMTP server for the mail tests (aiosmtpd on a free loopback port), and readers of what it got."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import icalendar
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.support.server import free_port


@dataclass
class Received:
    recipients: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return self.recipients[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def calendar_part(self) -> EmailMessage:
        for part in self.message.walk():
            if part.get_content_type() == "text/calendar":
                return part  # type: ignore[return-value]
        raise AssertionError("no text/calendar part")

    @property
    def method(self) -> str:
        return str(self.calendar_part().get_param("method"))

    def calendar(self) -> icalendar.Calendar:
        return icalendar.Calendar.from_ical(self.calendar_part().get_content())

    def event(self) -> icalendar.Event:
        [event] = self.calendar().walk("VEVENT")
        return event

    def text(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                return str(part.get_content())  # type: ignore[attr-defined]
        raise AssertionError("no text/plain part")


@dataclass
class Sink:
    """Collects every message; `refuse` answers the next DATA commands with the given replies first."""

    received: list[Received] = field(default_factory=list)
    refuse: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stalls: int = 0  # the next DATA commands that hang (until the client goes away), then refuse
    stalled: int = 0  # how many did

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            stall = self.stalls > 0
            self.stalls -= stall
            self.stalled += stall
        if stall:
            await asyncio.sleep(30)
            return "451 4.4.2 timed out"
        with self.lock:
            if self.refuse:
                return self.refuse.pop(0)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.received.append(Received(list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"

    def take(self) -> list[Received]:
        with self.lock:
            out, self.received[:] = list(self.received), []
            return out


class SmtpSink:
    def __init__(self, port: int = 0) -> None:
        self.port = port or free_port()
        self.sink = Sink()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def mail_env(smtp_url: str) -> dict[str, str]:
    return {"SODIARY_SMTP_URL": smtp_url, "SODIARY_MAIL_FROM": "diary@example.org",
            "SODIARY_OUTBOX_POLL_SECONDS": "0.5", "SODIARY_OUTBOX_RETRY_SECONDS": "1",
            "SODIARY_OUTBOX_LEASE_SECONDS": "5"}


def outbox_rows(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM outbox_message ORDER BY message_id")).mappings()]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Delivery happens after the answer, so tests wait for it (a generous deadline, not a speed check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def settle(engine: Engine, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Wait until nothing is pending in the outbox; its rows."""
    wait_until(lambda: all(r["status"] != "pending" for r in outbox_rows(engine)), "the outbox to drain", timeout)
    return outbox_rows(engine)


def engine_for(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
