"""Authentication: a seam of schemes, each turning a request into a Caller.

Basic is checked against the stored argon2 hashes. A verified credential is cached under a
keyed BLAKE2b MAC of the header (never the password itself) so the hot path pays a dict lookup, and is
re-checked against the database every few seconds so a changed password, a disabled user or a
revoked ticket stops working promptly. The other schemes (tokens.py, bearer.py) use
the same cache. A request without Authorization may ride on a browser session cookie.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, replace
from typing import Any, Protocol

from starlette.requests import Request

from sodiary import metrics
from sodiary.service import auth as auth_service
from sodiary.service.context import Caller
from sodiary.service.throttle import Slot, Throttle
from sodiary.store.database import Database
from sodiary.wire.auth.apps import AppRegistry
from sodiary.wire.errors import ApiError

REALM = 'realm="sodiary"'
MAX_LOGGED = 64  # characters of a logged value (user names are at most 50 in the database)

log = logging.getLogger("sodiary.auth")


class AuthFailed(Exception):
    """A scheme refused the credentials; the Authenticator answers 401 with every challenge."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Scheme(Protocol):
    name: str
    challenge: str

    async def authenticate(self, credentials: str, request: Request) -> Caller: ...


def unauthorized(key: str, challenges: list[str], **params: Any) -> ApiError:
    return ApiError(
        401,
        "SoCredentialsFailedException" if key == "bad_credentials" else "UnauthorizedAccessException",
        key,
        headers={"WWW-Authenticate": ", ".join(challenges)},
        **params,
    )


@dataclass(slots=True)
class _Cached:
    caller: Caller
    version: int
    expires: float
    checked: float
    extra: str = ""  # per scheme: a session's XSRF hash


class CredentialCache:
    def __init__(self, secret: str, ttl: float, recheck: float, max_entries: int = 10_000) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()  # BLAKE2b takes a key of at most 64 bytes
        self.ttl = ttl
        self.recheck = recheck
        self._entries: dict[bytes, _Cached] = {}
        self._max = max_entries
        # One database look per stale entry at a time: when an entry falls due, every request of that
        # credential in flight would otherwise run its own (64 connections: 64 lookups a second).
        self._rechecking: dict[bytes, asyncio.Future[bool]] = {}

    def key(self, credentials: str) -> bytes:
        # Keyed BLAKE2b is a MAC as HMAC-SHA256 is, in one call: HMAC through OpenSSL costs 5-15 µs a request
        # on this path, BLAKE2b under 2 (measured, docs/performance.md).
        return hashlib.blake2b(credentials.encode("utf-8", "surrogatepass"), key=self._key, digest_size=32).digest()

    def get(self, key: bytes) -> _Cached | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires < time.monotonic():
            del self._entries[key]
            return None
        return entry

    def fresh(self, entry: _Cached) -> bool:
        """Checked against the database recently enough to be trusted without a look."""
        return time.monotonic() - entry.checked < self.recheck

    async def recall(self, key: bytes, db: Database) -> tuple[Caller | None, bool]:
        """The cached caller, re-checked against the database when due; otherwise None and whether it went stale."""
        entry = self.get(key)
        if entry is None:
            return None, False
        if self.fresh(entry):
            return entry.caller, False
        recheck = self._rechecking.get(key)
        if recheck is None:
            recheck = asyncio.ensure_future(self._recheck(key, entry, db))
            self._rechecking[key] = recheck
        # Shielded: a caller that gives up (its client left) does not cancel the others' answer.
        if await asyncio.shield(recheck):
            return entry.caller, False
        return None, True

    async def _recheck(self, key: bytes, entry: _Cached, db: Database) -> bool:
        """Whether the entry still holds, looked up once however many requests wait for the answer."""
        try:
            valid = await auth_service.credential_still_valid(db, entry.caller.associate_id, entry.version)
        finally:
            del self._rechecking[key]
        if valid:
            entry.checked = time.monotonic()
        else:
            self.drop_associate(entry.caller.associate_id)
        return valid

    def put(self, key: bytes, caller: Caller, version: int, lifetime: float | None = None, extra: str = "") -> None:
        """Cache a verified credential; `lifetime` caps the entry for credentials that expire."""
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        now = time.monotonic()
        ttl = self.ttl if lifetime is None else min(self.ttl, lifetime)
        self._entries[key] = _Cached(caller, version, now + ttl, now, extra)

    def drop(self, key: bytes) -> None:
        self._entries.pop(key, None)

    def drop_associate(self, associate_id: int) -> None:
        """Once one credential of a user turns out stale, none of theirs in this process is trusted."""
        for key in [k for k, e in self._entries.items() if e.caller.associate_id == associate_id]:
            del self._entries[key]


