"""REST routes under /api/v1/Appointment (see docs/endpoints.md).

The REST twins of the entity agent methods, with HTTP semantics the agents lack (spec §5): 404
instead of `null`, `ETag` and `Last-Modified`, conditional requests (`If-None-Match` /
`If-Modified-Since` → 304; `If-Match`, `If-Unmodified-Since`, `If-None-Match` → 412, checked by the
service in the unit of work that writes), PATCH by JSON Patch or merge patch. Every verb runs the
agent pipeline (wire/endpoint.py) and calls the same service functions as its agent method; nothing
here touches the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sodiary.domain.preconditions import Outcome, Preconditions, Version, parse_tags
from sodiary.service import entities as svc
from sodiary.service import mail, organiser
from sodiary.service.clock import utc_now
from sodiary.service.mail import ParticipantFlag
from sodiary.store.database import Database
from sodiary.wire.binding import bind
from sodiary.wire.carriers import entity as c
from sodiary.wire.carriers.entity_view import entity_carrier, load_simple
from sodiary.wire.decoding import SUPPORTED, decode_body
from sodiary.wire.endpoint import Authenticate, Call, encode, guarded, no_content, open_call, read_body
from sodiary.wire.errors import ApiError
from sodiary.wire.mailing import mail_options, participant_flags
from sodiary.wire.negotiation import Format
from sodiary.wire.rest.patch import PATCH_TYPES, PatchOperation, read_patch
from sodiary.wire.series_change import deferred_save_input
from sodiary.wire.timefmt import time_context
from sodiary.wire.validation import validate

PREFIX = "/api/v1/Appointment"
MAX_ID = 2_147_483_647


class AppointmentEntityWithLinks(c.AppointmentEntity):
    """What REST answers: the entity plus its hypermedia links (`_Links`, REST only)."""

    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


@dataclass(frozen=True)
class RestOperation:
    """One REST verb + path, described for OpenAPI and docs/endpoints.md."""

    method: str
    path: str
    summary: str
    backed_by: str  # the agent method whose service function it calls
    request: Any = None  # request body type; None = no body
    request_types: tuple[str, ...] = SUPPORTED  # the Content-Types it reads
    response: Any = None  # 200 body type; None = 204
    statuses: tuple[int, ...] = ()  # answers besides 200/204 and the common 400/401/406
    query: dict[str, Any] = field(default_factory=dict)
    headers: tuple[str, ...] = ()  # conditional request headers it honours
    tag: str = "Appointment"
    body_required: bool = True
    takes_select: bool = True
    last_modified: bool = True  # the 200 carries Last-Modified
    security: list[dict[str, list[str]]] | None = None  # None: the document's default (every scheme)


# HTTP dates and conditional requests.


def _http_date(raw: str | None) -> datetime | None:
    """A naive-UTC instant from an RFC 1123 date; None when absent or invalid (RFC 9110: then ignore it)."""
    if not raw:
        return None
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0)


def _last_modified(stamp: datetime) -> str:
    return format_datetime(stamp.replace(tzinfo=UTC), usegmt=True)


def preconditions(request: Request) -> Preconditions:
    """The request's conditional header fields; the service checks them in the unit of work that writes."""
    headers = request.headers

    def joined(name: str) -> str | None:  # a list field may come in several lines
        values = headers.getlist(name)
        return ", ".join(values) if values else None

    return Preconditions(
        if_match=parse_tags(joined("if-match")),
        if_none_match=parse_tags(joined("if-none-match")),
        unmodified_since=_http_date(headers.get("if-unmodified-since")),
        modified_since=_http_date(headers.get("if-modified-since")),
    )


def _validators(version: Version) -> dict[str, str]:
    return {"ETag": str(version.tag), "Last-Modified": _last_modified(version.modified)}


T = TypeVar("T")


def _later(read: Callable[[], T]) -> Callable[[], T]:
    """`read` now, outside the unit of work (no database lock held while a body is decoded); a refusal of
    the body is raised when the unit asks for it, after the 404 and 412 checks (RFC 9110 §13.2.2)."""
    try:
        value = read()
    except ApiError as exc:
        refusal = exc

        def refuse() -> T:
            raise refusal

        return refuse
    return lambda: value


# Building blocks of the verbs.


@dataclass(frozen=True)
class _Server:
    db: Database
    authenticate: Authenticate
    max_body: int


