"""REST routes under /api/v1/Appointment (see docs/endpoints.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute


@dataclass(frozen=True)
class RestOperation:
    """One REST verb + path, described for OpenAPI and docs/endpoints.md."""

    method: str
    path: str
    summary: str
    backed_by: str  # the agent method whose service function it calls
    request: Any = None  # request body type; None = no body
    response: Any = None  # 200 body type; None = 204
    statuses: tuple[int, ...] = ()  # answers besides 200/204 and the common 400/401/406
    query: dict[str, Any] = field(default_factory=dict)
    headers: tuple[str, ...] = ()  # conditional request headers it honours


OPERATIONS: list[RestOperation] = []
ROUTES: list[BaseRoute] = []
