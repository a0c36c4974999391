"""The reads and writes the e-mail use cases (service/mail.py) need beyond the booking rows and the outbox:
the mother rows of a series, who is flagged for mail, e-mail-only participants and the people's cultures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Connection

from .outbox import INVITATION_COLUMNS, Invitation
from .schema import appointment, invitation, person, recurrence_rule

_a = appointment.c
_p = person.c


def series_mothers(conn: Connection, rule_ids: Iterable[int]) -> set[int]:
    """The mother rows of every occurrence of these series (one per occurrence: sodiary's storage)."""
    rules = sorted({r for r in rule_ids if r})
    if not rules:
        return set()
    q = select(_a.appointment_id).where(and_(_a.recurrence_rule_id.in_(rules), _a.mother_id == _a.appointment_id))
    return set(conn.execute(q).scalars())


def any_flagged(conn: Connection, mother_id: int) -> bool:
    """Whether a participant row of the booking (not the organiser's) has SendEmail set."""
    q = select(_a.appointment_id).where(and_(_a.mother_id == mother_id, _a.appointment_id != mother_id,
                                             _a.send_email.is_(True))).limit(1)
    return conn.execute(q).first() is not None


def person_by_email(conn: Connection, address: str) -> int | None:
    """The person with this address (compared case-insensitively; the lowest id when several have it)."""
    q = (select(_p.person_id).where(func.lower(_p.email) == address.strip().lower())
         .order_by(_p.person_id).limit(1))
    found = conn.execute(q).scalar()
    return None if found is None else int(found)


def add_email_person(conn: Connection, address: str, name: str) -> int:
    """An e-mail-only participant becomes a person of no company, named by their Description."""
    first, _, last = " ".join(name.split()).partition(" ")
    stmt = insert(person).values(contact_id=0, firstname=first[:50], lastname=last[:50], email=address.strip()[:254],
                                 culture="")
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def cultures_of_persons(conn: Connection, person_ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted({i for i in person_ids if i})
    if not wanted:
        return {}
    q = select(_p.person_id, _p.culture).where(and_(_p.person_id.in_(wanted), _p.culture != ""))
    return {int(r[0]): str(r[1]) for r in conn.execute(q)}


def set_culture(conn: Connection, person_id: int, culture: str) -> None:
    conn.execute(person.update().where(_p.person_id == person_id).values(culture=culture[:20]))


def series_invitation(conn: Connection, rule_id: int) -> Invitation | None:
    """The invitation mailed as one recurring event for the series of this rule, if one was."""
    if not rule_id:
        return None
    q = (select(*INVITATION_COLUMNS).select_from(invitation.join(appointment, _a.appointment_id
                                                                 == invitation.c.appointment_id))
         .where(and_(_a.recurrence_rule_id == rule_id, invitation.c.series.is_(True))).limit(1))
    row = conn.execute(q).first()
    return None if row is None else Invitation(row[0], row[1], row[2], row[3], bool(row[4]))


def rule(conn: Connection, rule_id: int) -> dict[str, Any] | None:
    q = select(recurrence_rule).where(recurrence_rule.c.recurrence_rule_id == rule_id)
    row = conn.execute(q).mappings().first()
    return None if row is None else dict(row)
