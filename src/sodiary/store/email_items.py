"""The email_item table: invitations from external organisers that arrived by e-mail (issue 15, mail in)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.engine import Connection

from .schema import associate, email_item, person

_e = email_item.c


@dataclass(frozen=True, slots=True)
class EmailItem:
    email_item_id: int
    associate_id: int
    event_uid: str
    event_sequence: int
    event_dtstamp: datetime  # naive UTC
    status: str  # pending | accepted | declined | cancelled
    organizer_email: str
    organizer_fullname: str
    attendee_email: str
    title: str
    location: str
    description: str
    start_utc: datetime  # naive UTC
    end_utc: datetime
    is_allday: bool
    calendar: str  # the REQUEST's iCalendar text (a series is expanded from it when accepted)
    appointment_id: int
    received: datetime


_COLUMNS = [getattr(_e, name) for name in EmailItem.__dataclass_fields__]


def _item(row: Any) -> EmailItem:
    return EmailItem(*row)


def users_by_address(conn: Connection, addresses: Iterable[str]) -> dict[int, str]:
    """Live users whose person has one of these addresses (compared case-insensitively): id -> address."""
    wanted = sorted({a.strip().lower() for a in addresses if a.strip()})
    if not wanted:
        return {}
    q = (select(associate.c.associate_id, person.c.email)
         .join(person, person.c.person_id == associate.c.person_id)
         .where(and_(func.lower(person.c.email).in_(wanted), associate.c.deleted.is_(False),
                     associate.c.disabled.is_(False)))
         .order_by(associate.c.associate_id))
    return {r[0]: r[1] for r in conn.execute(q)}


def get(conn: Connection, email_item_id: int) -> EmailItem | None:
    row = conn.execute(select(*_COLUMNS).where(_e.email_item_id == email_item_id)).first()
    return None if row is None else _item(row)


def find(conn: Connection, associate_id: int, uid: str) -> EmailItem | None:
    row = conn.execute(select(*_COLUMNS).where(and_(_e.associate_id == associate_id, _e.event_uid == uid))).first()
    return None if row is None else _item(row)


def of_user(conn: Connection, associate_id: int) -> list[EmailItem]:
    q = select(*_COLUMNS).where(_e.associate_id == associate_id).order_by(_e.start_utc, _e.email_item_id)
    return [_item(r) for r in conn.execute(q)]


def add(conn: Connection, values: Mapping[str, Any]) -> int:
    result = conn.execute(insert(email_item).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def change(conn: Connection, email_item_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(email_item).where(_e.email_item_id == email_item_id).values(**values))
