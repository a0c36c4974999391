"""Login routes: SOTicket tickets and browser sessions.

POST   /api/v1/Sodiary/Login    Basic credentials or {"UserName","Password"} -> {"Ticket": "7T:...", "ExpiresAt"}
POST   /api/v1/Sodiary/Logout   Authorization: SOTicket <ticket>             -> 204, the ticket is revoked
POST   /api/v1/Sodiary/Session  Basic credentials or {"UserName","Password"} -> session + XSRF-TOKEN cookies
DELETE /api/v1/Sodiary/Session  session cookie + X-XSRF-TOKEN                -> 204, the session is revoked
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sodiary.domain.errors import DomainError
from sodiary.service import tickets
from sodiary.service.context import Caller
from sodiary.store.database import Database
from sodiary.wire.auth.apps import AppRegistry
from sodiary.wire.auth.schemes import (
    Authenticator,
    AuthFailed,
    Guard,
    decode_basic,
    log_unchecked,
    unauthorized,
    verify_password,
)
from sodiary.wire.auth.tokens import SESSION_COOKIE, XSRF_COOKIE, SessionScheme, TicketScheme
from sodiary.wire.binding import bind
from sodiary.wire.decoding import decode_body
from sodiary.wire.endpoint import fail, internal_error, no_content, read_body
from sodiary.wire.errors import JSON_TYPE, XML_TYPE, ApiError, from_domain
from sodiary.wire.negotiation import Format, response_format
from sodiary.wire.rest.appointment import RestOperation
from sodiary.wire.xml import to_xml

MAX_LOGIN_BODY = 8192
PREFIX = "/api/v1/Sodiary"


class LoginRequest(msgspec.Struct, rename="pascal", kw_only=True):
    user_name: Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
    password: Annotated[str, msgspec.Meta(max_length=1024)] = ""


class TicketResult(msgspec.Struct, rename="pascal"):
    ticket: str
    expires_at: datetime  # UTC
    associate_id: int
    user_name: str


class SessionResult(msgspec.Struct, rename="pascal"):
    expires_at: datetime  # UTC
    xsrf_token: str  # also in the XSRF-TOKEN cookie; send it back as X-XSRF-TOKEN
    associate_id: int
    user_name: str


# For the OpenAPI document and docs/endpoints.md (wire/openapi.py); the routes are LoginRoutes.routes().
# Login and Session sign in alike: a body or Basic, with or without SO-AppToken.
_SIGN_IN: dict[str, Any] = dict(
    request=LoginRequest, statuses=(403, 413, 415, 429), tag="Sessions", body_required=False, takes_select=False,
    last_modified=False, security=[{}, {"Basic": []}, {"SOAppToken": []}, {"Basic": [], "SOAppToken": []}],
)
OPERATIONS = [
    RestOperation("POST", PREFIX + "/Login", "Log in with Basic credentials or a {UserName, Password} body; "
                  "the ticket goes in `Authorization: SOTicket <ticket>`", "", response=TicketResult, **_SIGN_IN),
    RestOperation("POST", PREFIX + "/Logout", "Revoke the SOTicket that authenticates the call", "",
                  tag="Sessions", takes_select=False, security=[{"SOTicket": []}]),
    RestOperation("POST", PREFIX + "/Session", "Open a browser session: the session cookie and the XSRF-TOKEN "
                  "cookie, whose value later calls send as X-XSRF-TOKEN", "", response=SessionResult,
                  **_SIGN_IN),
    RestOperation("DELETE", PREFIX + "/Session", "Close the browser session that authenticates the call", "",
                  tag="Sessions", takes_select=False, security=[{"XSRF": []}]),
]

_encode = msgspec.json.Encoder().encode


def _answer(result: msgspec.Struct, fmt: Format) -> Response:
    if fmt == "xml":
        return Response(to_xml(type(result).__name__, msgspec.to_builtins(result)), 200, media_type=XML_TYPE)
    return Response(_encode(result), 200, media_type=JSON_TYPE)


def _utc(naive: datetime) -> datetime:
    return naive.replace(tzinfo=UTC)


@dataclass
class LoginRoutes:
    db: Database
    authenticator: Authenticator
    guard: Guard
    ticket_scheme: TicketScheme
    session_scheme: SessionScheme
    apps: AppRegistry
    ticket_seconds: int
    session_seconds: int

    async def _run(self, request: Request, work: object) -> Response:
        fmt = response_format(request.headers.get("accept"))
        try:
            if fmt is None:
                raise ApiError(406, "NotAcceptableException", "not_acceptable")
            return await work(request, fmt)  # type: ignore[operator, no-any-return]
        except AuthFailed as exc:
            log_unchecked(request, exc)
            return fail(unauthorized(exc.key, self.authenticator.challenges, **exc.params), request, fmt)
        except ApiError as exc:
            return fail(exc, request, fmt)
        except DomainError as exc:
            return fail(from_domain(exc), request, fmt)
        except Exception as exc:
            return internal_error(request, fmt, exc)

    async def _login(self, request: Request) -> tuple[Caller, int]:
        """The caller from Basic credentials or a {UserName, Password} body; throttled."""
        header = request.headers.get("authorization", "").strip()
        scheme, _, credentials = header.partition(" ")
        if header and scheme.lower() == "basic":
            user, password = decode_basic(credentials)
            shown = "Basic"
            # The header decides, but a body sent along is still a LoginRequest: the document describes one
            # body for both ways in, and a malformed one is refused whatever else authenticates the call.
            body = await read_body(request, MAX_LOGIN_BODY)
            data = decode_body(request.headers.get("content-type"), body)
            if data is not None or body.strip():  # a JSON `null` is a body, and no LoginRequest
                bind(data, LoginRequest)
        elif header:
            raise ApiError(400, "ArgumentException", "login_credentials")
        else:
            data = decode_body(request.headers.get("content-type"), await read_body(request, MAX_LOGIN_BODY))
            if data is None:
                raise ApiError(400, "ArgumentException", "body_required", type="LoginRequest")
            login = bind(data, LoginRequest)
            user, password = login.user_name, login.password
            shown = "Body"  # UserName and Password in the body, as the log names it
        found = await verify_password(self.guard, request, user, password, shown)
        await self.apps.app_for(request)  # an enforced SO-AppToken applies to logging in, too
        return found

    async def login(self, request: Request) -> Response:
        async def work(request: Request, fmt: Format) -> Response:
            caller, version = await self._login(request)
            issued = await tickets.issue(self.db, caller, version, tickets.TICKET, self.ticket_seconds)
            return _answer(TicketResult(issued.token, _utc(issued.expires), caller.associate_id, caller.name), fmt)

        return await self._run(request, work)

    async def logout(self, request: Request) -> Response:
        async def work(request: Request, fmt: Format) -> Response:
            caller = await self.authenticator.authenticate(request)
            if caller.scheme != "SOTicket":
                raise ApiError(400, "ArgumentException", "logout_needs_ticket")
            ticket = request.headers["authorization"].strip().partition(" ")[2].strip()
            await tickets.revoke(self.db, tickets.TICKET, ticket)
            self.ticket_scheme.forget(ticket)
            return no_content(fmt)

        return await self._run(request, work)

    async def open_session(self, request: Request) -> Response:
        async def work(request: Request, fmt: Format) -> Response:
            caller, version = await self._login(request)
            issued = await tickets.issue(self.db, caller, version, tickets.SESSION, self.session_seconds)
            result = SessionResult(_utc(issued.expires), issued.xsrf, caller.associate_id, caller.name)
            response = _answer(result, fmt)
            secure = request.url.scheme == "https"
            response.set_cookie(SESSION_COOKIE, issued.token, max_age=self.session_seconds, path="/",
                                secure=secure, httponly=True, samesite="lax")
            # Readable by the page's script on purpose: it echoes the value as X-XSRF-TOKEN.
            response.set_cookie(XSRF_COOKIE, issued.xsrf, max_age=self.session_seconds, path="/",
                                secure=secure, httponly=False, samesite="lax")
            return response

        return await self._run(request, work)

    async def close_session(self, request: Request) -> Response:
        async def work(request: Request, fmt: Format) -> Response:
            caller = await self.authenticator.authenticate(request)
            if caller.scheme != "Session":
                raise ApiError(400, "ArgumentException", "logout_needs_session")
            token = request.cookies.get(SESSION_COOKIE, "")
            await tickets.revoke(self.db, tickets.SESSION, token)
            self.session_scheme.forget(token)
            response = no_content(fmt)
            response.delete_cookie(SESSION_COOKIE, path="/")
            response.delete_cookie(XSRF_COOKIE, path="/")
            return response

        return await self._run(request, work)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(PREFIX + "/Login", self.login, methods=["POST"]),
            Route(PREFIX + "/Logout", self.logout, methods=["POST"]),
            Route(PREFIX + "/Session", self.open_session, methods=["POST"]),
            Route(PREFIX + "/Session", self.close_session, methods=["DELETE"]),
        ]
