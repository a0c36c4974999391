"""The calendar_feed table: secret subscription tokens, kept as SHA-256 (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Connection

from .schema import calendar_feed

_f = calendar_feed.c


def add(conn: Connection, associate_id: int, token_hash: str, now: datetime) -> int:
    result = conn.execute(insert(calendar_feed).values(associate_id=associate_id, token_hash=token_hash,
                                                       created=now, revoked=None))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def owner(conn: Connection, token_hash: str) -> int | None:
    """The user whose live feed this is; None for an unknown or revoked token."""
    return conn.execute(select(_f.associate_id).where(and_(_f.token_hash == token_hash,
                                                           _f.revoked.is_(None)))).scalar()
