"""SuperOffice's WebhookAgent (`POST /api/v1/Agents/Webhook/<Method>`) and REST `/api/v1/Webhook` (issue 14).

REST also has PATCH (JSON Patch or Merge Patch, wire/rest/patch.py) and `POST /{eventName}/{primaryKey}`, the
REST face of SignalEvent. Both run the agent pipeline (wire/endpoint.py: 406, 401, `$select`, errors in
SuperOffice's shape) and call service/webhooks.py. The `Webhook` carrier is the 12.4 client's, less the
associates and notification members sodiary does not keep (ErrorEmails, NotifyVia…: it e-mails nobody about
a stopped webhook)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sodiary.domain.errors import NotFound
from sodiary.service import webhooks as svc
from sodiary.store.database import Database
from sodiary.store.webhooks import Hook
from sodiary.wire.binding import bind
from sodiary.wire.carriers.entity import DateText, Int32
from sodiary.wire.decoding import decode_body
from sodiary.wire.endpoint import (
    AgentMethod,
    Authenticate,
    Call,
    encode,
    guarded,
    no_content,
    open_call,
    read_body,
)
from sodiary.wire.errors import ApiError
from sodiary.wire.negotiation import Format
from sodiary.wire.rest.appointment import RestOperation
from sodiary.wire.rest.patch import PATCH_TYPES, PatchOperation, apply_patch
from sodiary.wire.timefmt import time_context

AGENT = "/api/v1/Agents/Webhook"
PREFIX = "/api/v1/Webhook"
_STATES = dict(enumerate(svc.STATES))


class Webhook(msgspec.Struct, rename="pascal", kw_only=True):
    """A webhook definition: where to POST which events, signed with Secret."""

    webhook_id: Int32 = 0
    name: str | None = ""
    events: list[str] | None = None
    target_url: str | None = ""
    secret: str | None = ""
    state: str | int = "Active"  # WebhookState: Unknown, Active, Stopped, TooManyErrors
    type: str | None = "webhook"
    headers: dict[str, str] | None = None
    properties: dict[str, Any] | None = None
    registered: DateText | None = None
    registered_associate_id: Int32 = 0
    updated: DateText | None = None
    updated_associate_id: Int32 = 0
    total_calls: Int32 = 0
    total_errors: Int32 = 0
    consecutive_errors: Int32 = 0
    last_error: str | None = ""


class WebhookWithLinks(Webhook):
    links_: dict[str, str] = msgspec.field(default_factory=dict, name="_Links")


class WebhookResult(msgspec.Struct, rename="pascal", kw_only=True):
    success: bool
    message: str


class GetAllRequest(msgspec.Struct, rename="pascal", kw_only=True):
    name_filter: str | None = ""
    event_filter: str | None = ""
    status_filter: str | int | None = ""


class TestRequest(msgspec.Struct, rename="pascal", kw_only=True):
    webhook: Webhook  # required: the binder's 400 when missing or null, and the document says so


class IdRequest(msgspec.Struct, rename="pascal", kw_only=True):
    webhook_id: Int32 = 0


class SignalEventRequest(msgspec.Struct, rename="pascal", kw_only=True):
    event_name: str | None = ""
    primary_key: Int32 = 0
    data: dict[str, Any] | None = None


def _state(value: str | int | None) -> str:
    if isinstance(value, int):
        if value not in _STATES:
            raise ApiError(400, "ArgumentException", "body_invalid", type="Webhook",
                           detail=f"State {value} is not a WebhookState")
        return _STATES[value]
    text = (value or "").strip()
    return next((s for s in svc.STATES if s.lower() == text.lower()), text or "Active")


def to_hook(carrier: Webhook, webhook_id: int | None = None) -> Hook:
    return Hook(webhook_id=carrier.webhook_id if webhook_id is None else webhook_id, name=carrier.name or "",
                events=list(carrier.events or []), target_url=(carrier.target_url or "").strip(),
                secret=carrier.secret or "", state=_state(carrier.state), type=carrier.type or "webhook",
                headers=dict(carrier.headers or {}), properties=dict(carrier.properties or {}))


def to_carrier(hook: Hook, call: Call, cls: type[Webhook] = Webhook) -> Webhook:
    ctx = time_context(call.request)
    extra: dict[str, Any] = {}
    if cls is WebhookWithLinks and hook.webhook_id:
        extra["links_"] = {"Self": f"{str(call.request.base_url).rstrip('/')}{PREFIX}/{hook.webhook_id}"}
    return cls(webhook_id=hook.webhook_id, name=hook.name, events=hook.events, target_url=hook.target_url,
               secret=hook.secret, state=hook.state, type=hook.type, headers=hook.headers,
               properties=hook.properties,
               registered=ctx.render_utc(hook.registered) if hook.registered else None,
               registered_associate_id=hook.registered_associate_id,
               updated=ctx.render_utc(hook.updated), updated_associate_id=hook.updated_associate_id,
               total_calls=hook.total_calls, total_errors=hook.total_errors,
               consecutive_errors=hook.consecutive_errors, last_error=hook.last_error, **extra)


def _query_id(call: Call, name: str, body_id: int = 0) -> int:
    raw = call.query.get(name.lower())
    if raw is None or not raw.strip():
        return body_id
    try:
        return int(raw.strip())
    except ValueError:
        raise ApiError(400, "ArgumentException", "invalid_query", name=name, detail="not an integer") from None


def agent_methods(policy: svc.Policy) -> dict[str, AgentMethod]:
    async def create_default(call: Call, _req: None) -> Webhook:
        policy.authorize(call.caller)
        return to_carrier(svc.create_default(), call)

    async def save(call: Call, req: Webhook) -> Webhook:
        return to_carrier(await svc.save(call.db, call.caller, to_hook(req), policy), call)

    async def delete(call: Call, req: IdRequest) -> None:
        await svc.delete(call.db, call.caller, _query_id(call, "WebhookId", req.webhook_id), policy)

    async def get(call: Call, req: IdRequest) -> Webhook | None:
        hook = await svc.get(call.db, call.caller, _query_id(call, "webhookId", req.webhook_id), policy)
        return None if hook is None else to_carrier(hook, call)

    async def get_all(call: Call, req: GetAllRequest) -> list[Webhook]:
        state = _state(req.status_filter) if req.status_filter not in (None, "") else ""
        hooks = await svc.get_all(call.db, call.caller, policy, req.name_filter or "", req.event_filter or "",
                                  state)
        return [to_carrier(h, call) for h in hooks]

    async def test(call: Call, req: TestRequest) -> WebhookResult:
        answer = await svc.test(call.caller, to_hook(req.webhook), policy)
        return WebhookResult(success=answer.ok, message=answer.text)

    async def signal_event(call: Call, req: SignalEventRequest) -> None:
        await svc.signal_event(call.db, call.caller, req.event_name or "", req.primary_key, req.data or {}, policy)

    async def last_error(call: Call, req: IdRequest) -> str:
        hook = await svc.get(call.db, call.caller, _query_id(call, "WebhookId", req.webhook_id), policy)
        return "" if hook is None else hook.last_error

    methods = [
        AgentMethod("CreateDefaultWebhook", create_default, None, Webhook,
                    summary="A new, unsaved webhook: Active, type webhook, contact.created and contact.deleted."),
        AgentMethod("SaveWebhook", save, Webhook, Webhook,
                    summary="Creates or updates a webhook; an Active one's target must answer the test event "
                            "with 200."),
        AgentMethod("DeleteWebhook", delete, IdRequest, None, query={"WebhookId": Int32 | None},
                    summary="Deletes the webhook (nothing when unknown)."),
        AgentMethod("GetWebhook", get, IdRequest, Webhook, query={"webhookId": Int32 | None},
                    summary="The webhook with the id, or null."),
        AgentMethod("GetAllWebhooks", get_all, GetAllRequest, list[Webhook],
                    summary="Webhooks whose name and an event contain the filters, in the state (empty: any)."),
        AgentMethod("TestWebhook", test, TestRequest, WebhookResult,
                    summary="Sends the test event to an unsaved definition; Success when it answered 200."),
        AgentMethod("GetLastError", last_error, IdRequest, str, query={"WebhookId": Int32 | None},
                    summary="The last delivery error of the webhook."),
        AgentMethod("SignalEvent", signal_event, SignalEventRequest, None,
                    summary="Signals the custom event 'entity.verb' (Data as its FieldValues) to every active "
                            "webhook listening for it."),
    ]
    return {m.name.lower(): m for m in methods}


# REST.


def _id(request: Request) -> int:
    raw = str(request.path_params["id"])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= 2_147_483_647:
        raise ApiError(404, "SoNotFoundException", "not_found", path=request.url.path[:200])
    return int(raw)


async def _body(call: Call, max_body: int) -> Webhook:
    data = decode_body(call.request.headers.get("content-type"), await read_body(call.request, max_body))
    if not isinstance(data, dict):
        raise ApiError(400, "ArgumentException", "body_invalid", type="Webhook", detail="a Webhook object")
    return bind(data, Webhook)


def routes(db: Database, authenticate: Authenticate, max_body: int, policy: svc.Policy) -> list[BaseRoute]:
    """REST /api/v1/Webhook; the agent's methods are dispatched with every other agent's (wire/app.py)."""
    Verb = Callable[[Call], Awaitable[Response]]

    def endpoint(verb: Verb) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            async def work(fmt: Format) -> Response:
                return await verb(await open_call(request, db, authenticate, fmt))
            return await guarded(request, work)
        return handle

    async def default(call: Call) -> Response:
        policy.authorize(call.caller)
        return encode(to_carrier(svc.create_default(), call, WebhookWithLinks), call, "Webhook")

    async def listing(call: Call) -> Response:
        q = call.query
        state = _state(q.get("statusfilter")) if q.get("statusfilter") else ""
        hooks = await svc.get_all(call.db, call.caller, policy, q.get("namefilter", ""), q.get("eventfilter", ""),
                                  state)
        return encode([to_carrier(h, call, WebhookWithLinks) for h in hooks], call, list[Webhook])

    async def post(call: Call) -> Response:
        saved = await svc.save(call.db, call.caller, to_hook(await _body(call, max_body), 0), policy)
        return encode(to_carrier(saved, call, WebhookWithLinks), call, "Webhook")

    async def existing(call: Call) -> Hook:
        webhook_id = _id(call.request)
        hook = await svc.get(call.db, call.caller, webhook_id, policy)
        if hook is None:
            raise NotFound("webhook_not_found", webhook_id=webhook_id)
        return hook

    async def get_one(call: Call) -> Response:
        return encode(to_carrier(await existing(call), call, WebhookWithLinks), call, "Webhook")

    async def put(call: Call) -> Response:
        webhook_id = _id(call.request)
        hook = to_hook(await _body(call, max_body), webhook_id)
        return encode(to_carrier(await svc.save(call.db, call.caller, hook, policy), call, WebhookWithLinks),
                      call, "Webhook")

    async def delete(call: Call) -> Response:
        webhook_id = _id(call.request)
        if not await svc.delete(call.db, call.caller, webhook_id, policy):
            raise NotFound("webhook_not_found", webhook_id=webhook_id)
        return no_content(call.fmt)

    async def test(call: Call) -> Response:
        answer = await svc.test(call.caller, to_hook(await _body(call, max_body)), policy)
        return encode(WebhookResult(success=answer.ok, message=answer.text), call, WebhookResult)

    async def last_error(call: Call) -> Response:
        return encode((await existing(call)).last_error, call, str)

    async def patch(call: Call) -> Response:
        current = msgspec.to_builtins(to_carrier(await existing(call), call))
        patched = apply_patch(current, call.request.headers.get("content-type"),
                              await read_body(call.request, max_body))
        if not isinstance(patched, dict):
            raise ApiError(400, "ArgumentException", "body_invalid", type="Webhook", detail="a Webhook object")
        hook = to_hook(bind(patched, Webhook), _id(call.request))
        return encode(to_carrier(await svc.save(call.db, call.caller, hook, policy), call, WebhookWithLinks),
                      call, "Webhook")

    async def signal(call: Call) -> Response:
        primary_key = int(call.request.path_params["primary_key"])
        if primary_key > 2_147_483_647:
            raise ApiError(404, "SoNotFoundException", "not_found", path=call.request.url.path[:200])
        data = decode_body(call.request.headers.get("content-type"), await read_body(call.request, max_body))
        if data is not None and not isinstance(data, dict):
            raise ApiError(400, "ArgumentException", "body_invalid", type="event data", detail="a JSON object")
        await svc.signal_event(call.db, call.caller, str(call.request.path_params["event_name"]), primary_key,
                               data or {}, policy)
        return no_content(call.fmt)

    by_id = {"GET": endpoint(get_one), "PUT": endpoint(put), "PATCH": endpoint(patch), "DELETE": endpoint(delete)}

    async def item(request: Request) -> Response:
        return await by_id[request.method if request.method != "HEAD" else "GET"](request)

    collection = {"GET": endpoint(listing), "POST": endpoint(post)}

    async def root(request: Request) -> Response:
        return await collection["GET" if request.method in ("GET", "HEAD") else "POST"](request)

    return [
        Route(PREFIX + "/default", endpoint(default), methods=["GET"]),
        Route(PREFIX + "/Test", endpoint(test), methods=["POST"]),
        Route(PREFIX, root, methods=["GET", "POST"]),
        Route(PREFIX + "/", root, methods=["GET", "POST"]),
        Route(PREFIX + "/{id:int}/LastError", endpoint(last_error), methods=["GET"]),
        Route(PREFIX + "/{id:int}", item, methods=["GET", "PUT", "PATCH", "DELETE"]),
        # After /{id}/LastError: a POST there is that route's 405, not a custom event named by a number.
        Route(PREFIX + "/{event_name}/{primary_key:int}", endpoint(signal), methods=["POST"]),
    ]


_ERRORS = (403, 404)
OPERATIONS = [
    RestOperation("GET", PREFIX + "/default", "A new, unsaved webhook with the defaults", "CreateDefaultWebhook",
                  response=WebhookWithLinks, statuses=(403,), tag="Webhook", last_modified=False),
    RestOperation("GET", PREFIX, "Webhooks, filtered by nameFilter, eventFilter and statusFilter", "GetAllWebhooks",
                  response=list[WebhookWithLinks], statuses=(403,), tag="Webhook", last_modified=False,
                  query={"nameFilter": str | None, "eventFilter": str | None, "statusFilter": str | None}),
    RestOperation("POST", PREFIX, "Register a webhook; an Active one's target must answer the test event with 200",
                  "SaveWebhook", request=Webhook, response=WebhookWithLinks, statuses=(403, 413, 415),
                  tag="Webhook", last_modified=False),
    RestOperation("GET", PREFIX + "/{id}", "The webhook (404 when unknown)", "GetWebhook", response=WebhookWithLinks,
                  statuses=_ERRORS, tag="Webhook", last_modified=False),
    RestOperation("PUT", PREFIX + "/{id}", "Replace the webhook (State Active again resets ConsecutiveErrors)",
                  "SaveWebhook", request=Webhook, response=WebhookWithLinks, statuses=(403, 404, 413, 415),
                  tag="Webhook", last_modified=False),
    RestOperation("PATCH", PREFIX + "/{id}", "Change the webhook by JSON Patch or JSON Merge Patch", "SaveWebhook",
                  request=list[PatchOperation] | dict[str, Any], request_types=PATCH_TYPES,
                  response=WebhookWithLinks, statuses=(403, 404, 409, 413, 415), tag="Webhook", last_modified=False),
    RestOperation("POST", PREFIX + "/{eventName}/{primaryKey}",
                  "Signal the custom event 'entity.verb' to every active webhook listening for it; the body is its "
                  "data", "SignalEvent", request=dict[str, Any], statuses=(403, 404, 413, 415), tag="Webhook",
                  body_required=False),
    RestOperation("DELETE", PREFIX + "/{id}", "Delete the webhook", "DeleteWebhook", statuses=_ERRORS,
                  tag="Webhook"),
    RestOperation("POST", PREFIX + "/Test", "Send the test event to an unsaved definition", "TestWebhook",
                  request=Webhook, response=WebhookResult, statuses=(403, 413, 415), tag="Webhook",
                  last_modified=False),
    RestOperation("GET", PREFIX + "/{id}/LastError", "The webhook's last delivery error", "GetLastError",
                  response=str, statuses=_ERRORS, tag="Webhook", last_modified=False),
]

# For the OpenAPI document and docs/endpoints.md: the same table that routes the calls.
METHODS = list(agent_methods(svc.Policy()).values())
