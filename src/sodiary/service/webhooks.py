"""Webhook registrations (issue 14): SuperOffice's WebhookAgent use cases, each one unit of work.

Who may: administrators (SODIARY_WEBHOOK_ADMINS) and callers of a registered app (SO-AppToken) — SuperOffice
restricts the agent to registered apps and administrators (docs/decisions.md, "Webhooks (issue 14)").
Saving calls the target with the `test` event first, as SuperOffice's WebhookManager does, and refuses a
target that does not answer 200; that call happens before the unit of work, never inside it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.engine import Connection

from ..domain.errors import Forbidden, Invalid, NotFound
from ..outbox import webhook as delivery
from ..outbox.webhook import Answer, TargetPolicy, TargetRefused, check_target, headers_for, payload, post
from ..store import webhooks as store
from ..store.database import Database
from ..store.webhooks import ACTIVE, Hook
from .clock import utc_now
from .context import Caller

STATES = ("Unknown", "Active", "Stopped", "TooManyErrors")
MAX_EVENTS = 100


@dataclass(frozen=True)
class Policy:
    """Who may register, and which targets may be called."""

    admins: frozenset[str] = frozenset()
    target: TargetPolicy = TargetPolicy()

    @classmethod
    def of(cls, admins: str, allow_http: bool, allow_private: bool) -> Policy:
        names = frozenset(n.strip().lower() for n in admins.split(",") if n.strip())
        return cls(names, TargetPolicy(allow_http, allow_private))

    def authorize(self, caller: Caller) -> None:
        if not (caller.app or caller.name.lower() in self.admins):
            raise Forbidden("webhook_forbidden", user=caller.name)


def create_default() -> Hook:
    # SuperOffice's CreateDefaultWebhook (research §4.5): Active, type "webhook", two contact events.
    return Hook(webhook_id=0, name="", events=["contact.created", "contact.deleted"], target_url="", secret="",
                state=ACTIVE, type="webhook")


async def send_test(hook: Hook, caller: Caller, policy: Policy) -> Answer:
    event_id = str(uuid.uuid4())
    body = payload(hook, "test", event_id, 0, "test", [], caller.associate_id, utc_now())
    return await post(hook.target_url, body, headers_for("test", event_id, 0, hook.secret, body, hook.headers,
                                                         test=True, standard=delivery.wants_standard(hook)),
                      policy.target)


def _validate(hook: Hook) -> Hook:
    events = [e.strip() for e in hook.events if e and e.strip()]
    if not events:
        raise Invalid("webhook_invalid", detail="Events must name at least one event")
    if len(events) > MAX_EVENTS or any(len(e) > 100 for e in events):
        raise Invalid("webhook_invalid", detail=f"at most {MAX_EVENTS} events of at most 100 characters")
    if hook.state not in STATES:
        raise Invalid("webhook_invalid", detail=f"State must be one of {', '.join(STATES)}")
    if len(hook.name) > 255 or len(hook.secret) > 255 or len(hook.target_url) > 1000:
        raise Invalid("webhook_invalid", detail="Name and Secret at most 255 characters, TargetUrl at most 1000")
    for name, value in hook.headers.items():
        if not name or any(c in name + value for c in "\r\n\0") or not name.isascii():
            raise Invalid("webhook_invalid", detail=f"header {name[:50]!r} is not a valid HTTP header")
    return replace(hook, events=events, state=hook.state or ACTIVE)


async def save(db: Database, caller: Caller, hook: Hook, policy: Policy) -> Hook:
    policy.authorize(caller)
    hook = _validate(hook)
    try:
        await check_target(hook.target_url, policy.target)
    except TargetRefused as exc:
        raise Invalid("webhook_target_refused", url=hook.target_url[:200], detail=str(exc)) from None
    if hook.state == ACTIVE:
        answer = await send_test(hook, caller, policy)
        if not answer.ok:
            raise Invalid("webhook_test_failed", url=hook.target_url[:200], detail=answer.text[:300])
    now = utc_now()

    def work(conn: Connection) -> Hook:
        webhook_id = hook.webhook_id
        before = store.get(conn, webhook_id) if webhook_id else None
        if webhook_id:
            if not store.change(conn, hook, caller.associate_id, now):
                raise NotFound("webhook_not_found", webhook_id=webhook_id)
        else:
            webhook_id = store.add(conn, hook, caller.associate_id, now)
        saved = store.get(conn, webhook_id)
        assert saved is not None
        delivery.state_changed(conn, before, saved, caller.associate_id, now)
        return saved

    saved = await db.transaction(work)
    changed()
    return saved


async def get(db: Database, caller: Caller, webhook_id: int, policy: Policy) -> Hook | None:
    policy.authorize(caller)
    return await db.transaction(lambda conn: store.get(conn, webhook_id))


async def get_all(db: Database, caller: Caller, policy: Policy, name: str = "", event: str = "",
                  state: str = "") -> list[Hook]:
    policy.authorize(caller)
    hooks = await db.transaction(store.listing)
    name, event, state = name.strip().lower(), event.strip().lower(), state.strip().lower()
    # SuperOffice's filters: a name or event substring, a state by name; empty means any.
    return [h for h in hooks if (not name or name in h.name.lower())
            and (not event or any(event in e.lower() for e in h.events))
            and (not state or state == "unknown" or h.state.lower() == state)]


async def delete(db: Database, caller: Caller, webhook_id: int, policy: Policy) -> bool:
    policy.authorize(caller)
    gone = await db.transaction(lambda conn: store.remove(conn, webhook_id))
    changed()
    return gone


async def test(caller: Caller, hook: Hook, policy: Policy) -> Answer:
    """TestWebhook: the `test` event to an unsaved definition; nothing is stored."""
    policy.authorize(caller)
    hook = _validate(hook)
    try:
        await check_target(hook.target_url, policy.target)
    except TargetRefused as exc:
        return Answer(False, 0, str(exc))
    return await send_test(hook, caller, policy)


# 'entity.verb', as SuperOffice's reference asks ('window.closed', 'button.clicked').
_EVENT_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+")
# The events sodiary itself sends: a custom signal may not pass for one of them.
_OWN_EVENTS = re.compile(r"(activity\.(created|changed|deleted)|test|webhook\d*\.[a-z]+)", re.IGNORECASE)


async def signal_event(db: Database, caller: Caller, event: str, primary_key: int, data: Mapping[str, Any],
                       policy: Policy) -> int:
    """SignalEvent: every active webhook listening for the custom event gets it (after commit, as any event)."""
    policy.authorize(caller)
    event = event.strip()
    if len(event) > 100 or not _EVENT_NAME.fullmatch(event):
        raise Invalid("webhook_event_invalid", detail="EventName must be 'entity.verb', e.g. 'window.closed'")
    if _OWN_EVENTS.fullmatch(event):
        raise Invalid("webhook_event_invalid", detail=f"{event} is sent by the server itself, not signalled")
    if primary_key < 0:
        raise Invalid("webhook_event_invalid", detail="PrimaryKey must be 0 or an id")
    now = utc_now()
    return await db.transaction(lambda conn: delivery.signal(conn, event, primary_key, data, caller.associate_id,
                                                             now))


# "Is any webhook active?" — asked by every appointment write; answered from memory.

_generation = 0


def changed() -> None:
    """A registration changed in this process: the next question goes to the database."""
    global _generation
    _generation += 1
