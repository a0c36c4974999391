"""A real SMTP server for the mail tests (aiosmtpd on a free loopback port), and readers of what it got."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Any

import icalendar
import recurring_ical_events
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


def waiting_replies(engine: Engine) -> int:
    """Confirmations their answers wrote that the delivery worker has not yet moved into outbox_message."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM outbox_reply")).scalar_one())


def settle(engine: Engine, timeout: float = 60.0) -> list[dict[str, Any]]:
    """Wait until nothing is pending in the outbox (nor waiting to enter it); its rows."""
    wait_until(lambda: not waiting_replies(engine) and all(r["status"] != "pending" for r in outbox_rows(engine)),
               "the outbox to drain", timeout)
    return outbox_rows(engine)


def engine_for(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _utc(value: datetime | date) -> datetime | date:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _instance(event: icalendar.Event) -> datetime | date | None:
    found = event.get("RECURRENCE-ID")
    if found is None:
        return None
    value = found.dt
    return value.astimezone(UTC) if isinstance(value, datetime) else value


class ClientCalendar:
    """What a calendar client makes of the iMIP messages one attendee received (RFC 5546 §3.2), kept as
    VEVENTs by UID: a REQUEST with a master (no RECURRENCE-ID) replaces everything the UID had; one with
    RECURRENCE-IDs only replaces those instances; a CANCEL without RECURRENCE-ID removes the UID, one with
    a RECURRENCE-ID removes that instance (an EXDATE on the master, as clients record it)."""

    def __init__(self) -> None:
        self.events: dict[str, dict[datetime | date | None, icalendar.Event]] = {}
        self.zones: dict[str, icalendar.Timezone] = {}

    def apply(self, *messages: Received) -> ClientCalendar:
        for message in messages:
            calendar = message.calendar()
            for zone in calendar.walk("VTIMEZONE"):
                self.zones[str(zone["TZID"])] = zone
            for event in calendar.walk("VEVENT"):
                self._apply(message.method, event, calendar.walk("VEVENT"))
        return self

    def _apply(self, method: str, event: icalendar.Event, all_of_it: list[icalendar.Event]) -> None:
        uid, instance = str(event["UID"]), _instance(event)
        if method == "REQUEST":
            if any(_instance(e) is None for e in all_of_it) and instance is None:
                self.events[uid] = {}
            self.events.setdefault(uid, {})[instance] = event
        elif method == "CANCEL":
            if instance is None:
                self.events.pop(uid, None)
                return
            held = self.events.get(uid, {})
            held.pop(instance, None)
            master = held.get(None)
            if master is not None:
                master.add("exdate", event["RECURRENCE-ID"].dt)

    def calendar(self) -> icalendar.Calendar:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//test client//EN")
        cal.add("version", "2.0")
        for zone in self.zones.values():
            cal.add_component(zone)
        for held in self.events.values():
            for event in held.values():
                cal.add_component(event)
        return cal

    def shown(self, start: datetime = datetime(2000, 1, 1, tzinfo=UTC),
              end: datetime = datetime(2100, 1, 1, tzinfo=UTC)) -> list[tuple[Any, Any, str]]:
        """Every instance the client shows, expanded by recurring-ical-events: (start, end) in UTC (dates
        for all-day events), title."""
        found = recurring_ical_events.of(self.calendar()).between(start, end)
        return sorted((_utc(e.decoded("DTSTART")), _utc(e.decoded("DTEND")), str(e["SUMMARY"])) for e in found)

    def uids(self) -> set[str]:
        return {uid for uid, held in self.events.items() if held}
