"""How a webhook call leaves: one signed JSON POST, as SuperOffice's NetServer sends it.

Headers and signature follow SuperOffice's webhook documentation (research §4.3): `X-SuperOffice-Event`,
`X-SuperOffice-EventId`, `X-SuperOffice-Retry`, and `X-SuperOffice-Signature` = base64(HMAC-SHA256(secret,
raw body)) when the webhook has a secret. Only a 200 is success; redirects are not followed (a redirect
could lead the server to a target nobody was allowed to register). Targets are checked against
server-side request forgery before every call, not only at registration: a name may resolve elsewhere later.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy.engine import Connection

from .. import __version__, metrics
from ..service.clock import utc_now
from ..store import outbox as outbox_store
from ..store import webhooks as store
from ..store.database import Database
from ..store.webhooks import Hook
from . import pacing, stopping

log = logging.getLogger("sodiary.webhooks")

USER_AGENT = f"NetServer-Webhook/{__version__} (sodiary)"
TIMEOUT_SECONDS = 10.0


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode("ascii")


# A webhook whose Properties say `"StandardWebhooks": true` also gets the Standard Webhooks headers
# (standardwebhooks.com): an id, a timestamp and a signature over both, so a receiver can refuse a replay.
STANDARD_WEBHOOKS = "StandardWebhooks"


def standard_key(secret: str) -> bytes:
    """The spec's `whsec_<base64>` secret is its decoded bytes; any other secret is its UTF-8."""
    if secret.startswith("whsec_"):
        with contextlib.suppress(ValueError):
            return base64.b64decode(secret[len("whsec_"):], validate=True)
    return secret.encode("utf-8")


def standard_headers(event_id: str, secret: str, body: bytes, now: int) -> dict[str, str]:
    headers = {"webhook-id": event_id, "webhook-timestamp": str(now)}
    if secret:
        signed = hmac.new(standard_key(secret), f"{event_id}.{now}.".encode() + body, hashlib.sha256).digest()
        headers["webhook-signature"] = "v1," + base64.b64encode(signed).decode("ascii")
    return headers


def wants_standard(hook: Hook) -> bool:
    return hook.properties.get(STANDARD_WEBHOOKS) is True


def headers_for(event: str, event_id: str, retry: int, secret: str, body: bytes, own: Mapping[str, str],
                *, test: bool = False, standard: bool = False) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in own.items()}  # the webhook's own first: ours cannot be overridden
    headers.update({
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-SuperOffice-Event": event,
        "X-SuperOffice-EventId": event_id,
        "X-SuperOffice-Retry": str(retry),
    })
    if secret:
        headers["X-SuperOffice-Signature"] = sign(secret, body)
    if test:
        headers["X-Hook-Test"] = "true"
    if standard:
        headers.update(standard_headers(event_id, secret, body, int(time.time())))
    return headers


class TargetRefused(Exception):
    """A target URL the server will not call; the message says why (in English, for logs and LastError)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason  # "scheme", "host", "private"


@dataclass(frozen=True)
class TargetPolicy:
    allow_http: bool = False
    allow_private: bool = False


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


async def check_target(url: str, policy: TargetPolicy) -> None:
    """Refuse what SuperOffice refuses (not https) and what would let a caller reach the server's own network."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("host", f"not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and policy.allow_http):
        raise TargetRefused("scheme", f"Webhook TargetUrl must be secure: {url[:200]}")
    if not parts.hostname:
        raise TargetRefused("host", f"no host in {url[:200]}")
    if policy.allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname, port or (443 if scheme == "https" else 80), type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused("host", f"{parts.hostname} does not resolve: {exc}") from None
    for info in infos:
        if _private(str(info[4][0])):
            raise TargetRefused("private", f"{parts.hostname} resolves to {info[4][0]}, a loopback, private or "
                                           "link-local address")


@dataclass(frozen=True)
class Answer:
    ok: bool
    status: int  # 0: no answer at all
    text: str  # for LastError and WebhookResult.Message


