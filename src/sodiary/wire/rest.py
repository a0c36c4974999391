"""REST routes under /api/v1/Appointment (see docs/endpoints.md).

The REST twins of the entity agent methods, with HTTP semantics the agents lack (spec §5): 404
instead of `null`, `Last-Modified`, `If-Modified-Since` (304) and `If-Unmodified-Since` (412),
PATCH by JSON Patch or merge patch. Every verb runs the agent pipeline (wire/endpoint.py) and
calls the same service functions as its agent method; nothing here touches the store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ..service import entities as svc
from ..service import mail, organiser
from ..service.clock import utc_now
from ..store.database import Database
from . import entity_carriers as c
from .binding import bind
from .decoding import SUPPORTED, decode_body
from .endpoint import Authenticate, Call, encode, guarded, no_content, open_call, read_body
from .entity_view import entity_carrier, load_simple
from .errors import ApiError
from .mailing import mail_options, participant_flags
from .negotiation import Format
from .rest_patch import PATCH_TYPES, PatchOperation, apply_patch
from .series_change import save_input_for
from .timefmt import time_context
from .validation import validate

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


# HTTP dates.


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


def modified_at(data: svc.EntityData) -> datetime:
    """When the entity last changed: UpdatedDate, else CreatedDate, at one-second resolution (UTC)."""
    row = data.row
    stamp: datetime | None = row["updated"] or row["registered"]
    return (stamp or datetime(1, 1, 1)).replace(microsecond=0)


def _last_modified(stamp: datetime) -> str:
    return format_datetime(stamp.replace(tzinfo=UTC), usegmt=True)


def _require_unmodified(request: Request, data: svc.EntityData) -> None:
    since = _http_date(request.headers.get("if-unmodified-since"))
    if since is not None and modified_at(data) > since:
        raise ApiError(412, "PreconditionFailedException", "modified_since",
                       appointment_id=data.row["appointment_id"], modified=_last_modified(modified_at(data)))


# Building blocks of the verbs.


@dataclass(frozen=True)
class _Server:
    db: Database
    authenticate: Authenticate
    max_body: int


def _id(request: Request) -> int:
    raw = request.path_params["id"]
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        # ASP.NET's `{id:int}` route constraint: anything else is no route at all.
        raise ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
    return int(raw)


async def _existing(call: Call, appointment_id: int) -> svc.EntityData:
    data = await svc.get_entity(call.db, call.caller, appointment_id)
    if data is None:
        raise ApiError(404, "SoNotFoundException", "appointment_not_found", appointment_id=appointment_id)
    return data


def _answer(call: Call, data: svc.EntityData, *, last_modified: bool = True) -> Response:
    entity = entity_carrier(data, call.caller, time_context(call.request))
    links = {"Self": f"{str(call.request.base_url).rstrip('/')}{PREFIX}/{entity.appointment_id}"} \
        if entity.appointment_id else {}
    carrier = AppointmentEntityWithLinks(**msgspec.structs.asdict(entity), links_=links)
    response = encode(carrier, call, "AppointmentEntity")
    if last_modified:
        response.headers["Last-Modified"] = _last_modified(modified_at(data))
    return response


async def _entity_body(call: Call, server: _Server) -> c.AppointmentEntity:
    body = await read_body(call.request, server.max_body)
    data = decode_body(call.request.headers.get("content-type"), body)
    if not isinstance(data, dict):
        raise ApiError(400, "ArgumentException", "entity_required")
    return bind(data, c.AppointmentEntity)


async def _save(call: Call, entity: c.AppointmentEntity) -> Response:
    # As SaveAppointmentEntity: the participants' own SendEmail flags say who is mailed.
    saved = await mail.save_entity(call.db, call.caller, await save_input_for(call, entity),
                                   participant_flags(entity.participants), mail_options(call, True))
    return _answer(call, saved)


# The verbs.


async def get_default(call: Call, server: _Server) -> Response:
    base = time_context(call.request).base
    local_now = utc_now().replace(tzinfo=UTC).astimezone(base).replace(tzinfo=None)
    data = await svc.create_default(call.db, call.caller, local_now)
    return _answer(call, data, last_modified=False)


async def get_one(call: Call, server: _Server) -> Response:
    data = await _existing(call, _id(call.request))
    _require_unmodified(call.request, data)  # RFC 9110 allows it on GET; the official client can send it
    since = _http_date(call.request.headers.get("if-modified-since"))
    if since is not None and modified_at(data) <= since:
        return Response(status_code=304, headers={"Last-Modified": _last_modified(modified_at(data))})
    return _answer(call, data)


async def post(call: Call, server: _Server) -> Response:
    entity = await _entity_body(call, server)
    entity.appointment_id = 0  # POST to the collection creates; updates go to PUT/PATCH /{id}
    return await _save(call, entity)


async def put(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    _require_unmodified(call.request, await _existing(call, appointment_id))
    entity = await _entity_body(call, server)
    entity.appointment_id = appointment_id  # the URL names the entity, whatever the body says
    return await _save(call, entity)


async def patch(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    data = await _existing(call, appointment_id)
    _require_unmodified(call.request, data)
    current = msgspec.to_builtins(entity_carrier(data, call.caller, time_context(call.request)))
    body = await read_body(call.request, server.max_body)
    patched = apply_patch(current, call.request.headers.get("content-type"), body)
    if not isinstance(patched, dict):
        raise ApiError(400, "ArgumentException", "entity_required")
    entity = bind(patched, c.AppointmentEntity)
    entity.appointment_id = appointment_id
    return await _save(call, entity)


async def get_simple(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    simple = await load_simple(call, appointment_id)
    if simple is None:
        raise ApiError(404, "SoNotFoundException", "appointment_not_found", appointment_id=appointment_id)
    return encode(simple, call, "Appointment")


async def validate_post(call: Call, server: _Server) -> Response:
    return encode(await validate(call, await _entity_body(call, server)), call, "StringDictionary")


async def delete(call: Call, server: _Server) -> Response:
    appointment_id = _id(call.request)
    _require_unmodified(call.request, await _existing(call, appointment_id))
    await organiser.delete_entity(call.db, call.caller, appointment_id)
    return no_content(call.fmt)


Verb = Callable[[Call, _Server], Awaitable[Response]]

_WRITE = (403, 404, 409, 412, 413, 415, 501)  # 501: saving a new recurring appointment (not yet)
OPERATIONS: list[RestOperation] = [
    RestOperation("GET", PREFIX + "/default", "A new, unsaved appointment with the defaults",
                  "CreateDefaultAppointmentEntity", response=AppointmentEntityWithLinks),
    RestOperation("GET", PREFIX + "/{id}", "The appointment (404 when unknown)", "GetAppointmentEntity",
                  response=AppointmentEntityWithLinks, statuses=(304, 404, 412),
                  headers=("If-Modified-Since", "If-Unmodified-Since")),
    RestOperation("POST", PREFIX, "Create an appointment (also with a trailing slash)", "SaveAppointmentEntity",
                  request=c.AppointmentEntity, response=AppointmentEntityWithLinks,
                  statuses=(403, 404, 409, 413, 415, 501)),
    RestOperation("PUT", PREFIX + "/{id}", "Replace the appointment", "SaveAppointmentEntity",
                  request=c.AppointmentEntity, response=AppointmentEntityWithLinks, statuses=_WRITE,
                  headers=("If-Unmodified-Since",)),
    RestOperation("PATCH", PREFIX + "/{id}", "Change the appointment by JSON Patch or JSON Merge Patch",
                  "SaveAppointmentEntity", request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=AppointmentEntityWithLinks, statuses=_WRITE,
                  headers=("If-Unmodified-Since",)),
    RestOperation("GET", PREFIX + "/{id}/Simple", "The appointment as the simple, read-only Appointment carrier "
                  "(404 when unknown)", "GetAppointment", response=c.Appointment, statuses=(404,),
                  last_modified=False),
    RestOperation("POST", PREFIX + "/Validate", "What saving the entity would refuse, as field -> message "
                  "({} when it would save); nothing is written", "ValidateAppointmentEntity",
                  request=c.AppointmentEntity, response=dict[str, str], statuses=(413, 415), last_modified=False),
    RestOperation("DELETE", PREFIX + "/{id}", "Delete the appointment", "DeleteAppointmentEntity",
                  statuses=(403, 404, 409, 412), headers=("If-Unmodified-Since",)),
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
        Route(PREFIX + "/{id}/Simple", endpoint(get_simple), methods=["GET"]),
        Route(PREFIX + "/{id}", item, methods=["GET", "PUT", "PATCH", "DELETE"]),
    ]

