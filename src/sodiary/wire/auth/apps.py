"""SO-AppToken: which registered partner application is calling.

The registered tokens (hashes) are held in memory and reloaded every few seconds, so the hot path
is a dict lookup. With enforcement on and at least one application registered, a request without
a known token is refused with 403: the user's credentials are fine, the application is not allowed.
"""

from __future__ import annotations

import asyncio
import time

from starlette.requests import Request

from sodiary.service import apps as apps_service
from sodiary.service.tickets import digest
from sodiary.store.database import Database
from sodiary.wire.errors import ApiError


class AppRegistry:
    def __init__(self, db: Database, *, required: bool, reload_seconds: float) -> None:
        self.db = db
        self.required = required
        self.reload_seconds = reload_seconds
        self._tokens: dict[str, str] = {}
        self._loaded = -1.0e9
        self._lock = asyncio.Lock()

    async def _registered(self) -> dict[str, str]:
        if time.monotonic() - self._loaded >= self.reload_seconds:
            async with self._lock:
                if time.monotonic() - self._loaded >= self.reload_seconds:
                    self._tokens = await self.db.transaction(apps_service.tokens)
                    self._loaded = time.monotonic()
        return self._tokens

    async def app_for(self, request: Request) -> str:
        """The application's name to record with changes; "" when no token was sent."""
        token = request.headers.get("so-apptoken", "").strip()
        if not token and not self.required:
            return ""
        registered = await self._registered()
        hashed = digest(token) if token else ""
        name = registered.get(hashed) if token else None
        if name is not None:
            return name
        if self.required and registered:
            raise ApiError(403, "SoAccessDeniedException", "app_token_unknown" if token else "app_token_required")
        # Not enforced: an unregistered token is still told apart in the history, by a digest.
        return "token:" + hashed[:16] if token else ""