def _id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        # ASP.NET's `{id:int}` route constraint: anything else is no route at all.
        raise ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
    return int(raw)


async def _existing(call: Call, appointment_id: int) -> svc.EntityData:
    data = await svc.get_entity(call.db, call.caller, appointment_id)
    if data is None:
        raise ApiError(404, "SoNotFoundException", "appointment_not_found", appointment_id=appointment_id)
    return data


def _answer(call: Call, data: svc.EntityData, *, validators: bool = True) -> Response:
    entity = entity_carrier(data, call.caller, time_context(call.request))
    links = {"Self": f"{str(call.request.base_url).rstrip('/')}{PREFIX}/{entity.appointment_id}"} \
        if entity.appointment_id else {}
    carrier = AppointmentEntityWithLinks(**msgspec.structs.asdict(entity), links_=links)
    response = encode(carrier, call, "AppointmentEntity")
    if validators:
        response.headers.update(_validators(svc.version_of(data)))
        if call.request.method != "GET" and links:
            # The content is the stored entity as GET shows it (not the body sent): say which, so that
            # its ETag and Last-Modified can be used for the next conditional request (RFC 9110 §8.7).
            response.headers["Content-Location"] = links["Self"]
    return response


def _entity(content_type: str | None, body: bytes) -> c.AppointmentEntity:
    data = decode_body(content_type, body)
    if not isinstance(data, dict):
        raise ApiError(400, "ArgumentException", "entity_required")
    return bind(data, c.AppointmentEntity)


# The verbs.


async def get_default(call: Call, server: _Server) -> Response:
    base = time_context(call.request).base
    local_now = utc_now().replace(tzinfo=UTC).astimezone(base).replace(tzinfo=None)
    data = await svc.create_default(call.db, call.caller, local_now)
    return _answer(call, data, validators=False)