class Guard:
    """Throttles authentication per client address and per user name (429 + Retry-After), and logs refusals.

    Every attempt that needs verifying takes a slot of the limits first (service/throttle.py), so the
    limits hold however many attempts arrive at once. Refusals go to the `sodiary.auth` logger at
    WARNING: reason, scheme, user name (escaped, truncated), client address; never a secret.
    """

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle

    @staticmethod
    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def password(self, request: Request, user: str, password: str, scheme: str) -> tuple[Caller, int]:
        check = await auth_service.login_with_password(self.throttle.db, self.throttle, time.time(),
                                                       self.address(request), user, password, scheme)
        if check.found is not None:
            return check.found
        if check.reason == "throttled":
            raise self.throttled(request, scheme, check.retry_after, check.limited, user)
        log_refusal(request, scheme, check.reason, user)
        raise AuthFailed("bad_credentials")

    async def admit(self, request: Request, scheme: str) -> Slot:
        """A slot for a token check (tickets, sessions, Bearer), counted for the client address."""
        slot = await self.throttle.reserve(time.time(), self.address(request))
        if slot.wait:
            raise self.throttled(request, scheme, slot.wait, slot.limited)
        return slot

    async def accepted(self, slot: Slot) -> None:
        await self.throttle.release(slot)

    def throttled(self, request: Request, scheme: str, wait: int, limited: str, user: str | None = None) -> ApiError:
        metrics.auth_throttled()
        log_refusal(request, scheme, "throttled", user, limit=limited, retry_after=wait)
        return ApiError(429, "TooManyRequestsException", "too_many_failures",
                        headers={"Retry-After": str(wait)}, seconds=wait)


def log_refusal(request: Request, scheme: str, reason: str, user: str | None = None, **more: object) -> None:
    """One WARNING line per refused or throttled authentication, logfmt; values escaped, secrets never given."""
    fields: dict[str, object] = {"reason": reason, "scheme": scheme}
    if user is not None:
        fields["user"] = user
    fields.update(more)
    fields["address"] = Guard.address(request)
    fields["path"] = request.url.path
    shown = {k: _shown(v) for k, v in fields.items()}
    _ensure_visible()
    log.warning("authentication %s %s", "throttled" if reason == "throttled" else "refused",
                " ".join(f"{k}={v}" for k, v in shown.items()), extra={"auth_" + k: v for k, v in shown.items()})


def _shown(value: object) -> str:
    """Bare when plain, else quoted with every control character, quote and non-ASCII escaped (a user name
    cannot forge a log line); at most MAX_LOGGED characters."""
    text = str(value)
    if len(text) > MAX_LOGGED:
        text = text[:MAX_LOGGED] + "..."
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


_PLAIN = re.compile(r"[A-Za-z0-9_.:/@+-]+")
_fallback: logging.Handler | None = None


def _ensure_visible() -> None:
    # Unconfigured logging would print these through the last-resort handler, message only; an operator
    # needs the time, the level and the logger too. Checked at the first refusal, when the server's own
    # logging set-up (if any) is done: a configured root handler then prints them, and ours is not added.
    global _fallback
    if _fallback is None and not logging.getLogger().handlers and not log.handlers:
        _fallback = logging.StreamHandler()
        _fallback.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(_fallback)


