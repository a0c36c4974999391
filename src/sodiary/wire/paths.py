"""ASP.NET matches routes case-insensitively; so do we, by restoring the canonical spelling of prefixes.

SuperOffice's URLs may also carry a tenant before `/api/`: Online's `/Cust12345/api/v1/…`, onsite's
`/SuperOffice/api/v1/…`. This installation is one tenant, so such a prefix is moved from the path
into the ASGI `root_path` (the way a reverse proxy's prefix travels): routing sees `/api/v1/…`,
while the URLs we build (REST's `_Links`) keep the prefix the client used. The web page lives under the
same prefix (`/{tenant}/`, `/{tenant}/web/…`): its URLs are relative, so its assets and API calls keep it.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

AGENTS_PREFIX = "/api/v1/Agents/"  # then <Agent>/<Method>
AGENT_PREFIX = AGENTS_PREFIX + "Appointment/"
CANONICAL = (AGENT_PREFIX, "/api/v1/Appointment", "/api/v1/Person", "/api/v1/Contact", "/api/v1/Associate",
             "/api/v1/Agents/Webhook/", "/api/v1/Webhook")

# Before the API, the page's assets, the page itself (`/{tenant}/`), or nothing (`/{tenant}`, redirected to the page).
_TENANT = re.compile(r"/([A-Za-z0-9][A-Za-z0-9_.-]{0,63})(?=/api/|/web/|/?$)", re.IGNORECASE)


class Tenants:
    """Which `/{tenant}` prefixes this installation answers to: any sane name, or only the configured ones."""

    def __init__(self, names: str = "") -> None:
        # SODIARY_TENANT: comma-separated, matched case-insensitively; empty accepts any name.
        self.allowed = frozenset(n.strip().lower() for n in names.split(",") if n.strip())

    def prefix(self, route: str) -> str:
        """`/Cust1234` for `/Cust1234/api/…` when that tenant is accepted; "" otherwise."""
        match = _TENANT.match(route)
        if match is None:
            return ""
        name = match.group(1).lower()
        if name == "api" or (self.allowed and name not in self.allowed):
            return ""
        if match.end() == len(route) and not self.allowed:
            return ""  # a bare `/metrics` is a route of ours; `/{name}` alone is a tenant only when configured
        return match.group(0)


def route_path(scope: Scope) -> str:
    """The path below the root path (a proxy's prefix, a tenant), which routes match."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root):]
    return path


class CanonicalPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._prefixes = [(p.lower(), p) for p in CANONICAL]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = route_path(scope)
            lower = path.lower()
            for folded, canonical in self._prefixes:
                if lower.startswith(folded) and not path.startswith(canonical):
                    root = scope["path"][:len(scope["path"]) - len(path)]
                    scope = dict(scope, path=root + canonical + path[len(canonical):])
                    break
        await self.app(scope, receive, send)
