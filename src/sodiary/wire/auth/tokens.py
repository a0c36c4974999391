"""SOTicket tickets and browser sessions: tokens issued by the login routes (sessions.py).

Both are looked up in the database once, then cached like Basic credentials (until they expire,
re-checked every few seconds). A session rides on an HttpOnly cookie; because a browser sends
cookies on its own, every state-changing request must also echo the readable XSRF-TOKEN cookie in
the X-XSRF-TOKEN header, and that value must be the one issued with this session.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from starlette.requests import Request

from sodiary.service import tickets
from sodiary.service.clock import utc_now
from sodiary.service.context import Caller
from sodiary.store.database import Database
from sodiary.wire.auth.schemes import REALM, AuthFailed, CredentialCache, Guard, log_refusal
from sodiary.wire.errors import ApiError

SESSION_COOKIE = "SODIARY_SESSION"
XSRF_COOKIE = "XSRF-TOKEN"
XSRF_HEADER = "x-xsrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _lifetime(expires: datetime) -> float:
    return (expires - utc_now()).total_seconds()


class _TokenCheck:
    """Cache-first validation of a stored token of one kind."""

    kind: str
    scheme: str

    def __init__(self, db: Database, cache: CredentialCache, guard: Guard) -> None:
        self.db = db
        self.cache = cache
        self.guard = guard

    def cache_key(self, token: str) -> bytes:
        return self.cache.key(f"{self.kind}:{token}")

    async def holder(self, token: str, request: Request) -> tuple[Caller, str]:
        key = self.cache_key(token)
        entry = self.cache.get(key)
        if entry is not None and self.cache.fresh(entry):
            return entry.caller, entry.extra
        # A token not seen before takes a slot of the address's limit before it is looked up; a known
        # one being re-checked does not (its holder is no guesser).
        slot = await self.guard.admit(request, self.scheme) if entry is None else None
        found = await tickets.resolve(self.db, self.kind, token, self.scheme) if len(token) <= 200 else None
        if found is None:
            if entry is not None:
                self.cache.drop_associate(entry.caller.associate_id)
            log_refusal(request, self.scheme, f"bad_{self.kind}")
            raise AuthFailed(f"bad_{self.kind}")
        if slot is not None:
            await self.guard.accepted(slot)
        self.cache.put(key, found.caller, found.version, _lifetime(found.expires), found.xsrf_hash)
        return found.caller, found.xsrf_hash

    def forget(self, token: str) -> None:
        """Drop a revoked token from this process's cache at once."""
        self.cache.drop(self.cache_key(token))


class TicketScheme(_TokenCheck):
    name = "SOTicket"
    challenge = f"SOTicket {REALM}"
    kind = tickets.TICKET
    scheme = "SOTicket"

    async def authenticate(self, credentials: str, request: Request) -> Caller:
        caller, _ = await self.holder(credentials, request)
        return caller


class SessionScheme(_TokenCheck):
    kind = tickets.SESSION
    scheme = "Session"

    def present(self, request: Request) -> bool:
        return bool(request.cookies.get(SESSION_COOKIE))

    async def authenticate_cookie(self, request: Request) -> Caller:
        caller, xsrf_hash = await self.holder(request.cookies.get(SESSION_COOKIE, ""), request)
        if request.method not in SAFE_METHODS:
            check_xsrf(request, xsrf_hash)
        return caller


def check_xsrf(request: Request, xsrf_hash: str) -> None:
    sent = request.headers.get(XSRF_HEADER, "")
    if not sent:
        raise ApiError(403, "SoAccessDeniedException", "xsrf_missing")
    cookie = request.cookies.get(XSRF_COOKIE, "")
    matches = hmac.compare_digest(sent.encode("utf-8", "replace"), cookie.encode("utf-8", "replace"))
    issued = hmac.compare_digest(tickets.digest(sent), xsrf_hash)
    if not (matches and issued):
        raise ApiError(403, "SoAccessDeniedException", "xsrf_mismatch")
