"""Repository for failed authentication: the throttle's memory, shared through the database."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection

from .schema import auth_failure

_f = auth_failure.c


def since(conn: Connection, subjects: Iterable[str], start: float) -> dict[str, list[float]]:
    """Each subject's failures after `start`, oldest first (a subject with none is absent)."""
    found: dict[str, list[float]] = {}
    rows = conn.execute(
        select(_f.subject, _f.failed_at)
        .where(_f.subject.in_(list(subjects)), _f.failed_at > start)
        .order_by(_f.failed_at)
    )
    for subject, failed_at in rows:
        found.setdefault(subject, []).append(float(failed_at))
    return found


def record(conn: Connection, subjects: Iterable[str], at: float, forget_before: float) -> None:
    # Housekeeping on the way: failures older than the window count for nobody.
    conn.execute(delete(auth_failure).where(_f.failed_at <= forget_before))
    conn.execute(insert(auth_failure), [{"subject": s, "failed_at": at} for s in subjects])


def forget(conn: Connection, subject: str) -> None:
    conn.execute(delete(auth_failure).where(_f.subject == subject))
