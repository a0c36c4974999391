"""The Associate, Person and Contact agents: how a client looks people up, and adds them, before it
invites them. `POST /api/v1/Agents/<Agent>/<Method>`; unknown ids answer `null`, as the agents do.

A person's e-mail addresses: sodiary keeps one per person, the first of `Emails`.
"""

from __future__ import annotations

from sodiary.service import people as svc
from sodiary.store.people import AssociateInfo, ContactInfo, PersonInfo
from sodiary.wire.agent.entities import query_id
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import associate_carrier, contact_carrier, person_carrier
from sodiary.wire.carriers.people import ContactEntity, EntityElement, PersonEntity
from sodiary.wire.endpoint import AgentMethod, Call


def _associate(info: AssociateInfo | None) -> c.Associate | None:
    return associate_carrier(info)


def person_entity(info: PersonInfo, contact: ContactInfo | None, user: AssociateInfo | None) -> PersonEntity:
    emails = [EntityElement(value=info.email, stripped_value=info.email)] if info.email else []
    return PersonEntity(
        person_id=info.person_id, firstname=info.firstname, lastname=info.lastname, full_name=info.full_name,
        formal_name=info.full_name, contact=contact_carrier(contact), emails=emails,
        associate=associate_carrier(user), is_associate=user is not None,
    )


def contact_entity(info: ContactInfo) -> ContactEntity:
    return ContactEntity(contact_id=info.contact_id, name=info.name, department=info.department,
                         full_name=f"{info.name} {info.department}".strip())


# Associate agent.


async def get_associate(call: Call, _req: None) -> c.Associate | None:
    return _associate(await svc.associate(call.db, query_id(call, "associateId")))


async def get_associate_list(call: Call, ids: list[int] | None) -> list[c.Associate]:
    found = await svc.associate_list(call.db, ids or None)
    return [a for a in map(_associate, found) if a is not None]


class PersonIdRequest(c.Request):
    person_id: c.Int32 = 0


async def get_associate_by_person(call: Call, req: PersonIdRequest) -> c.Associate | None:
    # The official client posts {"PersonId": n}; the id in the query string is accepted too.
    person_id = req.person_id or (query_id(call, "personId") if "personid" in call.query else 0)
    return _associate(await svc.associate_by_person(call.db, person_id)) if person_id > 0 else None


ASSOCIATE_METHODS = [
    AgentMethod("GetAssociate", get_associate, None, c.Associate, query={"associateId": c.Int32},
                summary="The user (associate) with the id, or null."),
    AgentMethod("GetAssociateList", get_associate_list, list[c.Int32], list[c.Associate],
                summary="The users with these ids, in order (unknown ids left out); an empty array: every "
                        "user not retired."),
    AgentMethod("GetAssociateByPersonId", get_associate_by_person, PersonIdRequest, c.Associate,
                summary="The user who is this person, or null."),
]


# Person agent.


async def _person_entity(call: Call, person_id: int) -> PersonEntity | None:
    info = await svc.person(call.db, person_id)
    if info is None:
        return None
    contact = await svc.contact(call.db, info.contact_id) if info.contact_id else None
    user = await svc.associate(call.db, info.associate_id) if info.associate_id else None
    return person_entity(info, contact, user)


async def get_person(call: Call, _req: None) -> c.Person | None:
    return person_carrier(await svc.person(call.db, query_id(call, "personId")))


async def get_person_entity(call: Call, _req: None) -> PersonEntity | None:
    return await _person_entity(call, query_id(call, "personEntityId"))


async def create_default_person(call: Call, _req: None) -> PersonEntity:
    return PersonEntity()


def _first(elements: list[EntityElement]) -> str:
    return next(((e.value or "").strip() for e in elements if (e.value or "").strip()), "")


async def save_person_entity(call: Call, entity: PersonEntity) -> PersonEntity | None:
    contact_id = entity.contact.contact_id if entity.contact is not None else 0
    saved = await svc.save_person(call.db, call.caller, svc.PersonInput(
        entity.person_id, contact_id, (entity.firstname or "").strip(), (entity.lastname or "").strip(),
        _first(entity.emails)))
    return await _person_entity(call, saved.person_id)


