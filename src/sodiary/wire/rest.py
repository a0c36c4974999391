"""REST routes under /api/v1/Appointment (see docs/endpoints.md)."""

from __future__ import annotations

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
