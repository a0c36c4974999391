"""The web page's routes: the page, its two assets, who is signed in, and the users its participant picker offers.

The page is static: the script asks the same agent API as every other client, with the browser session
cookie and `X-XSRF-TOKEN`, so nothing user-specific (and no secret) is ever rendered into the HTML.
Security headers go on these routes only; the API's answers are not documents a browser renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sodiary.wire.endpoint import fail, internal_error
from sodiary.wire.errors import JSON_TYPE, XML_TYPE, ApiError
from sodiary.wire.negotiation import Format, response_format
from sodiary.wire.rest.appointment import RestOperation
from sodiary.wire.xml import to_xml

from ..service import directory
from ..service.context import Caller
from ..store.database import Database

# 'self' only: no inline script or style, no other origin, never framed (clickjacking on Accept/Decline).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
ASSETS = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


class UserRow(msgspec.Struct, rename="pascal"):
    """A user the page offers as a participant."""

    associate_id: int
    name: str  # the user name
    full_name: str


class MeResult(msgspec.Struct, rename="pascal"):
    """Who the caller is, and the server's base time zone (SODIARY_TIME_ZONE) the page's recurrences follow."""

    associate_id: int
    user_name: str
    base_time_zone: str


HELPERS = "/api/v1/Sodiary"
# For the OpenAPI document and docs/endpoints.md (wire/openapi.py); the routes are below.
_HELPER: dict[str, Any] = dict(tag="Web page", takes_select=False, last_modified=False)
OPERATIONS = [
    RestOperation("GET", HELPERS + "/Me", "The caller (any authentication) and the server's base time zone; "
                  "the page asks it to learn whether its session cookie still holds", "", response=MeResult,
                  **_HELPER),
    RestOperation("GET", HELPERS + "/Users", "The enabled users, by user name: whom the page offers as "
                  "participants (contact persons come from GET /api/v1/Person)", "", response=list[UserRow],
                  **_HELPER),
]


def _answer(result: Any, root: str, fmt: Format) -> Response:
    """JSON, or XML as the other routes answer it; never stored, the answer is the caller's own."""
    headers = {"Cache-Control": "no-store"}
    if fmt == "xml":
        data = msgspec.to_builtins(result)
        body = to_xml(root, data, root.removeprefix("ArrayOf")) if isinstance(data, list) else to_xml(root, data)
        return Response(body, 200, headers, XML_TYPE)
    return Response(msgspec.json.encode(result), 200, headers, JSON_TYPE)


def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def routes(db: Database, authenticate: Callable[[Request], Awaitable[Caller]], base_zone: str = "UTC") -> list[Route]:
    """`base_zone` (SODIARY_TIME_ZONE) goes to the page: a recurrence's weekday and day of month are the
    server's wall clock, so the page picks them in that zone, not in the browser's or UTC."""
    cache: dict[str, bytes] = {}

    def cached(name: str) -> bytes:
        if name not in cache:
            cache[name] = _asset(name)
        return cache[name]

    async def page(request: Request) -> Response:
        return Response(cached("index.html"), 200, PAGE_HEADERS, "text/html; charset=utf-8")

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return Response(b"not found", 404, PAGE_HEADERS, "text/plain; charset=utf-8")
        return Response(cached(name), 200, PAGE_HEADERS, ASSETS[name])

    async def helper(request: Request, work: Callable[[Caller, Format], Awaitable[Response]]) -> Response:
        fmt = response_format(request.headers.get("accept"))
        try:
            if fmt is None:
                raise ApiError(406, "NotAcceptableException", "not_acceptable")
            return await work(await authenticate(request), fmt)
        except ApiError as exc:
            return fail(exc, request, fmt)
        except Exception as exc:
            return internal_error(request, fmt, exc)

    async def users(request: Request) -> Response:
        async def work(caller: Caller, fmt: Format) -> Response:
            found = await directory.colleagues(db)
            return _answer([UserRow(c.associate_id, c.name, c.full_name) for c in found], "ArrayOfUserRow", fmt)

        return await helper(request, work)

    async def me(request: Request) -> Response:
        async def work(caller: Caller, fmt: Format) -> Response:
            return _answer(MeResult(caller.associate_id, caller.name, base_zone), "MeResult", fmt)

        return await helper(request, work)

    return [
        Route("/", page, methods=["GET"]),
        Route("/web/{name}", asset, methods=["GET"]),
        Route(HELPERS + "/Users", users, methods=["GET"]),
        Route(HELPERS + "/Me", me, methods=["GET"]),
    ]
