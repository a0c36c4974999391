"""How a batch of mails leaves (outbox/transport.py): one SMTP connection per delivery batch, each message's
outcome its own, against a real SMTP server on a loopback port."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from sodiary.outbox.transport import DeliveryError, SmtpTransport
from tests.support.server import free_port


class Counting:
    """An SMTP server's handler: every DATA with the connection it came on; `replies` answer the next ones."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[int, bytes, str]] = []  # (connection number, message, reply)
        self.replies: list[str] = []
        self.opened = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        with self.lock:
            if not hasattr(session, "number"):
                self.opened += 1
                session.number = self.opened
            reply = self.replies.pop(0) if self.replies else "250 OK"
            self.seen.append((session.number, envelope.content, reply))
        return reply

    def taken(self) -> list[bytes]:
        """The first line of each message the server took."""
        with self.lock:
            return [content.split(b"\r\n")[0] for _, content, reply in self.seen if reply.startswith("250")]

    def connections(self) -> list[int]:
        with self.lock:
            return [number for number, _, _ in self.seen]


@pytest.fixture
def smtp() -> Any:
    handler = Counting()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpTransport("127.0.0.1", port, timeout=5), handler
    finally:
        controller.stop()


def send_all(transport: SmtpTransport, count: int) -> list[str]:
    """Send `count` messages in one session; what each send raised ("" when it was taken)."""

    async def run() -> list[str]:
        outcomes = []
        async with transport.session() as session:
            for n in range(count):
                try:
                    await session.send("diary@example.org", ["tje0@example.com"], f"Subject: {n}\r\n\r\n{n}\r\n"
                                       .encode(), str(n))
                except DeliveryError as exc:
                    outcomes.append(f"{'permanent' if exc.permanent else 'temporary'}: {exc}")
                else:
                    outcomes.append("")
        return outcomes

    return asyncio.run(run())


def test_a_batch_of_messages_goes_over_one_smtp_connection(smtp: Any) -> None:
    transport, handler = smtp
    assert send_all(transport, 5) == [""] * 5
    assert handler.taken() == [b"Subject: %d" % n for n in range(5)]
    assert handler.connections() == [1] * 5


def test_a_refused_message_is_its_own_failure_and_the_rest_of_the_batch_goes_on(smtp: Any) -> None:
    transport, handler = smtp
    handler.replies = ["250 OK", "550 5.1.1 no such user", "451 4.3.0 later"]
    outcomes = send_all(transport, 5)
    assert outcomes[1].startswith("permanent: ") and "550" in outcomes[1]
    assert outcomes[2].startswith("temporary: ") and "451" in outcomes[2]
    assert (outcomes[0], outcomes[3:]) == ("", ["", ""])
    assert handler.taken() == [b"Subject: 0", b"Subject: 3", b"Subject: 4"]
    assert handler.connections() == [1] * 5


def test_a_connection_the_server_closes_under_a_later_message_is_opened_again_for_it(smtp: Any) -> None:
    transport, handler = smtp
    handler.replies = ["250 OK", "421 4.7.0 too many messages, closing"]  # the 2nd DATA on a reused connection
    assert send_all(transport, 3) == ["", "", ""]
    assert handler.taken() == [b"Subject: 0", b"Subject: 1", b"Subject: 2"]
    assert handler.connections() == [1, 1, 2, 2]


def test_a_server_that_cannot_be_reached_fails_the_batch_as_temporary() -> None:
    transport = SmtpTransport("127.0.0.1", free_port(), timeout=2)
    outcomes = send_all(transport, 3)
    assert all(o.startswith("temporary: ") for o in outcomes), outcomes


def test_an_address_smtp_cannot_carry_is_a_permanent_failure(smtp: Any) -> None:
    transport, _ = smtp

    async def run() -> DeliveryError:
        async with transport.session() as session:
            with pytest.raises(DeliveryError) as raised:
                await session.send("diary@example.org", ["tøre@example.com"], b"Subject: x\r\n\r\nx\r\n", "x")
            return raised.value

    assert asyncio.run(run()).permanent
