"""The Starlette application: routes, lifespan, and the answers for everything else."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ..config import Settings
from ..outbox.delivery import worker_for
from ..store.database import Database
from .agent import agent_methods
from .auth_setup import build_auth
from .endpoint import fail, internal_error, run_agent_method
from .errors import ApiError
from .negotiation import response_format
from .openapi import routes as openapi_routes
from .paths import AGENT_PREFIX, CanonicalPaths
from .rest import routes as rest_routes


class AgentDispatch:
    """The outermost ASGI app: agent calls go straight to their handler, the rest to Starlette.

    Every agent call has one route, `/api/v1/Agents/Appointment/{method}` (any casing), and its
    handler already answers every failure in SuperOffice's shape; Starlette's router and middleware
    stack in front of it cost about a sixth of an Accept's CPU (measured, docs/performance.md). REST,
    login, OpenAPI and the lifespan stay on the Starlette app.
    """

    def __init__(self, app: Starlette, agent: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = app
        self.state = app.state
        self._agent = agent
        self._prefix = AGENT_PREFIX.lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.lower().startswith(self._prefix):
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app
        scope["path_params"] = {"method": path[len(AGENT_PREFIX):]}
        request = Request(scope, receive)
        try:
            response = await self._agent(request)
        except Exception as exc:  # the handler answers its own failures; this is the last resort
            response = internal_error(request, response_format(request.headers.get("accept")), exc)
        await response(scope, receive, send)


def create_app(settings: Settings, db: Database | None = None) -> AgentDispatch:
    database = db or Database(settings.database_url, synchronous=settings.sqlite_synchronous,
                              pool_size=settings.pool_size)
    auth = build_auth(settings, database)
    authenticator = auth.authenticator
    methods = agent_methods()
    max_body = settings.max_body_bytes

    async def agent(request: Request) -> Response:
        method = methods.get(request.path_params["method"].lower())
        if method is None:
            error = ApiError(404, "SoNotFoundException", "unknown_method", method=request.path_params["method"][:80])
            return fail(error, request, response_format(request.headers.get("accept")))
        if request.method != "POST":
            error = ApiError(405, "MethodNotAllowedException", "method_not_allowed", headers={"Allow": "POST"})
            return fail(error, request, response_format(request.headers.get("accept")))
        return await run_agent_method(request, method, database, authenticator.authenticate, max_body)

    async def not_found(request: Request, exc: Exception) -> Response:
        return fail(ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200]), request,
                    response_format(request.headers.get("accept")))

    async def server_error(request: Request, exc: Exception) -> Response:
        return internal_error(request, response_format(request.headers.get("accept")), exc)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        database.start()
        outbox = worker_for(database, settings)  # delivers queued mail after commit (sodiary/outbox/)
        outbox.start()
        # Everything loaded so far lives as long as the process: keep the collector from rescanning it.
        gc.freeze()
        try:
            yield
        finally:
            await outbox.stop()
            database.stop()

    app = Starlette(
        routes=[
            *rest_routes(database, authenticator.authenticate, max_body),
            *auth.routes,
            *openapi_routes(methods),
        ],
        exception_handlers={404: not_found, 405: not_found, 500: server_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.add_middleware(CanonicalPaths)
    app.state.db = database
    app.state.settings = settings  # the base time zone for wire/timefmt.py
    return AgentDispatch(app, agent)
