"""The shape every agent call goes through: negotiate, authenticate, decode, call, encode."""

from __future__ import annotations

import logging
import time
import types
import typing
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from sodiary.domain.errors import DomainError
from sodiary.service.context import Caller
from sodiary.store.database import Database, unavailable
from sodiary.wire.access_log import note_user
from sodiary.wire.agent.methods import not_implemented_key
from sodiary.wire.binding import bind
from sodiary.wire.decoding import decode_body
from sodiary.wire.errors import JSON_TYPE, XML_TYPE, ApiError, error_response, from_domain
from sodiary.wire.negotiation import Format, language, response_format
from sodiary.wire.select import Selection, apply_select, parse_select
from sodiary.wire.xml import to_xml

log = logging.getLogger("sodiary.wire")


@dataclass(slots=True)
class Call:
    """What a handler gets: the request, the caller and the server's parts."""

    request: Request
    caller: Caller
    db: Database
    query: dict[str, str]  # lower-case names
    selection: Selection | None
    fmt: Format


Handler = Callable[[Call, Any], Awaitable[Any]]


@dataclass(frozen=True)
class AgentMethod:
    name: str
    handler: Handler | None  # None: listed, answered with 501
    request: Any = None  # request type; None = the call takes no body
    response: Any = None  # response type for OpenAPI; None = void (204)
    query: dict[str, Any] = field(default_factory=dict)  # query parameters (matched case-insensitively)
    summary: str = ""


def query_params(request: Request) -> dict[str, str]:
    if not request.scope.get("query_string"):  # most calls: Starlette would still build and parse an empty one
        return {}
    return {k.lower(): v for k, v in request.query_params.items()}


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            too_big = int(declared) > limit
        except ValueError:
            raise ApiError(400, "ArgumentException", "body_not_decodable", format="HTTP",
                           detail="bad Content-Length") from None
        if too_big:
            raise ApiError(413, "RequestEntityTooLargeException", "body_too_large", limit=limit)
    chunks = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "RequestEntityTooLargeException", "body_too_large", limit=limit)
            chunks.append(chunk)
    except ClientDisconnect:  # gone, or cut off by the body timeout (wire/server_options.py): nobody to answer
        raise ApiError(408, "RequestTimeoutException", "body_not_decodable", format="HTTP",
                       detail="the body did not arrive") from None
    return b"".join(chunks)


_json_encode = msgspec.json.Encoder().encode


_XML_SCALARS = {str: "string", int: "int", bool: "boolean", float: "double"}


def xml_name(tp: Any) -> str:
    """The element name .NET's serializer gives a type: `Appointment`, `ArrayOfAppointment`, `string`, `int`."""
    if typing.get_origin(tp) is list:
        return "ArrayOf" + xml_name(typing.get_args(tp)[0])
    supertype = getattr(tp, "__supertype__", None)  # typing.NewType
    if supertype is not None and getattr(tp, "__name__", None) is None:
        return xml_name(supertype)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return xml_name(next(a for a in typing.get_args(tp) if a is not type(None)))
    return _XML_SCALARS.get(tp) or str(getattr(tp, "__name__", "Result"))


def encode(result: Any, call: Call, response_type: Any) -> Response:
    """JSON or XML; `null` for a missing entity (200), as the agents do."""
    if call.selection is not None:
        result = apply_select(msgspec.to_builtins(result), call.selection)
    if call.fmt == "xml":
        data = msgspec.to_builtins(result)
        root = xml_name(response_type) if not isinstance(response_type, str) else response_type
        if isinstance(data, list):
            if not root.startswith("ArrayOf"):
                root = "ArrayOf" + root
            return Response(to_xml(root, data, root.removeprefix("ArrayOf")), 200, media_type=XML_TYPE)
        return Response(to_xml(root, data), 200, media_type=XML_TYPE)
    return Response(_json_encode(result), 200, media_type=JSON_TYPE)


class _NoContent(Response):
    """A 204 whose one header is made once: Starlette's Response builds its headers anew for every answer,
    a few µs of every Accept."""

    def __init__(self, content_type: tuple[bytes, bytes]) -> None:  # no super().__init__: nothing to build
        self.status_code = 204
        self.body = b""
        self.background = None
        self.raw_headers = [content_type]


