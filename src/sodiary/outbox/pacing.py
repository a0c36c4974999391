"""How much of a busy process delivery may take: the API comes first, the backlog drains when it is quiet.

A delivery worker shares its process's event loop (and CPU) with the requests. After each step it rests at least
as long as the step's CPU (at most half of the loop); while the loop stays busy with other work (requests), it
goes on resting until the step's CPU is at most `share` of the time, so a backlog takes little from the answers,
and drains at full pace once the loop is quiet. Measured from the thread's CPU time: waiting on a slow receiver
costs none, and no rest. (A loop that is not given the CPU it wants, on a machine busy with other processes, looks
quiet here: the floor keeps delivery at half of what it gets even then.)
"""

from __future__ import annotations

import asyncio
import time

SLICE_SECONDS = 0.02  # how often a rest looks whether the loop has gone quiet
QUIET = 0.3  # the loop's CPU share below which it counts as idle
BUSY_SHARE = 0.1  # delivery's most while the loop is busy
QUIET_SHARE = 0.5  # and while it is quiet


def cpu() -> float:
    return time.thread_time()


async def rest(step_cpu: float, share: float = BUSY_SHARE) -> None:
    """Rest after a step that used `step_cpu` seconds of this thread's CPU (its own and whatever the loop ran
    meanwhile): at least step_cpu, up to step_cpu · (1 − share) / share while the loop stays busy."""
    longest = step_cpu * (1 - share) / share
    if longest <= 0.001:
        return
    began = time.monotonic()
    await asyncio.sleep(step_cpu * (1 - QUIET_SHARE) / QUIET_SHARE)
    while (waited := time.monotonic() - began) < longest:
        before, at = cpu(), time.monotonic()
        await asyncio.sleep(min(SLICE_SECONDS, longest - waited))
        wall = time.monotonic() - at
        if wall > 0 and (cpu() - before) / wall < QUIET:
            return
