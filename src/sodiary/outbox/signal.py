"""Wake the delivery workers of this process after a commit that queued messages."""

from __future__ import annotations

import asyncio

_listeners: set[asyncio.Event] = set()


def listen(event: asyncio.Event) -> None:
    _listeners.add(event)


def forget(event: asyncio.Event) -> None:
    _listeners.discard(event)


def wake() -> None:
    for event in _listeners:
        event.set()
