"""The webhook table: registrations, their statistics, and the question the hot path asks ("any active?")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from . import activity_triggers
from .schema import outbox_message, webhook, webhook_change

_w = webhook.c
_j = webhook_change.c

ACTIVE, STOPPED, TOO_MANY_ERRORS = "Active", "Stopped", "TooManyErrors"


@dataclass(frozen=True, slots=True)
class Hook:
    webhook_id: int
    name: str
    events: list[str]
    target_url: str
    secret: str
    state: str
    type: str
    headers: dict[str, str] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)
    registered: datetime | None = None
    registered_associate_id: int = 0
    updated: datetime | None = None
    updated_associate_id: int = 0
    total_calls: int = 0
    total_errors: int = 0
    consecutive_errors: int = 0
    last_error: str = ""


def _hook(row: Any) -> Hook:
    return Hook(webhook_id=row["webhook_id"], name=row["name"], events=json.loads(row["events"]),
                target_url=row["target_url"], secret=row["secret"], state=row["state"], type=row["type"],
                headers=json.loads(row["headers"]), properties=json.loads(row["properties"]),
                registered=row["registered"], registered_associate_id=row["registered_associate_id"],
                updated=row["updated"], updated_associate_id=row["updated_associate_id"],
                total_calls=row["total_calls"], total_errors=row["total_errors"],
                consecutive_errors=row["consecutive_errors"], last_error=row["last_error"])


def _values(hook: Hook) -> dict[str, Any]:
    return dict(name=hook.name[:255], events=json.dumps(hook.events), target_url=hook.target_url[:1000],
                secret=hook.secret[:255], state=hook.state, type=hook.type[:50], headers=json.dumps(hook.headers),
                properties=json.dumps(hook.properties))


def get(conn: Connection, webhook_id: int) -> Hook | None:
    row = conn.execute(select(webhook).where(_w.webhook_id == webhook_id)).mappings().first()
    return None if row is None else _hook(row)


def listing(conn: Connection) -> list[Hook]:
    return [_hook(r) for r in conn.execute(select(webhook).order_by(_w.webhook_id)).mappings()]


def add(conn: Connection, hook: Hook, associate_id: int, now: datetime) -> int:
    result = conn.execute(insert(webhook).values(
        **_values(hook), registered=now, registered_associate_id=associate_id, updated=None, updated_associate_id=0,
        total_calls=0, total_errors=0, consecutive_errors=0, last_error=""))
    activity_triggers.sync(conn)
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def change(conn: Connection, hook: Hook, associate_id: int, now: datetime) -> bool:
    values = _values(hook)
    if hook.state == ACTIVE:  # setting a stopped webhook Active again starts a fresh error count (SuperOffice)
        values["consecutive_errors"] = 0
    result = conn.execute(update(webhook).where(_w.webhook_id == hook.webhook_id).values(
        **values, updated=now, updated_associate_id=associate_id))
    activity_triggers.sync(conn)
    return result.rowcount == 1


def remove(conn: Connection, webhook_id: int) -> bool:
    removed = conn.execute(delete(webhook).where(_w.webhook_id == webhook_id)).rowcount == 1
    activity_triggers.sync(conn)
    return removed


def active_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(webhook).where(_w.state == ACTIVE)).scalar() or 0)


def active(conn: Connection) -> list[Hook]:
    return [_hook(r) for r in conn.execute(select(webhook).where(_w.state == ACTIVE).order_by(_w.webhook_id))
            .mappings()]


def record_calls(conn: Connection, webhook_id: int, count: int) -> None:
    """Count `count` successful delivery attempts at once."""
    conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(
        total_calls=_w.total_calls + count, consecutive_errors=0))


def record_call(conn: Connection, webhook_id: int, ok: bool, error: str, stop_after: int) -> str | None:
    """Count one delivery attempt; returns the new state when this failure stopped the webhook."""
    if ok:
        conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(
            total_calls=_w.total_calls + 1, consecutive_errors=0))
        return None
    conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(
        total_calls=_w.total_calls + 1, total_errors=_w.total_errors + 1,
        consecutive_errors=_w.consecutive_errors + 1, last_error=error[:2000]))
    row = conn.execute(select(_w.consecutive_errors, _w.state).where(_w.webhook_id == webhook_id)).first()
    if row is not None and row[1] == ACTIVE and row[0] >= stop_after:
        conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(state=TOO_MANY_ERRORS))
        activity_triggers.sync(conn)
        return TOO_MANY_ERRORS
    return None


def set_state(conn: Connection, webhook_id: int, state: str, error: str = "") -> None:
    values: dict[str, Any] = {"state": state}
    if error:
        values["last_error"] = error[:2000]
    conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(**values))
    activity_triggers.sync(conn)


def subscribed(hooks: Sequence[Hook], event: str) -> list[Hook]:
    """The hooks whose Events name `event` (or `*`, or `activity.*` for its entity)."""
    entity = event.split(".", 1)[0]
    return [h for h in hooks if event in h.events or "*" in h.events or f"{entity}.*" in h.events]


# --- The change journal the triggers write ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowChange:
    change_id: int
    appointment_id: int
    event: str
    changes: list[str]
    associate_id: int
    contact_id: int
    person_id: int
    happened: datetime
    field_values: dict[str, Any] | None = None  # the row's raw FieldValues columns (None: deleted)


def _happened(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace(" ", "T")[:26])


def take_changes(conn: Connection, limit: int) -> list[RowChange]:
    """The oldest journal rows, deleted as they are read: the caller writes their outbox rows in the same
    unit of work. PostgreSQL skips rows another instance is taking (each change is fanned out once)."""
    q = select(webhook_change).order_by(_j.change_id).limit(limit)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = list(conn.execute(q).mappings())
    if not rows:
        return []
    conn.execute(delete(webhook_change).where(_j.change_id.in_([r["change_id"] for r in rows])))
    return [RowChange(r["change_id"], r["appointment_id"], r["event"], [c for c in r["changes"].split(",") if c],
                      r["associate_id"], r["contact_id"], r["person_id"], _happened(r["happened"]),
                      json.loads(r["field_values"]) if r["field_values"] else None) for r in rows]


def pending_changes(conn: Connection) -> bool:
    return conn.execute(select(_j.change_id).limit(1)).first() is not None


def discard_pending(conn: Connection, webhook_id: int, reason: str) -> int:
    """A stopped webhook's queued events are dropped, as SuperOffice discards them (outbox/webhook.py writes
    `webhook_id` first in every payload)."""
    o = outbox_message.c
    result = conn.execute(update(outbox_message).where(
        o.kind == "webhook", o.status == "pending", o.payload.like(f'{{"webhook_id": {int(webhook_id)},%')
    ).values(status="failed", last_error=reason[:2000], claimed_until=None, claimed_by=""))
    return int(result.rowcount or 0)
