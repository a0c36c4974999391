"""An open-loop load generator: requests leave on a fixed schedule, whether or not earlier ones
have been answered, and each latency is counted from the request's scheduled time — so a server
that stalls is charged for the requests queueing behind the stall (no coordinated omission,
which wrk without wrk2's -R has). wrk2 is not packaged and `hey` repeats one body, while every
Accept here must name a distinct invitation.

Plain asyncio streams and a minimal HTTP/1.1 exchange (keep-alive, Content-Length bodies only):
at a few hundred requests/s it costs the client a small part of one core.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field


def http_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def parse_head(head: bytes) -> tuple[int, int]:
    """Status code and Content-Length (0 when absent) of a response head."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"not an HTTP response: {lines[0]!r}")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    return int(parts[1]), length


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank, as wrk and hey report it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class OpenLoopResult:
    rate: float  # requested per second
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0  # what this client itself cost, on the same cores as the server

    @property
    def achieved(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    @property
    def client_cpu_percent(self) -> float:
        return 100 * self.client_cpu_seconds / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


async def _run(host: str, port: int, rate: float, seconds: float,
               make: Callable[[int], bytes], max_connections: int) -> OpenLoopResult:
    result = OpenLoopResult(rate)
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    open_connections = 0
    slots = asyncio.Semaphore(max_connections)

    async def one(i: int, scheduled: float) -> None:
        nonlocal open_connections
        async with slots:
            if idle:
                reader, writer = idle.pop()
            else:
                reader, writer = await asyncio.open_connection(host, port)
                open_connections += 1
            try:
                writer.write(make(i))
                status, length = parse_head(await reader.readuntil(b"\r\n\r\n"))
                if length:
                    await reader.readexactly(length)
            except (OSError, ValueError, asyncio.IncompleteReadError):
                result.errors += 1
                writer.close()
                return
            result.latencies_ms.append((time.perf_counter() - scheduled) * 1000)
            result.statuses[status] += 1
            idle.append((reader, writer))

    began, cpu_began = time.perf_counter(), time.process_time()
    tasks = []
    total = int(rate * seconds)
    for i in range(total):
        scheduled = began + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - began
    result.client_cpu_seconds = time.process_time() - cpu_began
    for _, writer in idle:
        writer.close()
    return result


def run(host: str, port: int, rate: float, seconds: float, make: Callable[[int], bytes],
        max_connections: int = 256) -> OpenLoopResult:
    """Send int(rate × seconds) requests, request i at i / rate seconds; make(i) gives its bytes."""
    return asyncio.run(_run(host, port, rate, seconds, make, max_connections))
