"""ASP.NET matches routes case-insensitively; so do we, by restoring the canonical spelling of prefixes."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

AGENT_PREFIX = "/api/v1/Agents/Appointment/"
CANONICAL = (AGENT_PREFIX, "/api/v1/Appointment")


class CanonicalPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._prefixes = [(p.lower(), p) for p in CANONICAL]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            lower = path.lower()
            for folded, canonical in self._prefixes:
                if lower.startswith(folded) and not path.startswith(canonical):
                    scope = dict(scope, path=canonical + path[len(canonical):])
                    break
        await self.app(scope, receive, send)