def client(timeout: float = TIMEOUT_SECONDS, connections: int = 8) -> aiohttp.ClientSession:
    """Ignores the server's proxy environment (trust_env off); redirects are refused per call. aiohttp rather
    than httpx: a call through httpx cost several times the CPU (docs/decisions.md, the webhook bench)."""
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout), trust_env=False,
                                 connector=aiohttp.TCPConnector(limit=connections), auto_decompress=False)


async def post(url: str, body: bytes, headers: Mapping[str, str], policy: TargetPolicy,
               timeout: float = TIMEOUT_SECONDS, via: aiohttp.ClientSession | None = None) -> Answer:
    """One call; `via` is the delivery worker's long-lived session (connections kept alive, one TLS context),
    None for a one-off such as the test event."""
    try:
        await check_target(url, policy)
    except TargetRefused as exc:
        return Answer(False, 0, str(exc))
    try:
        if via is not None:
            return await _call(via, url, body, headers)
        async with client(timeout) as one_off:
            return await _call(one_off, url, body, headers)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Answer(False, 0, f"{type(exc).__name__}: {exc}"[:2000])


async def _call(session: aiohttp.ClientSession, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    async with session.post(url, data=body, headers=dict(headers), allow_redirects=False) as response:
        content = await response.content.read(2000)  # enough for LastError; the rest is not waited for
        text = f"{response.status} {response.reason or ''}: {content.decode('utf-8', 'replace')[:500]}"
        return Answer(response.status == 200, response.status, text[:2000])


def timestamp(now: datetime) -> str:
    """UTC with seven fractional digits, as NetServer writes it."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def payload(hook: Hook, event: str, event_id: str, primary_key: int, entity: str, changes: list[str],
            associate_id: int, now: datetime, extra: Mapping[str, object] | None = None) -> bytes:
    body: dict[str, object] = {
        "EventId": event_id, "Timestamp": timestamp(now), "Changes": changes, "Event": event,
        "PrimaryKey": primary_key, "Entity": entity, "ContextIdentifier": "Default",
        "ChangedByAssociateId": associate_id, "WebhookId": hook.webhook_id, "WebhookName": hook.name,
    }
    body.update(extra or {})
    for key, value in hook.properties.items():  # "Custom values to inject into JSON body"
        if key != STANDARD_WEBHOOKS:  # a switch of ours, not a value for the receiver
            body.setdefault(str(key), value)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --- Delivery -----------------------------------------------------------------------------------------

KIND = "webhook"
ATTEMPTS_PER_CYCLE = 3  # SuperOffice: three attempts per cycle, the 2nd after 1 s, the 3rd after 4 s
CYCLES = 3
WAITS = (timedelta(seconds=1), timedelta(seconds=4))
STOP_AFTER = ATTEMPTS_PER_CYCLE * CYCLES  # consecutive failed attempts → TooManyErrors
SUBSCRIBABLE = {"activity.created", "activity.changed", "activity.deleted"}


def event_id(message_key: str, attempts: int) -> str:
    """The same EventId for every attempt of a cycle (also after a crash), a new one per cycle."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sodiary:{message_key}:{attempts // ATTEMPTS_PER_CYCLE}"))


def fan_out(conn: Connection, limit: int = 200) -> int:
    """Journal rows → one outbox message per subscribed active webhook, in one unit of work."""
    changes = store.take_changes(conn, limit)
    if not changes:
        return 0
    hooks = store.active(conn)
    messages = []
    for change in changes:
        for hook in store.subscribed(hooks, change.event):
            body: dict[str, Any] = {"webhook_id": hook.webhook_id, "event": change.event,
                                    "primary_key": change.appointment_id, "changes": change.changes,
                                    "associate_id": change.associate_id, "happened": change.happened.isoformat()}
            if change.field_values is not None:
                body["field_values"] = change.field_values
            if change.event == "activity.deleted":
                body["values"] = {"appointment_id": change.appointment_id, "contact_id": change.contact_id,
                                  "person_id": change.person_id, "project_id": 0, "sale_id": 0}
            messages.append(outbox_store.NewMessage(
                kind=KIND, message_key=outbox_store.new_key(), destination=hook.target_url,
                summary=f"{change.event} {change.appointment_id} → webhook {hook.webhook_id}",
                payload=json.dumps(body), appointment_id=change.appointment_id))
    outbox_store.enqueue(conn, messages, utc_now())
    return len(changes)


