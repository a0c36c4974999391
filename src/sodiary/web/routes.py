"""The web page's routes: the page, its two assets, and the user list its participant picker needs.

The page is static: the script asks the same agent API as every other client, with the browser session
cookie and `X-XSRF-TOKEN`, so nothing user-specific (and no secret) is ever rendered into the HTML.
Security headers go on these routes only; the API's answers are not documents a browser renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib import resources

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..service import directory
from ..service.context import Caller
from ..store.database import Database
from ..wire.endpoint import fail, internal_error
from ..wire.errors import JSON_TYPE, ApiError
from ..wire.negotiation import response_format

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
    associate_id: int
    name: str
    full_name: str


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

    async def users(request: Request) -> Response:
        fmt = response_format(request.headers.get("accept")) or "json"
        try:
            await authenticate(request)
            found = await directory.colleagues(db)
            rows = [UserRow(c.associate_id, c.name, c.full_name) for c in found]
            return Response(msgspec.json.encode(rows), 200, {"Cache-Control": "no-store"}, JSON_TYPE)
        except ApiError as exc:
            return fail(exc, request, fmt)
        except Exception as exc:
            return internal_error(request, fmt, exc)

    async def me(request: Request) -> Response:
        fmt = response_format(request.headers.get("accept")) or "json"
        try:
            caller = await authenticate(request)
            body = msgspec.json.encode({"AssociateId": caller.associate_id, "UserName": caller.name,
                                        "BaseTimeZone": base_zone})
            return Response(body, 200, {"Cache-Control": "no-store"}, JSON_TYPE)
        except ApiError as exc:
            return fail(exc, request, fmt)
        except Exception as exc:
            return internal_error(request, fmt, exc)

    return [
        Route("/", page, methods=["GET"]),
        Route("/web/{name}", asset, methods=["GET"]),
        Route("/api/v1/Sodiary/Users", users, methods=["GET"]),
        Route("/api/v1/Sodiary/Me", me, methods=["GET"]),
    ]
