"""Checking credentials. Verifying an argon2 hash takes ~0.1 s, so the wire layer caches hits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..store import associates, credentials
from ..store.associates import Login
from ..store.database import Database
from .context import Caller
from .passwords import dummy_hash, verify_password
from .throttle import Slot, Throttle


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """A password attempt's outcome: the caller and credential version, or why not (for the log only)."""

    found: tuple[Caller, int] | None
    reason: str  # "ok", "throttled", "unknown_user", "disabled_user", "no_password", "wrong_password"
    retry_after: int = 0  # throttled: seconds
    limited: str = ""  # throttled: "user" or "address"


async def login_with_password(db: Database, throttle: Throttle, now: float, address: str, user: str,
                              password: str, scheme: str) -> PasswordCheck:
    """Throttled: the attempt takes its slot (and the user is looked up) before the hash is verified.

    A name without a usable hash (unknown, disabled, no password) is verified against a dummy hash,
    so the answer takes as long as a real user's wrong password: the time does not tell them apart.
    """
    def reserve(conn: Connection) -> tuple[Slot, Login | None]:
        slot = throttle.reserve_in(conn, now, address, user)
        return slot, (associates.find_login(conn, user) if not slot.wait and _storable(user) else None)

    slot, login = await db.transaction(reserve)
    if slot.wait:
        return PasswordCheck(None, "throttled", slot.wait, slot.limited)
    usable = login is not None and not login.disabled and bool(login.password_hash)
    stored = login.password_hash if login is not None and usable else dummy_hash()
    verified = await asyncio.to_thread(verify_password, stored, password)
    if login is None:
        return PasswordCheck(None, "unknown_user")
    if login.disabled:
        return PasswordCheck(None, "disabled_user")
    if not usable:
        return PasswordCheck(None, "no_password")
    if not verified:
        return PasswordCheck(None, "wrong_password")
    await throttle.release(slot, user)
    return PasswordCheck((Caller(login.associate_id, login.name, scheme), login.credential_version), "ok")


def _storable(name: str) -> bool:
    """Whether a stored name could equal this one: PostgreSQL's text holds no NUL and only valid UTF-8."""
    if "\x00" in name:
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def credential_still_valid(db: Database, associate_id: int, version: int) -> bool:
    state = await db.transaction(lambda conn: associates.credential_version(conn, associate_id))
    return state is not None and state == (version, False)


async def find_associate(db: Database, *, name: str | None = None, associate_id: int | None = None,
                         scheme: str) -> tuple[Caller, int] | None:
    """An enabled associate, by user name or id, for schemes that vouch for the user themselves (Bearer)."""
    if associate_id is not None:
        aid = associate_id
        found = await db.transaction(lambda conn: credentials.find_associate_by_id(conn, aid))
        if found is None or found[2]:
            return None
        return Caller(associate_id, found[0], scheme), found[1]
    user = name or ""
    login = await db.transaction(lambda conn: associates.find_login(conn, user))
    if login is None or login.disabled:
        return None
    return Caller(login.associate_id, login.name, scheme), login.credential_version
