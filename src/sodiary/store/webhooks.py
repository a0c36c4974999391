"""The webhook table: registrations, their statistics, and the question the hot path asks ("any active?")."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from .schema import webhook

_w = webhook.c

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
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def change(conn: Connection, hook: Hook, associate_id: int, now: datetime) -> bool:
    values = _values(hook)
    if hook.state == ACTIVE:  # setting a stopped webhook Active again starts a fresh error count (SuperOffice)
        values["consecutive_errors"] = 0
    result = conn.execute(update(webhook).where(_w.webhook_id == hook.webhook_id).values(
        **values, updated=now, updated_associate_id=associate_id))
    return result.rowcount == 1


def remove(conn: Connection, webhook_id: int) -> bool:
    return conn.execute(delete(webhook).where(_w.webhook_id == webhook_id)).rowcount == 1


def active_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(webhook).where(_w.state == ACTIVE)).scalar() or 0)


def active(conn: Connection) -> list[Hook]:
    return [_hook(r) for r in conn.execute(select(webhook).where(_w.state == ACTIVE).order_by(_w.webhook_id))
            .mappings()]


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
        return TOO_MANY_ERRORS
    return None


def set_state(conn: Connection, webhook_id: int, state: str, error: str = "") -> None:
    values: dict[str, Any] = {"state": state}
    if error:
        values["last_error"] = error[:2000]
    conn.execute(update(webhook).where(_w.webhook_id == webhook_id).values(**values))


def subscribed(hooks: Sequence[Hook], event: str) -> list[Hook]:
    """The hooks whose Events name `event` (or `*`, or `activity.*` for its entity)."""
    entity = event.split(".", 1)[0]
    return [h for h in hooks if event in h.events or "*" in h.events or f"{entity}.*" in h.events]
