"""`sodiary serve --workers N`: N server processes, each with its own listening socket on one port.

Every worker binds the address with SO_REUSEPORT (after `sodiary serve` checked, without it, that no
other server listens there), so the kernel spreads incoming connections
evenly over the processes. (With one shared listening socket, as uvicorn's own `--workers` does,
whichever process wakes first accepts a whole burst: a load balancer's or benchmark's 64 connections
opened at once ended up nearly all in one process.) The supervisor restarts a worker that dies,
stops them all on SIGINT/SIGTERM, and the workers stop if the supervisor itself is killed.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from .config import Settings

_PR_SET_PDEATHSIG = 1
PORT_TAKEN = 4  # a worker's exit status when it cannot bind: the supervisor then stops, it does not retry


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the supervisor dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a killed supervisor leaves its workers to the admin
        pass


def _worker(settings: Settings, options: dict[str, Any]) -> None:
    _die_with_parent()
    from .wire.app import create_app
    from .wire.server_options import PortTaken, listen, run

    try:
        sock = listen(settings.host, settings.port, reuse_port=True, backlog=None)
    except PortTaken as exc:
        print(exc.code, file=sys.stderr)
        sys.exit(PORT_TAKEN)
    run(create_app(settings), settings, options, sock)


def supervise(settings: Settings, workers: int, options: dict[str, Any]) -> None:
    """Run `workers` processes until SIGINT/SIGTERM; restart any that exits on its own.

    The caller has made sure nothing listens on the port (server_options.probe): the workers' sockets use
    SO_REUSEPORT, which would otherwise join another server's silently."""
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(settings, options), name="sodiary-worker")
        process.start()
        return process

    processes: list[BaseProcess] = []

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        # Passed on at once, not at the loop's next look (up to 0.2 s, in which the workers would go on
        # accepting connections after the supervisor was told to stop).
        for process in processes:
            if process.is_alive():
                process.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    processes.extend(start() for _ in range(workers))
    failed = False
    try:
        while not stopping:
            time.sleep(0.2)
            for i, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    if process.exitcode == PORT_TAKEN:  # taken since the probe: retrying would not help
                        stopping = True
                        failed = True
                        break
                    print(f"sodiary: worker {process.pid} exited ({process.exitcode}); starting another",
                          file=sys.stderr)
                    processes[i] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        # Each worker finishes its requests within the grace period (server_options.GracefulServer).
        deadline = time.monotonic() + settings.shutdown_grace_seconds + 5
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
    if failed:
        sys.exit(1)