def signal(conn: Connection, event: str, primary_key: int, data: Mapping[str, Any], associate_id: int,
           now: datetime) -> int:
    """SignalEvent: one outbox message per active webhook subscribed to the custom `event`; how many."""
    messages = [outbox_store.NewMessage(
        kind=KIND, message_key=outbox_store.new_key(), destination=hook.target_url,
        summary=f"{event} {primary_key} → webhook {hook.webhook_id}"[:300],
        payload=json.dumps({"webhook_id": hook.webhook_id, "event": event, "primary_key": primary_key,
                            "changes": [], "associate_id": associate_id, "happened": now.isoformat(),
                            "data": dict(data)}))
        for hook in store.subscribed(store.active(conn), event)]
    outbox_store.enqueue(conn, messages, now)
    return len(messages)


def state_event(conn: Connection, hook: Hook, what: str, associate_id: int, now: datetime) -> int:
    """`webhook{id}.started|stopped|errors` to every active webhook subscribed to it; how many.

    SuperOffice's state events (reference, "state events"): the payload's Event is `webhook.<what>`, its
    PrimaryKey the webhook's id, its FieldValues the registration as it now is."""
    name = f"webhook{hook.webhook_id}.{what}"
    values = {"events": hook.events, "registered": _iso(hook.registered),
              "registered_associate_id": hook.registered_associate_id, "state": hook.state,
              "updated": _iso(hook.updated), "updated_associate_id": hook.updated_associate_id}
    messages = [outbox_store.NewMessage(
        kind=KIND, message_key=outbox_store.new_key(), destination=target.target_url,
        summary=f"{name} → webhook {target.webhook_id}"[:300],
        payload=json.dumps({"webhook_id": target.webhook_id, "event": f"webhook.{what}",
                            "primary_key": hook.webhook_id, "changes": [], "associate_id": associate_id,
                            "happened": now.isoformat(), "data": values}))
        for target in store.subscribed(store.active(conn), name) if target.webhook_id != hook.webhook_id]
    outbox_store.enqueue(conn, messages, now)
    return len(messages)


def state_changed(conn: Connection, before: Hook | None, after: Hook, associate_id: int, now: datetime) -> None:
    """The state event a saved registration raises, if its state changed (a new Active one has started)."""
    if before is not None and before.state == after.state:
        return
    if after.state == store.ACTIVE:
        state_event(conn, after, "started", associate_id, now)
    elif before is not None and before.state == store.ACTIVE:
        state_event(conn, after, "stopped", associate_id, now)


