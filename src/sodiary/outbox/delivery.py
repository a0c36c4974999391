"""The delivery worker: an asyncio task in the server process that claims due messages, sends them and
records what happened — woken after every commit that queued mail, polling as a fallback (other
processes' and instances' commits, retries coming due, leases of dead workers running out).

Claims and outcomes are units of work of their own (store/outbox.py); the send happens between them,
outside any transaction, so no answer ever waits for SMTP. Temporary failures come back after an
exponential backoff (retry_seconds · 2^(attempts−1), at most an hour); a permanent refusal, or
max_attempts temporary ones, leaves the message `failed` with its last error for `sodiary mail`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from sqlalchemy.engine import Connection

from .. import metrics
from ..config import Settings
from ..service.clock import utc_now
from ..service.mail import complete_replies, promote_replies
from ..store import outbox as store
from ..store.database import Database
from . import pacing, signal, stopping
from .mail import SMTP_POLICY, Renderer, decode
from .transport import DeliveryError, Sender, Transport, transport_for

log = logging.getLogger("sodiary.outbox")

MAX_BACKOFF = timedelta(hours=1)
COALESCE_SECONDS = 0.05  # after a wake-up, before the claim: one batch per burst of commits, not one per commit


@dataclass(frozen=True)
class Policy:
    poll_seconds: float = 5.0
    lease_seconds: float = 60.0
    retry_seconds: float = 30.0
    max_attempts: int = 12
    batch: int = 20


def backoff(attempts: int, retry_seconds: float) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1, 2, …)."""
    return min(timedelta(seconds=retry_seconds * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class DeliveryWorker:
    def __init__(self, db: Database, transport: Transport, renderer: Renderer, policy: Policy) -> None:
        self.db = db
        self.transport = transport
        self.renderer = renderer
        self.policy = policy
        self.name = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._cpu = 0.0  # this thread's CPU in the current step's own work (claim, rendering, sends, record)
        self._last_cpu = pacing.FIRST_STEP_CPU  # the last step's, which the rest before the next one is made of

    def start(self) -> None:
        signal.listen(self._wake)
        log.info("outbox: mail goes to %s", self.transport.describe())
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sodiary-outbox")

    async def stop(self) -> None:
        signal.forget(self._wake)
        if self._task is not None:
            await stopping.cancel_and_wait(self._task)
            self._task = None
        try:  # a send cut short is sent again: by another process now, or by us after a restart
            released = await self.db.transaction(lambda conn: store.release(conn, self.name))
        except Exception:  # the database may be what is going away; the leases then simply run out
            log.warning("outbox: could not release this worker's claims", exc_info=True)
        else:
            if released:
                log.info("outbox: released %d claimed message(s) at shutdown", released)

    async def _run(self) -> None:
        while True:
            self._cpu = 0.0
            try:
                delivered = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end delivery: log it, try again after a poll
                log.exception("outbox delivery failed")
                delivered = 0
            if delivered:
                # There may be more due right away; the API comes first (pacing.py).
                self._last_cpu = self._cpu
                await pacing.rest(self._cpu)
                continue
            await self._sleep()
            # Mail came (or came due) while the API may be busy: it waits as after a step, so a burst of requests
            # that queues mail is not slowed by its rendering at once (under a load that never pauses, one batch
            # per rest; with an idle API this costs QUIET_SECONDS).
            await pacing.rest(self._last_cpu)

    async def _sleep(self) -> None:
        timeout = self.policy.poll_seconds
        try:
            due, depth = await self.db.transaction(lambda conn: (store.next_due(conn), store.depth(conn)))
            metrics.outbox_counted(depth)
        except Exception:
            due = None
        if due is not None:
            timeout = max(0.0, min(timeout, (due - utc_now()).total_seconds()))
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
            # Woken by a commit: let the commits arriving with it queue theirs too, then take them as one batch.
            await asyncio.sleep(COALESCE_SECONDS)

    async def deliver_due(self) -> int:
        lease = timedelta(seconds=self.policy.lease_seconds)
        claimed, refused = await self.db.transaction(partial(self._claim, lease))
        if not claimed and not refused:
            return 0
        outcomes = list(refused)
        if claimed:
            # The sends count into the step too: the SMTP client's own CPU (TLS, the protocol, the socket) is part
            # of delivery's share. Their awaits also count what the loop served meanwhile, which only makes the
            # rest after the step longer (pacing.py).
            with self._own_work():
                async with self.transport.session() as session:  # one SMTP connection for the batch
                    for m in claimed:
                        outcomes.append(await self._deliver(session, m))
        await self.db.transaction(partial(self._record, outcomes))
        for o in outcomes:
            metrics.outbox_delivered("mail", "sent" if o.sent else "failed" if o.permanent else "retry")
        return len(outcomes)

    @contextlib.contextmanager
    def _own_work(self) -> Iterator[None]:
        """Count this block's CPU into the step's own work, which the rest after it is made of."""
        began = pacing.cpu()
        try:
            yield
        finally:
            self._cpu += pacing.cpu() - began

    def _claim(self, lease: timedelta, conn: Connection) -> tuple[list[store.Message], list[store.Outcome]]:
        """Lease the due messages, after moving waiting confirmations into the outbox; a confirmation still
        holding its snapshot is composed now (service/mail.py)."""
        with self._own_work():
            promote_replies(conn, self.policy.batch)
            return complete_replies(conn, store.claim(conn, self.name, utc_now(), lease, self.policy.batch))

    def _record(self, outcomes: list[store.Outcome], conn: Connection) -> None:
        with self._own_work():
            store.record(conn, self.name, outcomes, utc_now(), self.policy.max_attempts)

    async def _deliver(self, session: Sender, message: store.Message) -> store.Outcome:
        try:  # counted in the step's own work by the caller, with the send
            payload = decode(message.payload)
            rendered = self.renderer.render(payload, message.message_key, message.created)
            data = rendered.as_bytes(policy=SMTP_POLICY)
        except Exception as exc:  # a payload that cannot become a mail will never become one
            return store.Outcome(message.message_id, False, f"cannot render: {exc}"[:2000], permanent=True)
        try:
            await session.send(self.renderer.mail_from, [payload.to.email], data,
                               f"{message.message_id:08d}-{message.message_key}")
        except DeliveryError as exc:
            log.warning("outbox message %s to %s: %s", message.message_id, message.destination, exc)
            retry_at = utc_now() + backoff(message.attempts + 1, self.policy.retry_seconds)
            return store.Outcome(message.message_id, False, str(exc), permanent=exc.permanent, retry_at=retry_at)
        return store.Outcome(message.message_id, True)


def worker_for(db: Database, settings: Settings) -> DeliveryWorker:
    transport = transport_for(settings.smtp_url, settings.database_url, settings.mail_dir)
    policy = Policy(poll_seconds=settings.outbox_poll_seconds, lease_seconds=settings.outbox_lease_seconds,
                    retry_seconds=settings.outbox_retry_seconds, max_attempts=settings.outbox_max_attempts)
    return DeliveryWorker(db, transport, Renderer(settings.mail_from, settings.mail_templates), policy)
