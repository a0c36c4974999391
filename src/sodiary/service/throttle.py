"""Throttling of failed authentication, per client address and per user name.

A sliding window: once a subject has `limit` failures within `window` seconds, further attempts are
refused until the oldest of the newest `limit` failures ages out; never longer than the window. The
failures live in the database, so every process of `--workers N` and every instance on one
PostgreSQL database counts the same attempts: N processes do not give a guesser N times the tries.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from ..store import auth_failures
from ..store.database import Database


def wait_for(failures: Sequence[float], now: float, window: float, limit: int) -> int:
    """Seconds until a subject with these failure times (oldest first) may try again; 0 when it may now."""
    recent = [t for t in failures if t > now - window]
    if limit <= 0 or len(recent) < limit:
        return 0
    return max(1, math.ceil(recent[-limit] + window - now))


def user_subject(name: str) -> str:
    return _subject("user:" + name.lower())


def address_subject(address: str) -> str:
    return _subject("address:" + address)


def _subject(text: str) -> str:
    # Hashed: fixed length whatever a client sends, and no list of attempted names kept in clear.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Throttle:
    db: Database
    window: float
    per_user: int
    per_address: int

    async def retry_after(self, now: float, address: str, user: str | None = None) -> int:
        limits = {address_subject(address): self.per_address}
        if user:
            limits[user_subject(user)] = self.per_user
        failures = await self.db.transaction(partial(auth_failures.since, start=now - self.window,
                                                     subjects=list(limits)))
        return max(wait_for(failures.get(s, []), now, self.window, limit) for s, limit in limits.items())

    async def failed(self, now: float, address: str, user: str | None = None) -> None:
        subjects = [address_subject(address)] + ([user_subject(user)] if user else [])
        await self.db.transaction(partial(auth_failures.record, subjects=subjects, at=now,
                                          forget_before=now - self.window))

    async def succeeded(self, user: str) -> None:
        await self.db.transaction(partial(auth_failures.forget, subject=user_subject(user)))