async def verify_password(guard: Guard, request: Request, user: str, password: str, scheme: str) -> tuple[Caller, int]:
    """Throttled password check, shared by Basic and the login routes."""
    return await guard.password(request, user, password, scheme)


class BasicScheme:
    name = "Basic"
    challenge = f'Basic {REALM}, charset="UTF-8"'

    def __init__(self, db: Database, cache: CredentialCache, guard: Guard) -> None:
        self.db = db
        self.cache = cache
        self.guard = guard
        # One argon2 check per credential at a time: a cold start with 64 clients must not run 64 of them.
        self._verifying: dict[bytes, asyncio.Future[tuple[Caller, int]]] = {}

    async def authenticate(self, credentials: str, request: Request) -> Caller:
        key = self.cache.key("basic:" + credentials)
        cached, _stale = await self.cache.recall(key, self.db)
        if cached is not None:
            return cached
        verifying = self._verifying.get(key)
        if verifying is None:
            user, password = decode_basic(credentials)
            verifying = asyncio.ensure_future(verify_password(self.guard, request, user, password, self.name))
            self._verifying[key] = verifying
            verifying.add_done_callback(lambda _done: self._verifying.pop(key, None))
        caller, version = await asyncio.shield(verifying)
        self.cache.put(key, caller, version)
        return caller


def decode_basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AuthFailed("bad_authorization_header") from None
    user, sep, password = decoded.partition(":")
    if not sep or not user or "\x00" in decoded:  # PostgreSQL's text cannot hold NUL: refused before any query
        raise AuthFailed("bad_authorization_header")
    return user, password


# Credentials that reached no check (the schemes log their own refusals); a request without any is
# not logged: every client's first request may be one, answered by the 401's challenge.
_REFUSED_BEFORE_A_SCHEME = frozenset({"bad_authorization_header", "unsupported_scheme", "bearer_not_configured"})


def log_unchecked(request: Request, exc: AuthFailed) -> None:
    if exc.key in _REFUSED_BEFORE_A_SCHEME:
        log_refusal(request, request.headers.get("authorization", "").strip().partition(" ")[0], exc.key)


class CookieScheme(Protocol):
    def present(self, request: Request) -> bool: ...

    async def authenticate_cookie(self, request: Request) -> Caller: ...


class Authenticator:
    """Picks the scheme named in Authorization (or the session cookie); then the SO-AppToken."""

    def __init__(self, schemes: list[Scheme], cookie: CookieScheme | None = None,
                 apps: AppRegistry | None = None) -> None:
        self.schemes = {s.name.lower(): s for s in schemes}
        self.challenges = [s.challenge for s in schemes]
        self.cookie = cookie
        self.apps = apps

    async def authenticate(self, request: Request) -> Caller:
        try:
            caller = await self._caller(request)
        except AuthFailed as exc:
            metrics.auth_failure(exc.key)
            log_unchecked(request, exc)
            raise unauthorized(exc.key, self.challenges, **exc.params) from None
        if self.apps is not None:
            app = await self.apps.app_for(request)
            if app:
                caller = replace(caller, app=app)
        return caller

    async def _caller(self, request: Request) -> Caller:
        header = request.headers.get("authorization")
        if not header:
            if self.cookie is not None and self.cookie.present(request):
                return await self.cookie.authenticate_cookie(request)
            raise AuthFailed("unauthorized")
        scheme_name, _, credentials = header.strip().partition(" ")
        scheme = self.schemes.get(scheme_name.lower())
        if scheme is None:
            raise AuthFailed("unsupported_scheme", scheme=scheme_name[:40])
        if not credentials.strip():
            raise AuthFailed("bad_authorization_header")
        return await scheme.authenticate(credentials.strip(), request)
