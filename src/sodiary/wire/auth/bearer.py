"""Bearer: JSON Web Tokens signed by an identity provider we are configured to trust.

HS256 with a shared secret, or RS256/ES256 with a PEM public key or a JWKS file (keys picked by
`kid`). The algorithm is taken from the key, never trusted from the token alone. Expiry is
required; issuer and audience are checked when configured. The associate is the SuperOffice claim
`.../identity/associateid` (an id) when present, else the configured claim (default `sub`,
a user name). Verified tokens are cached like Basic credentials, until they expire.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from starlette.requests import Request

from sodiary.service import auth as auth_service
from sodiary.service.context import Caller
from sodiary.store.database import Database
from sodiary.wire.auth.schemes import REALM, AuthFailed, CredentialCache, Guard, log_refusal

ASSOCIATE_ID_CLAIM = "http://schemes.superoffice.net/identity/associateid"
ASYMMETRIC = ("RS256", "ES256")
LEEWAY_SECONDS = 30  # clock skew between us and the identity provider


class BearerKeys:
    """The verification keys the configuration names; empty when Bearer is not configured."""

    def __init__(self, secret: str = "", public_key_file: str = "", jwks_file: str = "") -> None:
        self.secret = secret
        self.public_key: Any = None
        self.jwks: dict[str, Any] = {}  # kid -> PyJWK
        if public_key_file:
            self.public_key = load_pem_public_key(Path(public_key_file).read_bytes())
        if jwks_file:
            keys = jwt.PyJWKSet.from_dict(json.loads(Path(jwks_file).read_text()))
            self.jwks = {k.key_id or f"#{i}": k for i, k in enumerate(keys.keys)}

    @property
    def configured(self) -> bool:
        return bool(self.secret or self.public_key is not None or self.jwks)

    def key_for(self, token: str) -> tuple[Any, str]:
        """The key to verify `token` with, and its one allowed algorithm."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthFailed("bad_token", detail="not a JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg == "HS256" and self.secret:
            return self.secret, alg
        if alg in ASYMMETRIC:
            if isinstance(kid, str) and kid in self.jwks:
                jwk = self.jwks[kid]
                return jwk.key, jwk.algorithm_name if jwk.algorithm_name in ASYMMETRIC else alg
            if self.public_key is not None:
                return self.public_key, alg
            if not kid and len(self.jwks) == 1:
                jwk = next(iter(self.jwks.values()))
                if jwk.algorithm_name == alg:
                    return jwk.key, alg
        raise AuthFailed("bad_token", detail=f"no trusted key for alg {str(alg)[:10]!r}")


class BearerScheme:
    name = "Bearer"
    challenge = f"Bearer {REALM}"

    def __init__(self, db: Database, cache: CredentialCache, guard: Guard, keys: BearerKeys, *,
                 issuer: str = "", audience: str = "", user_claim: str = "sub") -> None:
        self.db = db
        self.cache = cache
        self.guard = guard
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.user_claim = user_claim

    async def authenticate(self, credentials: str, request: Request) -> Caller:
        if not self.keys.configured:
            raise AuthFailed("bearer_not_configured")
        key = self.cache.key("bearer:" + credentials)
        cached, stale = await self.cache.recall(key, self.db)
        if cached is not None:
            return cached
        if stale:
            raise AuthFailed("bad_token", detail="the user is disabled or their credentials changed")
        slot = await self.guard.admit(request, self.name)
        try:
            claims = self.decode(credentials)
            caller, version = await self.associate(claims)
        except AuthFailed as exc:
            log_refusal(request, self.name, exc.key, detail=exc.params.get("detail", ""))
            raise
        await self.guard.accepted(slot)
        self.cache.put(key, caller, version, float(claims["exp"]) - time.time())
        return caller

    def decode(self, token: str) -> dict[str, Any]:
        verify_key, alg = self.keys.key_for(token)
        required = ["exp"] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])
        try:
            claims: dict[str, Any] = jwt.decode(
                token, verify_key, algorithms=[alg], issuer=self.issuer or None, audience=self.audience or None,
                leeway=LEEWAY_SECONDS, options={"require": required, "verify_aud": bool(self.audience)},
            )
        except jwt.ExpiredSignatureError:
            raise AuthFailed("bad_token", detail="expired") from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise AuthFailed("bad_token", detail=str(exc)[:100]) from None
        if not isinstance(claims.get("exp"), int | float):
            raise AuthFailed("bad_token", detail="exp is not a number")
        return claims

    async def associate(self, claims: dict[str, Any]) -> tuple[Caller, int]:
        raw_id = claims.get(ASSOCIATE_ID_CLAIM)
        if raw_id is not None:
            try:
                associate_id = int(str(raw_id))
            except ValueError:
                raise AuthFailed("bad_token", detail="associateid is not a number") from None
            if not 0 < associate_id <= 2_147_483_647:
                raise AuthFailed("bad_token", detail="associateid out of range")
            found = await auth_service.find_associate(self.db, associate_id=associate_id, scheme=self.name)
        else:
            user = claims.get(self.user_claim)
            if not isinstance(user, str) or not user or len(user) > 50:
                raise AuthFailed("bad_token", detail=f"no user name in claim {self.user_claim!r}")
            found = await auth_service.find_associate(self.db, name=user, scheme=self.name)
        if found is None:
            raise AuthFailed("bad_token", detail="no such enabled user")
        return found
