"""Checking credentials. Verifying an argon2 hash takes ~0.1 s, so the wire layer caches hits."""

from __future__ import annotations

import asyncio

from ..store import associates, credentials
from ..store.database import Database
from .context import Caller
from .passwords import verify_password


async def login_with_password(db: Database, user: str, password: str, scheme: str) -> tuple[Caller, int] | None:
    """The caller and their credential version, or None for a wrong name, password or a disabled user."""
    login = await db.transaction(lambda conn: associates.find_login(conn, user))
    if login is None or login.disabled or not login.password_hash:
        return None
    if not await asyncio.to_thread(verify_password, login.password_hash, password):
        return None
    return Caller(login.associate_id, login.name, scheme), login.credential_version


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
