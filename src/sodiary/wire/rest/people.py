"""REST `/api/v1/Person`, `/api/v1/Contact`, `/api/v1/Project`, `/api/v1/Associate`: the people agents with
HTTP semantics (404 for an unknown id, `_Links.Self`). Person, Contact and Project: GET /default, POST,
GET/PUT/PATCH/DELETE /{id}; Associate: GET /{id} (users are made with `sodiary user add`, as SuperOffice's
are in its admin client).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sodiary.service import groupings as project_svc
from sodiary.service import people as svc
from sodiary.store.database import Database
from sodiary.wire.agent import groupings as projects
from sodiary.wire.agent import people
from sodiary.wire.binding import bind
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.people import ContactEntity, PersonEntity, ProjectEntity
from sodiary.wire.decoding import decode_body
from sodiary.wire.endpoint import Authenticate, Call, encode, guarded, no_content, open_call, read_body
from sodiary.wire.errors import ApiError
from sodiary.wire.negotiation import Format
from sodiary.wire.rest.appointment import MAX_ID, RestOperation
from sodiary.wire.rest.patch import PATCH_TYPES, PatchOperation, apply_patch

PERSON = "/api/v1/Person"
CONTACT = "/api/v1/Contact"
ASSOCIATE = "/api/v1/Associate"
PROJECT = "/api/v1/Project"


class PersonEntityWithLinks(PersonEntity):
    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


class ContactEntityWithLinks(ContactEntity):
    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


class ProjectEntityWithLinks(ProjectEntity):
    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


class AssociateWithLinks(c.Associate):
    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


def _id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
    return int(raw)


def _links(call: Call, prefix: str, entity_id: int) -> dict[str, str]:
    return {"Self": f"{str(call.request.base_url).rstrip('/')}{prefix}/{entity_id}"} if entity_id else {}


async def _body(call: Call, max_body: int, tp: Any) -> Any:
    data = decode_body(call.request.headers.get("content-type"), await read_body(call.request, max_body))
    if not isinstance(data, dict):
        raise ApiError(400, "ArgumentException", "entity_required")
    return bind(data, tp)


def _person_answer(call: Call, entity: PersonEntity | None, person_id: int) -> Response:
    if entity is None:
        raise ApiError(404, "SoNotFoundException", "person_not_found", person_id=person_id)
    carrier = PersonEntityWithLinks(**msgspec.structs.asdict(entity),
                                    links_=_links(call, PERSON, entity.person_id))
    return encode(carrier, call, "PersonEntity")


def _contact_answer(call: Call, entity: ContactEntity | None, contact_id: int) -> Response:
    if entity is None:
        raise ApiError(404, "SoNotFoundException", "contact_not_found", contact_id=contact_id)
    carrier = ContactEntityWithLinks(**msgspec.structs.asdict(entity),
                                     links_=_links(call, CONTACT, entity.contact_id))
    return encode(carrier, call, "ContactEntity")


async def _save_person(call: Call, max_body: int, person_id: int) -> Response:
    entity: PersonEntity = await _body(call, max_body, PersonEntity)
    entity.person_id = person_id  # the URL names the person (0: POST creates), whatever the body says
    saved = await people.save_person_entity(call, entity)
    return _person_answer(call, saved, person_id)


async def _save_contact(call: Call, max_body: int, contact_id: int) -> Response:
    entity: ContactEntity = await _body(call, max_body, ContactEntity)
    entity.contact_id = contact_id
    saved = await people.save_contact_entity(call, entity)
    return _contact_answer(call, saved, contact_id)


def _project_answer(call: Call, entity: ProjectEntity | None, project_id: int) -> Response:
    if entity is None:
        raise ApiError(404, "SoNotFoundException", "project_not_found", project_id=project_id)
    carrier = ProjectEntityWithLinks(**msgspec.structs.asdict(entity),
                                     links_=_links(call, PROJECT, entity.project_id))
    return encode(carrier, call, "ProjectEntity")


async def _save_project(call: Call, max_body: int, project_id: int) -> Response:
    entity: ProjectEntity = await _body(call, max_body, ProjectEntity)
    entity.project_id = project_id
    return _project_answer(call, await projects.save_project_entity(call, entity), project_id)


Verb = Callable[[Call, int], Awaitable[Response]]


def routes(db: Database, authenticate: Authenticate, max_body: int) -> list[BaseRoute]:
    def endpoint(verb: Verb) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            async def work(fmt: Format) -> Response:
                return await verb(await open_call(request, db, authenticate, fmt), max_body)

            return await guarded(request, work)

        return handle

    async def person_get(call: Call, _: int) -> Response:
        person_id = _id(call.request)
        return _person_answer(call, await people._person_entity(call, person_id), person_id)

    async def person_default(call: Call, _: int) -> Response:
        return _person_answer(call, PersonEntity(), 0)

    async def person_post(call: Call, limit: int) -> Response:
        return await _save_person(call, limit, 0)

    async def person_put(call: Call, limit: int) -> Response:
        person_id = _id(call.request)
        if await people._person_entity(call, person_id) is None:
            raise ApiError(404, "SoNotFoundException", "person_not_found", person_id=person_id)
        return await _save_person(call, limit, person_id)

    async def person_patch(call: Call, limit: int) -> Response:
        person_id = _id(call.request)
        current = await people._person_entity(call, person_id)
        if current is None:
            raise ApiError(404, "SoNotFoundException", "person_not_found", person_id=person_id)
        patched = apply_patch(msgspec.to_builtins(current), call.request.headers.get("content-type"),
                              await read_body(call.request, limit))
        if not isinstance(patched, dict):
            raise ApiError(400, "ArgumentException", "entity_required")
        entity = bind(patched, PersonEntity)
        entity.person_id = person_id
        return _person_answer(call, await people.save_person_entity(call, entity), person_id)

    async def person_delete(call: Call, _: int) -> Response:
        await svc.delete_person(call.db, _id(call.request))
        return no_content(call.fmt)

    async def contact_patch(call: Call, limit: int) -> Response:
        contact_id = _id(call.request)
        info = await svc.contact(call.db, contact_id)
        if info is None:
            raise ApiError(404, "SoNotFoundException", "contact_not_found", contact_id=contact_id)
        patched = apply_patch(msgspec.to_builtins(people.contact_entity(info)),
                              call.request.headers.get("content-type"), await read_body(call.request, limit))
        if not isinstance(patched, dict):
            raise ApiError(400, "ArgumentException", "entity_required")
        entity = bind(patched, ContactEntity)
        entity.contact_id = contact_id
        return _contact_answer(call, await people.save_contact_entity(call, entity), contact_id)

    async def contact_delete(call: Call, _: int) -> Response:
        await svc.delete_contact(call.db, _id(call.request))
        return no_content(call.fmt)

    async def contact_get(call: Call, _: int) -> Response:
        contact_id = _id(call.request)
        info = await svc.contact(call.db, contact_id)
        return _contact_answer(call, people.contact_entity(info) if info else None, contact_id)

    async def contact_default(call: Call, _: int) -> Response:
        return _contact_answer(call, ContactEntity(), 0)

    async def contact_post(call: Call, limit: int) -> Response:
        return await _save_contact(call, limit, 0)

    async def contact_put(call: Call, limit: int) -> Response:
        return await _save_contact(call, limit, _id(call.request))

    async def associate_get(call: Call, _: int) -> Response:
        associate_id = _id(call.request)
        found = people.associate_carrier(await svc.associate(call.db, associate_id))
        if found is None:
            raise ApiError(404, "SoNotFoundException", "associate_not_found", associate_id=associate_id)
        carrier = AssociateWithLinks(**msgspec.structs.asdict(found), links_=_links(call, ASSOCIATE, associate_id))
        return encode(carrier, call, "Associate")

    async def project_get(call: Call, _: int) -> Response:
        project_id = _id(call.request)
        return _project_answer(call, await projects.project_entity(call, project_id), project_id)

    async def project_default(call: Call, _: int) -> Response:
        return _project_answer(call, await projects.create_default_project(call, None), 0)

    async def project_post(call: Call, limit: int) -> Response:
        return await _save_project(call, limit, 0)

    async def project_put(call: Call, limit: int) -> Response:
        return await _save_project(call, limit, _id(call.request))

    async def project_patch(call: Call, limit: int) -> Response:
        project_id = _id(call.request)
        current = await projects.project_entity(call, project_id)
        if current is None:
            raise ApiError(404, "SoNotFoundException", "project_not_found", project_id=project_id)
        patched = apply_patch(msgspec.to_builtins(current), call.request.headers.get("content-type"),
                              await read_body(call.request, limit))
        if not isinstance(patched, dict):
            raise ApiError(400, "ArgumentException", "entity_required")
        entity = bind(patched, ProjectEntity)
        entity.project_id = project_id
        return _project_answer(call, await projects.save_project_entity(call, entity), project_id)

    async def project_delete(call: Call, _: int) -> Response:
        await project_svc.delete_project(call.db, _id(call.request))
        return no_content(call.fmt)

    def by_method(verbs: dict[str, Callable[[Request], Awaitable[Response]]]) -> Callable[
            [Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            return await verbs[request.method if request.method != "HEAD" else "GET"](request)

        return handle

    person_item = by_method({"GET": endpoint(person_get), "PUT": endpoint(person_put),
                             "PATCH": endpoint(person_patch), "DELETE": endpoint(person_delete)})
    contact_item = by_method({"GET": endpoint(contact_get), "PUT": endpoint(contact_put),
                              "PATCH": endpoint(contact_patch), "DELETE": endpoint(contact_delete)})
    project_item = by_method({"GET": endpoint(project_get), "PUT": endpoint(project_put),
                              "PATCH": endpoint(project_patch), "DELETE": endpoint(project_delete)})
    return [
        Route(PROJECT + "/default", endpoint(project_default), methods=["GET"]),
        Route(PROJECT, endpoint(project_post), methods=["POST"]),
        Route(PROJECT + "/", endpoint(project_post), methods=["POST"]),
        Route(PROJECT + "/{id:int}", project_item, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route(PERSON + "/default", endpoint(person_default), methods=["GET"]),
        Route(PERSON, endpoint(person_post), methods=["POST"]),
        Route(PERSON + "/", endpoint(person_post), methods=["POST"]),
        Route(PERSON + "/{id:int}", person_item, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route(CONTACT + "/default", endpoint(contact_default), methods=["GET"]),
        Route(CONTACT, endpoint(contact_post), methods=["POST"]),
        Route(CONTACT + "/", endpoint(contact_post), methods=["POST"]),
        Route(CONTACT + "/{id:int}", contact_item, methods=["GET", "PUT", "PATCH", "DELETE"]),
        Route(ASSOCIATE + "/{id:int}", endpoint(associate_get), methods=["GET"]),
    ]


_SAVE = (403, 404, 413, 415)
OPERATIONS = [
    RestOperation("GET", PERSON + "/default", "A new, unsaved person", "CreateDefaultPersonEntity",
                  response=PersonEntityWithLinks, tag="Person", last_modified=False),
    RestOperation("GET", PERSON + "/{id}", "The person (404 when unknown)", "GetPersonEntity",
                  response=PersonEntityWithLinks, statuses=(404,), tag="Person", last_modified=False),
    RestOperation("POST", PERSON, "Create a person (names, company, first e-mail address)", "SavePersonEntity",
                  request=PersonEntity, response=PersonEntityWithLinks, statuses=_SAVE, tag="Person",
                  last_modified=False),
    RestOperation("PUT", PERSON + "/{id}", "Update the person", "SavePersonEntity", request=PersonEntity,
                  response=PersonEntityWithLinks, statuses=_SAVE, tag="Person", last_modified=False),
    RestOperation("PATCH", PERSON + "/{id}", "Change the person by JSON Patch or JSON Merge Patch",
                  "SavePersonEntity", request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=PersonEntityWithLinks, statuses=(*_SAVE, 409), tag="Person", last_modified=False),
    RestOperation("DELETE", PERSON + "/{id}", "Delete the person (409 while a user or an appointment names it)",
                  "DeletePersonEntity", statuses=(404, 409), tag="Person", last_modified=False),
    RestOperation("GET", CONTACT + "/default", "A new, unsaved company", "CreateDefaultContactEntity",
                  response=ContactEntityWithLinks, tag="Contact", last_modified=False),
    RestOperation("GET", CONTACT + "/{id}", "The company (404 when unknown)", "GetContactEntity",
                  response=ContactEntityWithLinks, statuses=(404,), tag="Contact", last_modified=False),
    RestOperation("POST", CONTACT, "Create a company (name, department)", "SaveContactEntity",
                  request=ContactEntity, response=ContactEntityWithLinks, statuses=_SAVE, tag="Contact",
                  last_modified=False),
    RestOperation("PUT", CONTACT + "/{id}", "Update the company", "SaveContactEntity", request=ContactEntity,
                  response=ContactEntityWithLinks, statuses=_SAVE, tag="Contact", last_modified=False),
    RestOperation("PATCH", CONTACT + "/{id}", "Change the company by JSON Patch or JSON Merge Patch",
                  "SaveContactEntity", request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=ContactEntityWithLinks, statuses=(*_SAVE, 409), tag="Contact", last_modified=False),
    RestOperation("DELETE", CONTACT + "/{id}", "Delete the company (409 while it has persons or an appointment "
                  "names it)", "DeleteContactEntity", statuses=(404, 409), tag="Contact", last_modified=False),
    RestOperation("GET", PROJECT + "/default", "A new, unsaved project owned by the caller",
                  "CreateDefaultProjectEntity", response=ProjectEntityWithLinks, tag="Project", last_modified=False),
    RestOperation("GET", PROJECT + "/{id}", "The project with its members (404 when unknown)", "GetProjectEntity",
                  response=ProjectEntityWithLinks, statuses=(404,), tag="Project", last_modified=False),
    RestOperation("POST", PROJECT, "Create a project (name, number, owner, done, members)", "SaveProjectEntity",
                  request=ProjectEntity, response=ProjectEntityWithLinks, statuses=_SAVE, tag="Project",
                  last_modified=False),
    RestOperation("PUT", PROJECT + "/{id}", "Update the project (its members become exactly those given)",
                  "SaveProjectEntity", request=ProjectEntity, response=ProjectEntityWithLinks, statuses=_SAVE,
                  tag="Project", last_modified=False),
    RestOperation("PATCH", PROJECT + "/{id}", "Change the project by JSON Patch or JSON Merge Patch",
                  "SaveProjectEntity", request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=ProjectEntityWithLinks, statuses=(*_SAVE, 409), tag="Project", last_modified=False),
    RestOperation("DELETE", PROJECT + "/{id}", "Delete the project (409 while an appointment names it)",
                  "DeleteProjectEntity", statuses=(404, 409), tag="Project", last_modified=False),
    RestOperation("GET", ASSOCIATE + "/{id}", "The user (404 when unknown)", "GetAssociate",
                  response=AssociateWithLinks, statuses=(404,), tag="Associate", last_modified=False),
]
