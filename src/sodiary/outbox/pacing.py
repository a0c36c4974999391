"""How much of a busy process delivery may take: the API comes first, the backlog drains when it is quiet.

A delivery worker shares its process's event loop (and CPU) with the requests. The process's front door
(wire/app.py `AgentDispatch`) counts here the requests that arrive and those still in flight. After each step
a worker rests until the process has had no request in flight and none arriving for `QUIET_SECONDS` (then it
goes on at once: an idle API loses nothing; shorter gaps come from a client that is itself waiting for the
CPU), or at most until the step's CPU is `FLOOR_SHARE` of the step and its rest (so a backlog drains even
under a load that never pauses: ~2 mails/s per process here at ~10 ms each).

Requests, not the loop's CPU share, say whether the API is busy. The loop's CPU share misread a starved process
as quiet: on a machine with more work than cores, or while its answers wait for the SQLite writer's lock (held
by another process) or for a WAL flush on a thread, the loop uses little CPU while its callers wait, and
delivery then took half of what the process got (docs/performance.md, issue 19).
"""

from __future__ import annotations

import asyncio
import time

QUIET_SECONDS = 0.05  # no request for this long: the API is idle, delivery goes on at full pace
SLICE_SECONDS = 0.005  # how often a rest looks at the requests
FLOOR_SHARE = 0.02  # delivery's most while requests never pause
FIRST_STEP_CPU = 0.1  # a step's CPU before one was measured (a batch of confirmations renders in ~0.2 s here)


class Traffic:
    """This process's requests: bumped by the front door on every HTTP request (two integer additions, no clock),
    read by the delivery workers between their steps."""

    __slots__ = ("arrived", "in_flight")

    def __init__(self) -> None:
        self.arrived = 0
        self.in_flight = 0


TRAFFIC = Traffic()


def cpu() -> float:
    return time.thread_time()


async def rest(step_cpu: float, floor: float = FLOOR_SHARE, traffic: Traffic = TRAFFIC,
               quiet: float = QUIET_SECONDS) -> None:
    """Rest after a step that used `step_cpu` seconds of this thread's CPU: until the API has been quiet for
    `quiet` seconds, at most step_cpu · (1 − floor) / floor. (A caller that counts in the requests the loop served
    during its step overstates its CPU and gets less than `floor`, never more.)"""
    longest = step_cpu * (1 - floor) / floor
    began = time.monotonic()
    seen, quiet_since = traffic.arrived, began
    while (waited := (now := time.monotonic()) - began) < longest:
        if now - quiet_since >= quiet:
            return
        await asyncio.sleep(min(SLICE_SECONDS, longest - waited))
        if traffic.in_flight or traffic.arrived != seen:
            seen, quiet_since = traffic.arrived, time.monotonic()
