"""REST collections: one page of what the caller may see, in one unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..domain.query import CollectionQuery
from ..store import collections as store
from ..store.database import Database
from .context import Caller


async def appointment_page(db: Database, caller: Caller, query: CollectionQuery) -> list[Mapping[str, Any]]:
    """At most `query.limit` appointment rows; rows private to others are never among them."""
    return await db.transaction(lambda conn: store.appointment_page(conn, caller.associate_id, query))


async def people_page(db: Database, table: str, query: CollectionQuery) -> list[Mapping[str, Any]]:
    """A page of the address book (`person`, `contact`, `associate` or `project`): shared data every user may read."""
    return await db.transaction(lambda conn: store.people_page(conn, table, query))
