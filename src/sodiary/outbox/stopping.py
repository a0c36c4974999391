"""Stopping a delivery worker's task: cancelled again until it has ended.

A cancellation can be lost. Before Python 3.12, `asyncio.wait_for` returns what it awaited when that completes
in the same turn of the loop as the cancel (python/cpython#86296, bpo-42130), and aiosmtplib awaits every SMTP
reply through it. A mail worker stopped while it sent went on through its whole backlog: a server told to stop
kept delivering for minutes, and `serve --workers` left it running after its supervisor gave up and exited.
"""

from __future__ import annotations

import asyncio
import contextlib

RECANCEL_SECONDS = 0.05  # how long a cancel may go unheeded before it is sent again


async def cancel_and_wait(task: asyncio.Task[None]) -> None:
    """Cancel `task` until it has ended; an exception other than the cancellation is raised here."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=RECANCEL_SECONDS)
    with contextlib.suppress(asyncio.CancelledError):
        await task
