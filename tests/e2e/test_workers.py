"""Several server processes on one database: PostgreSQL, or one SQLite file whose writers take turns."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.databases import BACKENDS, fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer


@pytest.mark.parametrize("engine", BACKENDS)
def test_two_workers_answer_every_invitation_once(engine: str, tmp_path: Path) -> None:
    with fresh_database(engine, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"]).start()
        seed = Seeder(url)
        try:
            ids = seed.bookings(200, invitee="tje0")

            def accept(appointment_id: int) -> int:
                with httpx.Client(base_url=server.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=30) as c:
                    return c.post("/api/v1/Agents/Appointment/Accept",
                                  json={"AppointmentId": appointment_id}).status_code

            # Every id twice, concurrently: both answers are 204, the second a no-op.
            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(accept, ids + ids))
            assert set(statuses) == {204}
            assert all(seed.state(i)[0] == S.NotStarted for i in ids)
            assert all(len(seed.history(i)) == 1 for i in ids), "each answer is recorded exactly once"
        finally:
            server.stop()
            seed.close()



def _workers_of(pid: int) -> set[int]:
    """The worker processes of a supervisor (not multiprocessing's resource tracker)."""
    workers = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(int(child))
        except OSError:
            continue
    return workers


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_worker_that_dies_is_replaced(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"]).start()
        try:
            assert server.process is not None
            supervisor = server.process.pid
            assert _wait_for(lambda: len(_workers_of(supervisor)) == 2)
            before = _workers_of(supervisor)
            victim = min(before)
            os.kill(victim, signal.SIGKILL)
            assert _wait_for(lambda: len(_workers_of(supervisor) - {victim}) == 2), server.log()
            seed = Seeder(url)
            try:
                ids = seed.bookings(10, invitee="tje0")
            finally:
                seed.close()
            for appointment_id in ids:  # a new connection each: both workers answer
                with server.client("tje0") as client:
                    assert client.post("/api/v1/Agents/Appointment/Accept",
                                       json={"AppointmentId": appointment_id}).status_code == 204
        finally:
            server.stop()


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"]).start()
        assert server.process is not None
        supervisor = server.process.pid
        try:
            assert _wait_for(lambda: len(_workers_of(supervisor)) == 2)
            workers = _workers_of(supervisor)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            assert _wait_for(lambda: not any(_alive(w) for w in workers)), "orphaned workers still serve"
        finally:
            server.stop()
            for w in workers:
                if _alive(w):
                    os.kill(w, signal.SIGKILL)