def _iso(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value is not None else UNSET


# SuperOffice's activity FieldValues in its order; the keys sodiary keeps no column for are 0, as in §4.2.
_FIELD_KEYS = ("activeDate", "associate_id", "contact_id", "do_by", "document_id", "endDate",
               "modified_appointment_fields", "mother_id", "person_id", "private", "project_id", "sale_id", "status",
               "task_idx", "type", "updated", "userdef2_id", "userdef_id")
_WALL_CLOCK = frozenset({"activeDate", "do_by", "endDate"})  # stored as the base zone's wall clock
_UTC = frozenset({"updated"})  # stored in UTC
UNSET = "0001-01-01T00:00:00"  # how NetServer writes a date that has none


def _local(text: object, zone: ZoneInfo, utc: bool) -> str:
    if not isinstance(text, str) or not text.strip():
        return UNSET
    try:
        value = datetime.fromisoformat(text.strip().replace(" ", "T")[:26])
    except ValueError:
        return UNSET
    value = value.replace(tzinfo=UTC).astimezone(zone) if utc else value.replace(tzinfo=zone)
    offset = value.strftime("%z")
    # Seven fractional digits and a "+02:00" offset, as the reference's samples show.
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0" + offset[:3] + ":" + offset[3:]


def field_values(raw: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The trigger's raw columns as SuperOffice's activity FieldValues: datetimes local with their offset."""
    values: dict[str, Any] = {}
    for key in _FIELD_KEYS:
        value = raw.get(key, 0)
        if key in _WALL_CLOCK or key in _UTC:
            value = _local(value, zone, key in _UTC)
        elif isinstance(value, bool) or value is None:
            value = int(bool(value))
        values[key] = value
    return values


@dataclass(frozen=True)
class _Result:
    outcome: outbox_store.Outcome
    webhook_id: int
    counted: bool  # a call was made (statistics)
    stop: str = ""  # a state to put the webhook in (410 Gone → Stopped)

    @property
    def metric(self) -> str:
        if not self.counted:
            return "discarded"
        return "sent" if self.outcome.sent else "failed" if self.outcome.permanent else "retry"


class WebhookWorker:
    """Fans journal rows out to the outbox and delivers due webhook messages: one asyncio task per process.

    Claims are leased (store/outbox.py), so several processes and instances share the work and a killed
    one's messages are taken over when its lease runs out. Calls run concurrently, at most `concurrency`
    at a time, each with a timeout: one slow receiver does not hold the others up for longer than that.
    """

    def __init__(self, db: Database, policy: TargetPolicy, *, poll_seconds: float, lease_seconds: float,
                 retry_seconds: float, concurrency: int = 8, time_zone: str = "UTC") -> None:
        self.db = db
        self.zone = ZoneInfo(time_zone)
        self.policy = policy
        self.poll_seconds = poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_seconds = retry_seconds
        self.concurrency = concurrency
        self.batch = 4 * concurrency  # claimed per step: fewer transactions per call; within one lease at 10 s each
        self._calls = asyncio.Semaphore(concurrency)
        self._client: aiohttp.ClientSession | None = None
        self.name = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}:wh"
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._client = client(TIMEOUT_SECONDS, self.concurrency)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="sodiary-webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            await stopping.cancel_and_wait(self._task)
            self._task = None
        if self._client is not None:
            await self._client.close()
            self._client = None
        try:  # a call cut short is made again by another process or instance now, not after the lease
            await self.db.transaction(lambda conn: outbox_store.release(conn, self.name))
        except Exception:  # the database may be what is going away; the leases then simply run out
            log.warning("webhooks: could not release this worker's claims", exc_info=True)

    async def _run(self) -> None:
        while True:
            cpu = time.thread_time()
            try:
                busy = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database hiccup must not end delivery
                log.exception("webhook delivery failed")
                busy = False
            if not busy:
                await asyncio.sleep(self.poll_seconds)
                continue
            # The API comes first: while requests keep the loop busy, delivery takes a bounded share (pacing.py).
            await pacing.rest(time.thread_time() - cpu)

    async def step(self) -> bool:
        fanned = await self.db.transaction(fan_out)
        now = utc_now()
        claimed = await self.db.transaction(
            lambda conn: outbox_store.claim(conn, self.name, now, self.lease, self.batch, kind=KIND))
        if claimed:
            hooks = {h.webhook_id: h for h in await self.db.transaction(store.listing)}
            results = await asyncio.gather(*(self._deliver(m, hooks) for m in claimed))
            await self.db.transaction(partial(self._record, list(results)))
            for r in results:  # counted after the commit: a rolled-back record is attempted again, not twice
                metrics.outbox_delivered(KIND, r.metric)
        return bool(fanned or claimed)

    def _record(self, results: list[_Result], conn: Connection) -> None:
        now = utc_now()
        outbox_store.record(conn, self.name, [r.outcome for r in results], now, STOP_AFTER)
        # A webhook whose calls all succeeded is counted in one statement; one with a failure call by call,
        # in order, since its consecutive errors decide whether it stops.
        failing = {r.webhook_id for r in results if r.counted and not r.outcome.sent}
        calls: dict[int, int] = {}
        for r in results:
            if r.counted and r.webhook_id not in failing:
                calls[r.webhook_id] = calls.get(r.webhook_id, 0) + 1
        for webhook_id, count in calls.items():
            store.record_calls(conn, webhook_id, count)
        for r in results:
            if r.counted and r.webhook_id in failing:
                state = store.record_call(conn, r.webhook_id, r.outcome.sent, r.outcome.error, STOP_AFTER)
                if state:
                    log.warning("webhook %s: %s consecutive errors, now %s", r.webhook_id, STOP_AFTER, state)
                    store.discard_pending(conn, r.webhook_id, f"webhook {state}")
                    self._errors_event(conn, r.webhook_id, now)
            if r.stop:
                store.set_state(conn, r.webhook_id, r.stop, r.outcome.error)
                store.discard_pending(conn, r.webhook_id, f"webhook {r.stop}: {r.outcome.error}")
                self._errors_event(conn, r.webhook_id, now)

    @staticmethod
    def _errors_event(conn: Connection, webhook_id: int, now: datetime) -> None:
        """Stopped by its failures (TooManyErrors, or a 410 Gone): `webhook{id}.errors`, by nobody (0)."""
        stopped = store.get(conn, webhook_id)
        if stopped is not None:
            state_event(conn, stopped, "errors", 0, now)

    async def _deliver(self, message: outbox_store.Message, hooks: dict[int, Hook]) -> _Result:
        data = json.loads(message.payload)
        hook = hooks.get(int(data["webhook_id"]))
        if hook is None or hook.state != store.ACTIVE:  # SuperOffice discards events of a stopped webhook
            why = "webhook deleted" if hook is None else f"webhook {hook.state}"
            return _Result(outbox_store.Outcome(message.message_id, False, why, permanent=True), 0, False)
        eid = event_id(message.message_key, message.attempts)
        extra: dict[str, object] = {}
        if "field_values" in data:
            extra["FieldValues"] = field_values(data["field_values"], self.zone)
        if "values" in data:
            extra["Values"] = data["values"]
        if "data" in data:  # a SignalEvent's own data, passed on as its FieldValues
            extra["FieldValues"] = data["data"]
        event = str(data["event"])
        body = payload(hook, event, eid, int(data["primary_key"]), event.split(".", 1)[0], list(data["changes"]),
                       int(data["associate_id"]), datetime.fromisoformat(data["happened"]), extra)
        retry = message.attempts % ATTEMPTS_PER_CYCLE
        async with self._calls:  # at most `concurrency` calls at once; a slow target holds one slot, not all
            answer = await post(hook.target_url, body, headers_for(event, eid, retry, hook.secret, body, hook.headers,
                                                                   standard=wants_standard(hook)),
                                self.policy, via=self._client)
        if answer.ok:
            return _Result(outbox_store.Outcome(message.message_id, True), hook.webhook_id, True)
        if answer.status == 410:  # "permanent failure": the receiver is gone for good
            return _Result(outbox_store.Outcome(message.message_id, False, answer.text, permanent=True),
                           hook.webhook_id, True, stop=store.STOPPED)
        if retry < ATTEMPTS_PER_CYCLE - 1:
            wait = WAITS[retry]
        else:  # the cycle failed: the next one, with a new EventId, after the outbox's backoff
            cycle = message.attempts // ATTEMPTS_PER_CYCLE
            wait = min(timedelta(seconds=self.retry_seconds * 2 ** cycle), timedelta(hours=1))
        outcome = outbox_store.Outcome(message.message_id, False, answer.text, retry_at=utc_now() + wait)
        log.info("webhook %s: %s", hook.webhook_id, answer.text[:200])
        return _Result(outcome, hook.webhook_id, True)


def worker_for(db: Database, policy: TargetPolicy, poll_seconds: float, lease_seconds: float,
               retry_seconds: float, time_zone: str = "UTC") -> WebhookWorker:
    # Changes arrive through database triggers, which cannot wake anyone: poll often, the query is tiny.
    return WebhookWorker(db, policy, poll_seconds=min(poll_seconds, 0.5), lease_seconds=lease_seconds,
                         retry_seconds=retry_seconds, time_zone=time_zone)