_CONTENT_TYPES = {"json": (b"content-type", JSON_TYPE.encode("latin-1")),
                  "xml": (b"content-type", XML_TYPE.encode("latin-1"))}


def no_content(fmt: Format) -> Response:
    # The docs' sample shows the Content-Type; HTTP forbids the `null` body it also shows.
    return _NoContent(_CONTENT_TYPES[fmt])


def fail(exc: ApiError, request: Request, fmt: Format | None) -> Response:
    headers = request.headers
    lang = language(headers.get("accept-language"), headers.get("so-language"))
    response = error_response(exc, fmt or "json", lang)
    if exc.status == 401 and headers.get("x-requested-with", "").lower() == "xmlhttprequest":
        # A page's script (the web page, issue 16) handles a 401 itself; a Basic challenge would make the
        # browser stall the call behind its own password dialog, so scripts are offered the other schemes.
        challenges = [c for c in response.headers.get("www-authenticate", "").split(", ")
                      if c and not c.lower().startswith(("basic", 'charset="'))]
        response.headers["WWW-Authenticate"] = ", ".join(challenges) or 'Session realm="sodiary"'
    return response


RETRY_AFTER_SECONDS = 5
_outage_logged = 0.0


def internal_error(request: Request, fmt: Format | None, exc: BaseException) -> Response:
    """500 with a logged reference; 503 + Retry-After when the database is down (the call may simply be repeated)."""
    if unavailable(exc):
        global _outage_logged
        now = time.monotonic()
        if now - _outage_logged >= 10:  # one line per outage and ten seconds, not one per request
            _outage_logged = now
            log.warning("database unavailable: %s: %s", type(exc).__name__, (str(exc).strip().splitlines() or [""])[0])
        error = ApiError(503, "ServiceUnavailableException", "database_unavailable", source="sodiary.store",
                         headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, seconds=RETRY_AFTER_SECONDS)
        return fail(error, request, fmt)
    reference = uuid.uuid4().hex[:12]
    log.error("unhandled error %s on %s %s", reference, request.method, request.url.path, exc_info=exc)
    return fail(ApiError(500, "InternalServerError", "internal_error", reference=reference), request, fmt)


Authenticate = Callable[[Request], Awaitable[Caller]]


async def open_call(request: Request, db: Database, authenticate: Authenticate, fmt: Format) -> Call:
    """401, then `$select` (400): what every call, agent or REST, does before its own work."""
    caller = await authenticate(request)
    note_user(request.scope, caller.name)
    query = query_params(request)
    selection = parse_select(query.get("$select"))
    return Call(request, caller, db, query, selection, fmt)


async def guarded(request: Request, work: Callable[[Format], Awaitable[Response]]) -> Response:
    """406 first, then `work`; every failure answers in SuperOffice's error shape."""
    fmt = response_format(request.headers.get("accept"))
    try:
        if fmt is None:
            raise ApiError(406, "NotAcceptableException", "not_acceptable")
        return await work(fmt)
    except ApiError as exc:
        return fail(exc, request, fmt)
    except DomainError as exc:
        return fail(from_domain(exc), request, fmt)
    except Exception as exc:
        return internal_error(request, fmt, exc)


async def run_agent_method(
    request: Request, method: AgentMethod, db: Database, authenticate: Authenticate, max_body: int,
) -> Response:
    async def work(fmt: Format) -> Response:
        call = await open_call(request, db, authenticate, fmt)
        if method.handler is None:
            raise ApiError(501, "NotImplementedException", not_implemented_key(method.name), method=method.name)
        body = await read_body(request, max_body)
        argument = None
        if method.request is not None:
            data = decode_body(request.headers.get("content-type"), body)
            if data is None:
                # The official client posts `null` when it has nothing to send.
                data = [] if typing.get_origin(method.request) is list else {}
            argument = bind(data, method.request)
        result = await method.handler(call, argument)
        if method.response is None:
            return no_content(fmt)
        return encode(result, call, method.response)

    return await guarded(request, work)
