"""Repository for the people an appointment names: persons, companies (contact) and users (associate)."""

from __future__ import annotations

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from .entities import AssociateInfo, ContactInfo, PersonInfo, associates, contacts, persons
from .schema import appointment, associate, contact, person

__all__ = ["AssociateInfo", "ContactInfo", "PersonInfo", "associates", "contacts", "persons"]


def associate_ids(conn: Connection, include_retired: bool = False) -> list[int]:
    q = select(associate.c.associate_id).order_by(associate.c.associate_id)
    if not include_retired:
        q = q.where(associate.c.deleted.is_(False))
    return [r[0] for r in conn.execute(q)]


def associate_of_person(conn: Connection, person_id: int) -> int:
    """The user who is this person, 0 when none."""
    found = conn.execute(select(associate.c.associate_id).where(associate.c.person_id == person_id)).first()
    return int(found[0]) if found else 0


def contact_exists(conn: Connection, contact_id: int) -> bool:
    return conn.execute(select(contact.c.contact_id).where(contact.c.contact_id == contact_id)).first() is not None


def insert_person(conn: Connection, contact_id: int, firstname: str, lastname: str, email: str) -> int:
    stmt = insert(person).values(contact_id=contact_id, firstname=firstname, lastname=lastname, email=email)
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def update_person(conn: Connection, person_id: int, contact_id: int, firstname: str, lastname: str,
                  email: str) -> None:
    conn.execute(update(person).where(person.c.person_id == person_id).values(
        contact_id=contact_id, firstname=firstname, lastname=lastname, email=email))


def insert_contact(conn: Connection, name: str, department: str) -> int:
    return int(conn.execute(insert(contact).values(name=name, department=department)).inserted_primary_key[0])  # type: ignore[index]


def update_contact(conn: Connection, contact_id: int, name: str, department: str) -> None:
    conn.execute(update(contact).where(contact.c.contact_id == contact_id).values(name=name, department=department))


def person_ids_of_contact(conn: Connection, contact_id: int) -> list[int]:
    q = select(person.c.person_id).where(person.c.contact_id == contact_id).order_by(person.c.person_id)
    return [r[0] for r in conn.execute(q)]


def person_of_associate(conn: Connection, associate_id: int) -> int:
    found = conn.execute(select(associate.c.person_id).where(associate.c.associate_id == associate_id)).first()
    return int(found[0] or 0) if found else 0


def person_in_use(conn: Connection, person_id: int) -> bool:
    """An appointment names the person (as whom it is with, or as an invitee)."""
    q = select(appointment.c.appointment_id).where(
        or_(appointment.c.person_id == person_id, appointment.c.invited_person_id == person_id)).limit(1)
    return conn.execute(q).first() is not None


def contact_in_use(conn: Connection, contact_id: int) -> bool:
    """A person belongs to the company, or an appointment names it."""
    if conn.execute(select(person.c.person_id).where(person.c.contact_id == contact_id).limit(1)).first():
        return True
    q = select(appointment.c.appointment_id).where(appointment.c.contact_id == contact_id).limit(1)
    return conn.execute(q).first() is not None


def delete_person(conn: Connection, person_id: int) -> None:
    conn.execute(delete(person).where(person.c.person_id == person_id))


def delete_contact(conn: Connection, contact_id: int) -> None:
    conn.execute(delete(contact).where(contact.c.contact_id == contact_id))
