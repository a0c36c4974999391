"""`sodiary serve --workers N`: N server processes, each with its own listening socket on one port.

Every worker binds the address with SO_REUSEPORT, so the kernel spreads incoming connections
evenly over the processes. (With one shared listening socket, as uvicorn's own `--workers` does,
whichever process wakes first accepts a whole burst: a load balancer's or benchmark's 64 connections
opened at once ended up nearly all in one process.) The supervisor restarts a worker that dies,
stops them all on SIGINT/SIGTERM, and the workers stop if the supervisor itself is killed.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from .config import Settings

BACKLOG = 2048
_PR_SET_PDEATHSIG = 1


def listening_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _name, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(BACKLOG)
    return sock


def _die_with_parent() -> None:
    """Linux: SIGTERM this worker when the supervisor dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: a killed supervisor leaves its workers to the admin
        pass


def _worker(settings: Settings, options: dict[str, Any]) -> None:
    _die_with_parent()
    import uvicorn

    from .wire.app import create_app

    sock = listening_socket(settings.host, settings.port)
    config = uvicorn.Config(create_app(settings), **options)
    uvicorn.Server(config).run(sockets=[sock])


def supervise(settings: Settings, workers: int, options: dict[str, Any]) -> None:
    """Run `workers` processes until SIGINT/SIGTERM; restart any that exits on its own."""
    # Fail here, in the foreground, if the address cannot be bound at all.
    listening_socket(settings.host, settings.port).close()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(settings, options), name="sodiary-worker")
        process.start()
        return process

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    processes = [start() for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for i, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    print(f"sodiary: worker {process.pid} exited ({process.exitcode}); starting another",
                          file=sys.stderr)
                    processes[i] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
