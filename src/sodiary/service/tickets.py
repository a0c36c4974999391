"""Login tickets (SOTicket) and browser sessions: random tokens whose SHA-256 is stored.

Both are bound to the associate's credential version when issued, so a password change or a
disable kills them; both expire, and both can be revoked (logout). The tokens carry 256 random
bits, so a plain SHA-256 is a safe way to store them (nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..store import credentials
from ..store.database import Database
from .clock import utc_now
from .context import Caller

TICKET = "ticket"
SESSION = "session"
TICKET_PREFIX = "7T:"  # the shape of SuperOffice's own tickets


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires: datetime  # naive UTC
    xsrf: str = ""  # sessions only: the value of the XSRF-TOKEN cookie


@dataclass(frozen=True, slots=True)
class Holder:
    caller: Caller
    version: int
    expires: datetime  # naive UTC
    xsrf_hash: str


async def issue(db: Database, caller: Caller, version: int, kind: str, seconds: int) -> Issued:
    token = (TICKET_PREFIX if kind == TICKET else "") + secrets.token_urlsafe(32)
    xsrf = secrets.token_urlsafe(32) if kind == SESSION else ""
    now = utc_now()
    expires = now + timedelta(seconds=seconds)
    await db.transaction(lambda conn: credentials.insert_token(
        conn, kind=kind, token_hash=digest(token), associate_id=caller.associate_id, credential_version=version,
        xsrf_hash=digest(xsrf) if xsrf else "", created=now, expires=expires,
    ))
    return Issued(token, expires, xsrf)


async def resolve(db: Database, kind: str, token: str, scheme: str) -> Holder | None:
    """Who holds this live token; None when unknown, expired, revoked, or the credentials changed."""
    owner = await db.transaction(lambda conn: credentials.find_token(conn, kind, digest(token)))
    if owner is None or owner.revoked or owner.disabled or owner.expires <= utc_now():
        return None
    if owner.token_version != owner.current_version:
        return None
    return Holder(Caller(owner.associate_id, owner.name, scheme), owner.current_version, owner.expires,
                  owner.xsrf_hash)


async def revoke(db: Database, kind: str, token: str) -> bool:
    return await db.transaction(lambda conn: credentials.revoke_token(conn, kind, digest(token)))
