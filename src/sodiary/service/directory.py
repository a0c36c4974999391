"""Who can be invited: the enabled users, for the web page's participant picker."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import associates
from ..store.database import Database


@dataclass(frozen=True, slots=True)
class Colleague:
    associate_id: int
    name: str
    full_name: str


async def colleagues(db: Database) -> list[Colleague]:
    """Every user who can sign in, by user name; disabled and retired users are not offered."""
    found = await db.transaction(lambda conn: associates.users(conn))
    return [Colleague(u.associate_id, u.name, u.full_name or u.name) for u in found if not u.disabled]
