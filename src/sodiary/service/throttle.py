"""Throttling of failed authentication, per client address and per user name.

A sliding window: once a subject has `limit` failures within `window` seconds, further attempts are
refused until the oldest of the newest `limit` failures ages out; never longer than the window. The
failures live in the database, so every process of `--workers N` and every instance on one
PostgreSQL database counts the same attempts: N processes do not give a guesser N times the tries.

An attempt takes its slot before it is verified (`reserve`: count and insert in one transaction,
serialised per subject), so concurrent guesses cannot all pass a count that none of them has added
to yet; a success gives its slot back (`release`), a failure keeps it as the failure.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy.engine import Connection

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


@dataclass(frozen=True, slots=True)
class Slot:
    """The outcome of a reservation: refused for `wait` seconds, or admitted with these attempt rows."""

    wait: int
    ids: tuple[int, ...] = ()
    limited: str = ""  # when refused: "user" or "address", the limit reached


@dataclass(frozen=True)
class Throttle:
    db: Database
    window: float
    per_user: int
    per_address: int

    def _limits(self, address: str, user: str | None) -> dict[str, tuple[str, int]]:
        limits = {address_subject(address): ("address", self.per_address)}
        if user:
            limits[user_subject(user)] = ("user", self.per_user)
        return limits

    def reserve_in(self, conn: Connection, now: float, address: str, user: str | None = None) -> Slot:
        """Within a unit of work: refuse, or count this attempt before it is verified.

        The count and the insert happen under the subjects' locks, so however many attempts run at
        once, on however many processes, at most `limit` of them are admitted per window."""
        limits = self._limits(address, user)
        auth_failures.lock(conn, limits)
        failures = auth_failures.since(conn, list(limits), start=now - self.window)
        waits = [(wait_for(failures.get(s, []), now, self.window, limit), kind) for s, (kind, limit) in limits.items()]
        wait, kind = max(waits)
        if wait:
            return Slot(wait, limited=kind)
        auth_failures.sweep(conn, before=now - self.window)
        return Slot(0, tuple(auth_failures.add(conn, list(limits), now)))

    async def reserve(self, now: float, address: str, user: str | None = None) -> Slot:
        return await self.db.transaction(partial(self.reserve_in, now=now, address=address, user=user))

    async def release(self, slot: Slot, user: str | None = None) -> None:
        """The attempt succeeded: its rows were no failure, and a right password clears the name's count."""
        def unit(conn: Connection) -> None:
            auth_failures.remove(conn, slot.ids)
            if user:
                auth_failures.forget(conn, user_subject(user))

        await self.db.transaction(unit)
