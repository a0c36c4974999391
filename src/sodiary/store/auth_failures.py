"""Repository for failed authentication: the throttle's memory, shared through the database.

A row is an attempt that needed verifying (a password, a ticket, a token), one per subject it counts
for. It is written *before* the verification, so it holds a slot of the limit while the check runs;
a successful attempt deletes its rows afterwards, a failed one leaves them as its failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, text
from sqlalchemy.engine import Connection

from .schema import auth_failure

_f = auth_failure.c

# PostgreSQL's two-key advisory locks live apart from the one-key ones; the first key keeps the
# throttle's locks apart from any other use of the two-key space ('sodt').
_LOCK_CLASS = 0x736F6474
_SWEEP_ROWS = 1000


def lock(conn: Connection, subjects: Iterable[str]) -> None:
    """Serialise attempts per subject until this transaction ends, across processes and instances.

    SQLite needs nothing here: every unit of work runs inside BEGIN IMMEDIATE under the writers'
    flock (group_commit.py), so no other attempt can count or insert between our count and insert.
    On PostgreSQL (READ COMMITTED) two transactions would both count before either inserted, so each
    subject gets a transaction-scoped advisory lock, taken in sorted order so that two attempts
    naming the same pair of subjects cannot deadlock.
    """
    if conn.dialect.name != "postgresql":
        return
    for subject in sorted(set(subjects)):
        conn.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _LOCK_CLASS, "key": _lock_key(subject)})


def _lock_key(subject: str) -> int:
    # A signed int4 from the subject; two subjects sharing one only wait for each other a moment.
    return int.from_bytes(hashlib.sha256(subject.encode()).digest()[:4], "big", signed=True)


def since(conn: Connection, subjects: Iterable[str], start: float) -> dict[str, list[float]]:
    """Each subject's failures (and attempts still being verified) after `start`, oldest first."""
    found: dict[str, list[float]] = {}
    rows = conn.execute(
        select(_f.subject, _f.failed_at)
        .where(_f.subject.in_(list(subjects)), _f.failed_at > start)
        .order_by(_f.failed_at)
    )
    for subject, failed_at in rows:
        found.setdefault(subject, []).append(float(failed_at))
    return found


def add(conn: Connection, subjects: Iterable[str], at: float) -> list[int]:
    """One attempt row per subject; their ids, to delete them if the attempt succeeds."""
    return [int(conn.execute(insert(auth_failure).values(subject=s, failed_at=at)).inserted_primary_key[0])  # type: ignore[index]
            for s in subjects]


def sweep(conn: Connection, before: float) -> None:
    """Housekeeping: failures older than the window count for nobody.

    Bounded, and on PostgreSQL skipping rows another sweep holds, so concurrent attempts never wait
    on each other's housekeeping (nor deadlock over it)."""
    old = select(_f.failure_id).where(_f.failed_at <= before).limit(_SWEEP_ROWS)
    if conn.dialect.name == "postgresql":
        old = old.with_for_update(skip_locked=True)
    conn.execute(delete(auth_failure).where(_f.failure_id.in_(old.scalar_subquery())))


def remove(conn: Connection, ids: Iterable[int]) -> None:
    conn.execute(delete(auth_failure).where(_f.failure_id.in_(list(ids))))


def forget(conn: Connection, subject: str) -> None:
    conn.execute(delete(auth_failure).where(_f.subject == subject))

