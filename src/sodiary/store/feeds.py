"""The calendar_feed table: secret subscription tokens, kept as SHA-256 (issue 15)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select, update
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


def live(conn: Connection, associate_id: int) -> list[tuple[int, datetime]]:
    """The user's feeds not revoked: id and creation time, oldest first."""
    q = (select(_f.feed_id, _f.created).where(and_(_f.associate_id == associate_id, _f.revoked.is_(None)))
         .order_by(_f.feed_id))
    return [(r[0], r[1]) for r in conn.execute(q)]


def revoke(conn: Connection, associate_id: int, feed_id: int, now: datetime) -> bool:
    """Revoke one of the user's live feeds; False when it is not theirs, unknown or revoked already."""
    result = conn.execute(update(calendar_feed).where(and_(
        _f.feed_id == feed_id, _f.associate_id == associate_id, _f.revoked.is_(None))).values(revoked=now))
    return result.rowcount == 1

