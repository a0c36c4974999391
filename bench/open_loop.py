"""An open-loop load generator: requests leave on a fixed schedule, whether or not earlier ones
have been answered, and each latency is counted from the request's scheduled time — so a server
that stalls is charged for the requests queueing behind the stall (no coordinated omission,
which wrk without wrk2's -R has). wrk2 is not packaged and `hey` repeats one body, while every
Accept here must name a distinct invitation.

Plain asyncio streams and a minimal HTTP/1.1 exchange (keep-alive, Content-Length bodies only):
at a few hundred requests/s it costs the client a small part of one core.

At thousands of requests/s that Python loop takes a good part of a core the server needs and adds
its own scheduling delay to every latency, so the same schedule is also written in C,
bench/openloop.c (epoll, libc only). The native client is used when gcc is available:
build_native() compiles it, run_native() runs it and reads its output back into the same
OpenLoopResult; run() stays the fallback when gcc is not there.
"""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

NATIVE_SOURCE = Path(__file__).with_name("openloop.c")


def http_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    """http_request's head without Content-Length and the blank line: what run_native wants."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return "\r\n".join(lines).encode()


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
    requests: int = 0  # sent; every one is either answered (a latency) or an error
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
    total = result.requests = int(rate * seconds)
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


# ---- the native client (bench/openloop.c) --------------------------------------------------------


def build_native(build_dir: Path) -> Path | None:
    """Compile bench/openloop.c into build_dir; None (the compiler's complaint on stderr) without gcc
    or when it fails."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    build_dir.mkdir(parents=True, exist_ok=True)
    binary = build_dir / "openloop"
    cmd = [gcc, "-O2", "-Wall", "-Wextra", "-o", str(binary), str(NATIVE_SOURCE)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"open_loop: could not compile {NATIVE_SOURCE}: {exc}", file=sys.stderr)
        return None
    if done.returncode != 0:
        print(f"open_loop: gcc failed on {NATIVE_SOURCE}:\n{done.stderr}", file=sys.stderr)
        return None
    return binary


def native_template(request_head: bytes | str, body_template: str) -> bytes:
    """The template file of bench/openloop.c: the head (no Content-Length), a blank line, the body;
    "{id}" stands for each request's id."""
    head = request_head.encode() if isinstance(request_head, str) else request_head
    return head.rstrip(b"\r\n") + b"\r\n\r\n" + body_template.encode()


def parse_native_output(text: str, rate: float) -> OpenLoopResult:
    """The OpenLoopResult of openloop's stdout (`key value` lines, then `latency_us` and one
    latency per line)."""
    result = OpenLoopResult(rate)
    lines = text.splitlines()
    try:
        marker = lines.index("latency_us")
    except ValueError:
        raise ValueError(f"no latency_us line in the native client's output: {text[:200]!r}") from None
    figures: dict[str, str] = {}
    for line in lines[:marker]:
        key, _, value = line.partition(" ")
        if key == "status":
            code, count = value.split()
            result.statuses[int(code)] = int(count)
        else:
            figures[key] = value
    missing = {"requests", "completed", "errors", "seconds", "cpu"} - figures.keys()
    if missing:
        raise ValueError(f"the native client's output lacks {sorted(missing)}")
    result.requests = int(figures["requests"])
    result.errors = int(figures["errors"])
    result.seconds = float(figures["seconds"])
    result.client_cpu_seconds = float(figures["cpu"])
    result.latencies_ms = [int(v) / 1000 for v in lines[marker + 1:] if v]
    completed = int(figures["completed"])
    if len(result.latencies_ms) != completed or sum(result.statuses.values()) != completed:
        raise ValueError(f"the native client reports {completed} completed requests but "
                         f"{len(result.latencies_ms)} latencies and {sum(result.statuses.values())} statuses")
    return result


def run_native(binary: Path, host: str, port: int, rate: float, seconds: float, request_head: bytes | str,
               body_template: str, first_id: int, max_connections: int = 256) -> OpenLoopResult:
    """run() by the native client: int(rate × seconds) requests, request i at i / rate seconds,
    "{id}" in the head and body replaced by first_id + i, Content-Length added per request."""
    with tempfile.TemporaryDirectory(prefix="openloop-") as scratch:
        template = Path(scratch) / "request.http"
        template.write_bytes(native_template(request_head, body_template))
        cmd = [str(binary), host, str(port), repr(float(rate)), repr(float(seconds)), str(max_connections),
               str(first_id), str(template)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"{binary} exited with {done.returncode}: {done.stderr.strip()}")
    if done.stderr:
        print(done.stderr, end="", file=sys.stderr)
    return parse_native_output(done.stdout, rate)
