"""The Starlette application: routes, lifespan, and the answers for everything else."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from time import perf_counter

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from sodiary import metrics
from sodiary.config import Settings
from sodiary.outbox.delivery import worker_for
from sodiary.outbox.pacing import TRAFFIC
from sodiary.outbox.webhook import worker_for as webhook_worker
from sodiary.service.webhooks import Policy as WebhookPolicy
from sodiary.store import group_commit
from sodiary.store.database import Database
from sodiary.web.routes import routes as web_routes
from sodiary.wire import access_log
from sodiary.wire.access_log import SCOPE_KEY, Exchange, log_request, request_id
from sodiary.wire.agent import webhooks as agent_webhooks
from sodiary.wire.agent.ical import routes as ical_routes
from sodiary.wire.agent.table import agents
from sodiary.wire.auth.setup import build_auth
from sodiary.wire.endpoint import fail, internal_error, run_agent_method
from sodiary.wire.errors import ApiError
from sodiary.wire.health import Readiness, metrics_mode, outbox_not_stuck
from sodiary.wire.health import routes as health_routes
from sodiary.wire.negotiation import response_format
from sodiary.wire.openapi import routes as openapi_routes
from sodiary.wire.paths import AGENTS_PREFIX, CanonicalPaths, Tenants, route_path
from sodiary.wire.rest.appointment import routes as rest_routes
from sodiary.wire.rest.collections import routes as collection_routes
from sodiary.wire.rest.people import routes as people_routes


class AgentDispatch:
    """The outermost ASGI app: the front door of every request, and the agent calls' fast path.

    For every HTTP request: a tenant prefix moves into `root_path` (paths.py), the request id is taken
    or made and returned as X-Request-Id, and once answered the request is counted (metrics) and
    logged (access_log.py). Then agent calls go straight to their handler, the rest to Starlette.

    Every agent call has one route, `/api/v1/Agents/{agent}/{method}` (any casing; the agents are one
    table, agent.agents()), and its handler already answers every failure in SuperOffice's shape;
    Starlette's router and middleware stack in front of it cost about a sixth of an Accept's CPU
    (measured, docs/performance.md). REST, login, OpenAPI, health, metrics and the lifespan stay on the Starlette app.
    """

    def __init__(self, app: Starlette, agent: Callable[[Request], Awaitable[Response]], *,
                 method_names: dict[str, str] | None = None, tenants: Tenants | None = None,
                 metrics_on: bool = False, access_log_on: bool = False) -> None:
        self.app = app
        self.state = app.state
        self._agent = agent
        self._prefix = AGENTS_PREFIX.lower()
        self._method_names = method_names or {}
        self._tenants = tenants or Tenants()
        self._metrics = metrics_on
        self._access_log = access_log_on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = perf_counter()
        route = route_path(scope)
        if not route.startswith("/api/"):
            tenant = self._tenants.prefix(route)
            if tenant:
                scope["root_path"] = scope.get("root_path", "") + tenant
                route = route[len(tenant):]
        exchange = Exchange(request_id(scope["headers"]))
        scope[SCOPE_KEY] = exchange
        agent_call = route.lower().startswith(self._prefix)
        # Delivery of mail and webhooks waits while requests come (outbox/pacing.py): the API comes first.
        TRAFFIC.arrived += 1
        TRAFFIC.in_flight += 1
        try:
            if agent_call:
                await self._agent_call(scope, receive, send, route[len(AGENTS_PREFIX):], exchange)
            else:
                await self.app(scope, receive, _marking(send, exchange))
        finally:
            TRAFFIC.in_flight -= 1
            seconds = perf_counter() - began
            status = exchange.status
            if self._metrics:
                if agent_call:
                    kind, name = "agent", self._method_names.get(route[len(AGENTS_PREFIX):].lower(), "unknown")
                else:
                    kind, name = route_kind(route), ""
                metrics.observe_request(kind, scope["method"], name, status, seconds)
            if self._access_log and not (status == 200 and route.startswith("/health/")):
                log_request(exchange, scope, status, seconds)

    async def _agent_call(self, scope: Scope, receive: Receive, send: Send, path: str, exchange: Exchange) -> None:
        agent, _, method = path.partition("/")
        scope["app"] = self.app
        scope["path_params"] = {"agent": agent, "method": method}
        request = Request(scope, receive)
        try:
            response = await self._agent(request)
        except Exception as exc:  # the handler answers its own failures; this is the last resort
            response = internal_error(request, response_format(request.headers.get("accept")), exc)
        # The answer is ours: its status and the request id go in directly, with no wrapper around `send`.
        exchange.status = response.status_code
        response.raw_headers.append((b"x-request-id", exchange.request_id.encode("ascii")))
        await response(scope, receive, send)


def _marking(send: Send, exchange: Exchange) -> Send:
    """`send` for an answer made elsewhere (Starlette's routes): note its status, add the request id."""
    marker = (b"x-request-id", exchange.request_id.encode("ascii"))

    async def answer(message: Message) -> None:
        if message["type"] == "http.response.start":
            exchange.status = message["status"]
            message["headers"] = [*message.get("headers", ()), marker]
        await send(message)

    return answer


def route_kind(route: str) -> str:
    """A bounded label for what a non-agent request asked for."""
    lower = route.lower()
    if lower.startswith(("/api/v1/appointment", "/api/v1/person", "/api/v1/contact", "/api/v1/associate")):
        return "rest"
    if lower.startswith("/api/v1/sodiary/"):
        return "session"
    if lower in ("/api/docs", "/api/openapi.json"):
        return "docs"
    if lower.startswith("/health/"):
        return "health"
    if lower == "/metrics":
        return "metrics"
    if route == "/":
        return "root"
    return "other"


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    """405 in SuperOffice's shape, `Allow` naming every method of every route at this path (RFC 9110)."""
    allowed = {m for route in request.app.routes if isinstance(route, Route) and route.methods
               and route.matches(request.scope)[0] is not Match.NONE for m in route.methods}
    allow = ", ".join(sorted(allowed))
    error = ApiError(405, "MethodNotAllowedException", "method_not_allowed_here", headers={"Allow": allow},
                     path=request.url.path[:200], method=request.method[:20], allow=allow)
    return fail(error, request, response_format(request.headers.get("accept")))


def webhook_policy(settings: Settings) -> WebhookPolicy:
    return WebhookPolicy.of(settings.webhook_admins, settings.webhook_allow_http, settings.webhook_allow_private)


def create_app(settings: Settings, db: Database | None = None) -> AgentDispatch:
    database = db or Database(settings.database_url, synchronous=settings.sqlite_synchronous,
                              pool_size=settings.pool_size)
    metrics_on, metrics_token = metrics_mode(settings.metrics)
    access_log.configure(settings.access_log, settings.log_format)
    # Stuck: due for longer than a lease, a few polls and a minute, and still nobody has claimed it.
    grace = settings.outbox_lease_seconds + 5 * settings.outbox_poll_seconds + 60
    readiness = Readiness(settings.database_url, outbox_not_stuck(grace))
    if metrics_on:
        group_commit.observer = metrics.GroupCommitObserver()
        metrics.instrument_pool(database.engine)
    auth = build_auth(settings, database)
    authenticator = auth.authenticator
    tables = agents()
    tables["webhook"] = ("Webhook", agent_webhooks.agent_methods(webhook_policy(settings)))
    methods = tables["appointment"][1]
    max_body = settings.max_body_bytes

    async def agent(request: Request) -> Response:
        table = tables.get(request.path_params["agent"].lower())
        if table is None:
            error = ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
            return fail(error, request, response_format(request.headers.get("accept")))
        method = table[1].get(request.path_params["method"].lower())
        if method is None:
            error = ApiError(404, "SoNotFoundException", "unknown_method", agent=table[0],
                             method=request.path_params["method"][:80])
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
        hooks = webhook_worker(database, webhook_policy(settings).target, settings.outbox_poll_seconds,
                               settings.outbox_lease_seconds, settings.outbox_retry_seconds, settings.time_zone)
        hooks.start()  # fans appointment changes out to webhooks and delivers them (outbox/webhook.py)
        # Everything loaded so far lives as long as the process: keep the collector from rescanning it.
        gc.freeze()
        try:
            yield
        finally:
            await hooks.stop()
            await outbox.stop()
            await database.drain()
            database.stop()
            readiness.close()

    app = Starlette(
        routes=[
            *collection_routes(database, authenticator.authenticate),
            *rest_routes(database, authenticator.authenticate, max_body),
            *people_routes(database, authenticator.authenticate, max_body),
            *ical_routes(database, authenticator.authenticate),
            *agent_webhooks.routes(database, authenticator.authenticate, max_body, webhook_policy(settings)),
            *auth.routes,
            *openapi_routes(methods),
            *health_routes(readiness, metrics_on, metrics_token),
            *web_routes(database, authenticator.authenticate, settings.time_zone),
        ],
        exception_handlers={404: not_found, 405: method_not_allowed, 500: server_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.add_middleware(CanonicalPaths)
    app.state.db = database
    app.state.settings = settings  # the base time zone for wire/timefmt.py
    # Metric labels: "<agent>/<method>" in lower case -> the method's name (Appointment's unprefixed, as before).
    method_names = {f"{a}/{k}": m.name if a == "appointment" else f"{name}/{m.name}"
                    for a, (name, table) in tables.items() for k, m in table.items()}
    return AgentDispatch(app, agent, method_names=method_names,
                         tenants=Tenants(settings.tenant), metrics_on=metrics_on, access_log_on=settings.access_log)
