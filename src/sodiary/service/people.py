"""Use cases for the people an appointment names; each function is one unit of work.

Persons and companies are shared address-book data: every signed-in user reads them and adds to
them. A person who is a user is that user's own card (domain/people.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from ..domain import people as rules
from ..domain.errors import NotFound
from ..store import people as store
from ..store.database import Database
from ..store.people import AssociateInfo, ContactInfo, PersonInfo
from .context import Caller


async def associate(db: Database, associate_id: int) -> AssociateInfo | None:
    return await db.transaction(lambda conn: store.associates(conn, [associate_id]).get(associate_id))


async def associate_list(db: Database, ids: Sequence[int] | None) -> list[AssociateInfo]:
    """The users with these ids, in the order asked (unknown ones left out); None: every user not retired."""

    def work(conn: Connection) -> list[AssociateInfo]:
        wanted = list(ids) if ids is not None else store.associate_ids(conn)
        found = store.associates(conn, wanted)
        return [found[i] for i in dict.fromkeys(wanted) if i in found]

    return await db.transaction(work)


async def associate_by_person(db: Database, person_id: int) -> AssociateInfo | None:
    def work(conn: Connection) -> AssociateInfo | None:
        associate_id = store.associate_of_person(conn, person_id)
        return store.associates(conn, [associate_id]).get(associate_id) if associate_id else None

    return await db.transaction(work)


async def person(db: Database, person_id: int) -> PersonInfo | None:
    return await db.transaction(lambda conn: store.persons(conn, [person_id]).get(person_id))


async def contact(db: Database, contact_id: int) -> ContactInfo | None:
    return await db.transaction(lambda conn: store.contacts(conn, [contact_id]).get(contact_id))


@dataclass(frozen=True, slots=True)
class PersonInput:
    person_id: int  # 0: a new person
    contact_id: int
    firstname: str
    lastname: str
    email: str


async def save_person(db: Database, caller: Caller, data: PersonInput) -> PersonInfo:
    rules.check_person(data.firstname, data.lastname, data.email)

    def work(conn: Connection) -> PersonInfo:
        if data.contact_id and not store.contact_exists(conn, data.contact_id):
            raise NotFound("contact_not_found", contact_id=data.contact_id)
        person_id = data.person_id
        if person_id:
            if store.persons(conn, [person_id]).get(person_id) is None:
                raise NotFound("person_not_found", person_id=person_id)
            rules.may_change_person(caller.associate_id, store.associate_of_person(conn, person_id))
            store.update_person(conn, person_id, data.contact_id, data.firstname, data.lastname, data.email)
        else:
            person_id = store.insert_person(conn, data.contact_id, data.firstname, data.lastname, data.email)
        return store.persons(conn, [person_id])[person_id]

    return await db.transaction(work)


async def save_contact(db: Database, contact_id: int, name: str, department: str) -> ContactInfo:
    rules.check_contact(name, department)

    def work(conn: Connection) -> ContactInfo:
        if contact_id:
            if not store.contact_exists(conn, contact_id):
                raise NotFound("contact_not_found", contact_id=contact_id)
            store.update_contact(conn, contact_id, name, department)
            saved = contact_id
        else:
            saved = store.insert_contact(conn, name, department)
        return store.contacts(conn, [saved])[saved]

    return await db.transaction(work)


async def person_list(db: Database, ids: Sequence[int]) -> list[PersonInfo]:
    """The persons with these ids, in the order asked; unknown ids left out."""

    def work(conn: Connection) -> list[PersonInfo]:
        found = store.persons(conn, ids)
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    return await db.transaction(work)


async def persons_of_contact(db: Database, contact_id: int) -> list[PersonInfo]:
    def work(conn: Connection) -> list[PersonInfo]:
        ids = store.person_ids_of_contact(conn, contact_id) if contact_id > 0 else []
        found = store.persons(conn, ids)
        return [found[i] for i in ids if i in found]

    return await db.transaction(work)


async def my_person(db: Database, caller: Caller) -> PersonInfo | None:
    def work(conn: Connection) -> PersonInfo | None:
        person_id = store.person_of_associate(conn, caller.associate_id)
        return store.persons(conn, [person_id]).get(person_id) if person_id else None

    return await db.transaction(work)


async def contact_list(db: Database, ids: Sequence[int]) -> list[ContactInfo]:
    def work(conn: Connection) -> list[ContactInfo]:
        found = store.contacts(conn, ids)
        return [found[i] for i in dict.fromkeys(ids) if i in found]

    return await db.transaction(work)


async def delete_person(db: Database, person_id: int) -> None:
    def work(conn: Connection) -> None:
        if store.persons(conn, [person_id]).get(person_id) is None:
            raise NotFound("person_not_found", person_id=person_id)
        rules.may_delete_person(person_id, bool(store.associate_of_person(conn, person_id)),
                                store.person_in_use(conn, person_id))
        store.delete_person(conn, person_id)

    await db.transaction(work)


async def delete_contact(db: Database, contact_id: int) -> None:
    def work(conn: Connection) -> None:
        if not store.contact_exists(conn, contact_id):
            raise NotFound("contact_not_found", contact_id=contact_id)
        rules.may_delete_contact(contact_id, store.contact_in_use(conn, contact_id))
        store.delete_contact(conn, contact_id)

    await db.transaction(work)