async def get_one(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    data = await _existing(call, appointment_id)
    version = svc.version_of(data)
    # If-Match and If-Unmodified-Since too: RFC 9110 allows them on GET, and the official client can send them.
    if preconditions(call.request).check(appointment_id, version, safe=True) is Outcome.NOT_MODIFIED:
        return Response(status_code=304, headers=_validators(version))
    return _answer(call, data)


async def post(call: Call, server: _Server) -> Response:
    entity = _entity(call.request.headers.get("content-type"), await read_body(call.request, server.max_body))
    entity.appointment_id = 0  # POST to the collection creates; updates go to PUT/PATCH /{id}
    # As SaveAppointmentEntity: the participants' own SendEmail flags say who is mailed.
    saved = await mail.save_entity(call.db, call.caller, deferred_save_input(time_context(call.request), entity),
                                   participant_flags(entity.participants), mail_options(call, True))
    return _answer(call, saved)


async def put(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    body = await read_body(call.request, server.max_body)
    tc = time_context(call.request)
    content_type = call.request.headers.get("content-type")
    # The URL names the entity, whatever the body says (edit_entity saves under appointment_id).
    sent = _later(lambda: _with_id(_entity(content_type, body), appointment_id))

    def edit(_stored: svc.EntityData) -> tuple[svc.SaveInput, list[ParticipantFlag]]:
        entity = sent()
        return deferred_save_input(tc, entity), participant_flags(entity.participants)

    saved = await mail.edit_entity(call.db, call.caller, appointment_id, edit, preconditions(call.request),
                                   mail_options(call, True))
    return _answer(call, saved)


def _with_id(entity: c.AppointmentEntity, appointment_id: int) -> c.AppointmentEntity:
    entity.appointment_id = appointment_id
    return entity


async def patch(call: Call, server: _Server) -> Response:
    """Read, check, apply and write in ONE unit of work: the patch applies to the entity as it is then."""
    appointment_id = _id(call.request)
    body = await read_body(call.request, server.max_body)
    tc = time_context(call.request)
    sent = _later(lambda: read_patch(call.request.headers.get("content-type"), body))

    def edit(stored: svc.EntityData) -> tuple[svc.SaveInput, list[ParticipantFlag]]:
        patched = sent().apply(msgspec.to_builtins(entity_carrier(stored, call.caller, tc)))
        if not isinstance(patched, dict):
            raise ApiError(400, "ArgumentException", "entity_required")
        entity = _with_id(bind(patched, c.AppointmentEntity), appointment_id)
        return deferred_save_input(tc, entity), participant_flags(entity.participants)

    saved = await mail.edit_entity(call.db, call.caller, appointment_id, edit, preconditions(call.request),
                                   mail_options(call, True))
    return _answer(call, saved)


async def get_simple(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    simple = await load_simple(call, appointment_id)
    if simple is None:
        raise ApiError(404, "SoNotFoundException", "appointment_not_found", appointment_id=appointment_id)
    return encode(simple, call, "Appointment")


async def validate_post(call: Call, server: _Server) -> Response:
    entity = _entity(call.request.headers.get("content-type"), await read_body(call.request, server.max_body))
    return encode(await validate(call, entity), call, "StringDictionary")


async def delete(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    await organiser.delete_entity(call.db, call.caller, appointment_id, preconditions(call.request))
    return no_content(call.fmt)


Verb = Callable[[Call, _Server], Awaitable[Response]]

_WRITE = (403, 404, 409, 412, 413, 415, 501)  # 501: saving a new recurring appointment (not yet)
_CONDITIONS = ("If-Match", "If-Unmodified-Since", "If-None-Match")  # checked in the unit of work that writes
OPERATIONS: list[RestOperation] = [
    RestOperation("GET", PREFIX + "/default", "A new, unsaved appointment with the defaults",
                  "CreateDefaultAppointmentEntity", response=AppointmentEntityWithLinks),
    RestOperation("GET", PREFIX + "/{id}", "The appointment (404 when unknown)", "GetAppointmentEntity",
                  response=AppointmentEntityWithLinks, statuses=(304, 404, 412),
                  headers=("If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since")),
    RestOperation("POST", PREFIX, "Create an appointment (also with a trailing slash)", "SaveAppointmentEntity",
                  request=c.AppointmentEntity, response=AppointmentEntityWithLinks,
                  statuses=(403, 404, 409, 413, 415, 501)),
    RestOperation("PUT", PREFIX + "/{id}", "Replace the appointment", "SaveAppointmentEntity",
                  request=c.AppointmentEntity, response=AppointmentEntityWithLinks, statuses=_WRITE,
                  headers=_CONDITIONS),
    RestOperation("PATCH", PREFIX + "/{id}", "Change the appointment by JSON Patch or JSON Merge Patch",
                  "SaveAppointmentEntity", request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=AppointmentEntityWithLinks, statuses=_WRITE,
                  headers=_CONDITIONS),
    RestOperation("GET", PREFIX + "/{id}/Simple", "The appointment as the simple, read-only Appointment carrier "
                  "(404 when unknown)", "GetAppointment", response=c.Appointment, statuses=(404,),
                  last_modified=False),
    RestOperation("POST", PREFIX + "/Validate", "What saving the entity would refuse, as field -> message "
                  "({} when it would save); nothing is written", "ValidateAppointmentEntity",
                  request=c.AppointmentEntity, response=dict[str, str], statuses=(413, 415), last_modified=False),
    RestOperation("DELETE", PREFIX + "/{id}", "Delete the appointment", "DeleteAppointmentEntity",
                  statuses=(403, 404, 409, 412), headers=_CONDITIONS),
]


def routes(db: Database, authenticate: Authenticate, max_body: int) -> list[BaseRoute]:
    server = _Server(db, authenticate, max_body)

    def endpoint(verb: Verb) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            async def work(fmt: Format) -> Response:
                return await verb(await open_call(request, db, authenticate, fmt), server)

            return await guarded(request, work)

        return handle

    collection = endpoint(post)
    by_id = {"GET": endpoint(get_one), "PUT": endpoint(put), "PATCH": endpoint(patch), "DELETE": endpoint(delete)}

    async def item(request: Request) -> Response:
        return await by_id[request.method if request.method != "HEAD" else "GET"](request)

    return [
        Route(PREFIX + "/default", endpoint(get_default), methods=["GET"]),
        # The official client posts to `Appointment/` and the docs name `Appointment`: both, no redirect.
        Route(PREFIX, collection, methods=["POST"]),
        Route(PREFIX + "/", collection, methods=["POST"]),
        Route(PREFIX + "/Validate", endpoint(validate_post), methods=["POST"]),
        # Digits only, so that a wrong verb on `/default` or `/Validate` is a 405 there, not an id.
        Route(PREFIX + "/{id:int}/Simple", endpoint(get_simple), methods=["GET"]),
        Route(PREFIX + "/{id:int}", item, methods=["GET", "PUT", "PATCH", "DELETE"]),
    ]

