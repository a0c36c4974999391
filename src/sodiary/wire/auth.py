"""Authentication: a seam of schemes, each turning a request into a Caller.

Basic is checked against the stored argon2 hashes. A verified credential is cached under an
HMAC of the header (never the password itself) so the hot path pays a dict lookup, and is
re-checked against the associate's credential version every few seconds so a changed
password or a disabled user stops working promptly.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.requests import Request

from ..service import auth as auth_service
from ..service.context import Caller
from ..store.database import Database
from .errors import ApiError

REALM = 'realm="sodiary", charset="UTF-8"'


class Scheme(Protocol):
    name: str

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


class CredentialCache:
    def __init__(self, secret: str, ttl: float, recheck: float, max_entries: int = 10_000) -> None:
        self._key = secret.encode()
        self.ttl = ttl
        self.recheck = recheck
        self._entries: dict[bytes, _Cached] = {}
        self._max = max_entries

    def key(self, credentials: str) -> bytes:
        return hmac.new(self._key, credentials.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    def get(self, key: bytes) -> _Cached | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires < time.monotonic():
            del self._entries[key]
            return None
        return entry

    def put(self, key: bytes, caller: Caller, version: int) -> None:
        if len(self._entries) >= self._max:
            self._entries.pop(next(iter(self._entries)))
        now = time.monotonic()
        self._entries[key] = _Cached(caller, version, now + self.ttl, now)

    def drop(self, key: bytes) -> None:
        self._entries.pop(key, None)


class BasicScheme:
    name = "Basic"

    def __init__(self, db: Database, cache: CredentialCache) -> None:
        self.db = db
        self.cache = cache

    async def authenticate(self, credentials: str, request: Request) -> Caller:
        key = self.cache.key(credentials)
        entry = self.cache.get(key)
        if entry is not None:
            if time.monotonic() - entry.checked < self.cache.recheck:
                return entry.caller
            if await auth_service.credential_still_valid(self.db, entry.caller.associate_id, entry.version):
                entry.checked = time.monotonic()
                return entry.caller
            self.cache.drop(key)
        user, password = _decode_basic(credentials)
        found = await auth_service.login_with_password(self.db, user, password, self.name)
        if found is None:
            raise unauthorized("bad_credentials", [f"Basic {REALM}"])
        caller, version = found
        self.cache.put(key, caller, version)
        return caller


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise unauthorized("bad_authorization_header", [f"Basic {REALM}"]) from None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        raise unauthorized("bad_authorization_header", [f"Basic {REALM}"])
    return user, password


class Authenticator:
    """Picks the scheme named in Authorization; the seam other schemes plug into."""

    def __init__(self, schemes: list[Scheme]) -> None:
        self.schemes = {s.name.lower(): s for s in schemes}
        self.challenges = [f"{s.name} {REALM}" for s in schemes]

    async def authenticate(self, request: Request) -> Caller:
        header = request.headers.get("authorization")
        if not header:
            raise unauthorized("unauthorized", self.challenges)
        scheme_name, _, credentials = header.strip().partition(" ")
        scheme = self.schemes.get(scheme_name.lower())
        if scheme is None:
            raise unauthorized("unsupported_scheme", self.challenges, scheme=scheme_name[:40])
        if not credentials.strip():
            raise unauthorized("bad_authorization_header", self.challenges)
        caller = await scheme.authenticate(credentials.strip(), request)
        token = request.headers.get("so-apptoken")
        if token:
            # Recorded with each change; a digest, because the token itself is a secret.
            app = "token:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:16]
            caller = Caller(caller.associate_id, caller.name, caller.scheme, app)
        return caller