async def get_person_list(call: Call, ids: list[int]) -> list[c.Person]:
    return [p for p in map(person_carrier, await svc.person_list(call.db, ids)) if p is not None]


async def get_my_person(call: Call, _req: None) -> c.Person | None:
    return person_carrier(await svc.my_person(call.db, call.caller))


class ContactIdRequest(c.Request):
    contact_id: c.Int32 = 0


async def get_persons_from_contact(call: Call, req: ContactIdRequest) -> list[c.Person]:
    return [p for p in map(person_carrier, await svc.persons_of_contact(call.db, req.contact_id)) if p is not None]


async def delete_person_entity(call: Call, _req: None) -> None:
    await svc.delete_person(call.db, query_id(call, "personEntityId"))


PERSON_METHODS = [
    AgentMethod("GetPerson", get_person, None, c.Person, query={"personId": c.Int32},
                summary="The person with the id, or null."),
    AgentMethod("GetPersonList", get_person_list, list[c.Int32], list[c.Person],
                summary="The persons with these ids, in order (unknown ids left out)."),
    AgentMethod("GetMyPerson", get_my_person, None, c.Person, summary="The caller's own person."),
    AgentMethod("GetPersonsFromContact", get_persons_from_contact, ContactIdRequest, list[c.Person],
                summary="Every person of the company."),
    AgentMethod("GetPersonEntity", get_person_entity, None, PersonEntity, query={"personEntityId": c.Int32},
                summary="The PersonEntity with the id, or null."),
    AgentMethod("CreateDefaultPersonEntity", create_default_person, None, PersonEntity,
                summary="A new, unsaved PersonEntity."),
    AgentMethod("SavePersonEntity", save_person_entity, PersonEntity, PersonEntity,
                summary="Creates (PersonId 0) or updates a person: names, company and the first e-mail address."),
    AgentMethod("DeletePersonEntity", delete_person_entity, None, None, query={"personEntityId": c.Int32},
                summary="Deletes the person; refused (409) while it is a user or an appointment names it."),
]


# Contact agent.


async def get_contact(call: Call, _req: None) -> c.Contact | None:
    return contact_carrier(await svc.contact(call.db, query_id(call, "contactId")))


async def get_contact_entity(call: Call, _req: None) -> ContactEntity | None:
    info = await svc.contact(call.db, query_id(call, "contactEntityId"))
    return contact_entity(info) if info is not None else None


async def create_default_contact(call: Call, _req: None) -> ContactEntity:
    return ContactEntity()


async def save_contact_entity(call: Call, entity: ContactEntity) -> ContactEntity:
    saved = await svc.save_contact(call.db, entity.contact_id, (entity.name or "").strip(),
                                   (entity.department or "").strip())
    return contact_entity(saved)


async def get_contact_list(call: Call, ids: list[int]) -> list[c.Contact]:
    return [x for x in map(contact_carrier, await svc.contact_list(call.db, ids)) if x is not None]


async def delete_contact_entity(call: Call, _req: None) -> None:
    await svc.delete_contact(call.db, query_id(call, "contactEntityId"))


CONTACT_METHODS = [
    AgentMethod("GetContact", get_contact, None, c.Contact, query={"contactId": c.Int32},
                summary="The company with the id, or null."),
    AgentMethod("GetContactList", get_contact_list, list[c.Int32], list[c.Contact],
                summary="The companies with these ids, in order (unknown ids left out)."),
    AgentMethod("GetContactEntity", get_contact_entity, None, ContactEntity, query={"contactEntityId": c.Int32},
                summary="The ContactEntity with the id, or null."),
    AgentMethod("CreateDefaultContactEntity", create_default_contact, None, ContactEntity,
                summary="A new, unsaved ContactEntity."),
    AgentMethod("SaveContactEntity", save_contact_entity, ContactEntity, ContactEntity,
                summary="Creates (ContactId 0) or updates a company: name and department."),
    AgentMethod("DeleteContactEntity", delete_contact_entity, None, None, query={"contactEntityId": c.Int32},
                summary="Deletes the company; refused (409) while it has persons or an appointment names it."),
]


def table(methods: list[AgentMethod]) -> dict[str, AgentMethod]:
    return {m.name.lower(): m for m in methods}


