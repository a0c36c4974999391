"""SIGKILL in the middle of a load of answers: every answer that got its 204 survives the crash."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer

ROUNDS = 3
INVITATIONS_PER_ROUND = 400
WORKERS = 16


def hammer(server: LiveServer, ids: list[int], acknowledged: list[int], stop: threading.Event) -> None:
    """Accept the given invitations one by one until the server goes away."""
    with httpx.Client(base_url=server.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=10) as client:
        for appointment_id in ids:
            if stop.is_set():
                return
            try:
                r = client.post("/api/v1/Agents/Appointment/Accept",
                                json={"AppointmentId": appointment_id, "UpdateMode": "OnlyThis"})
            except httpx.HTTPError:
                return
            if r.status_code == 204:
                acknowledged.append(appointment_id)


def kill_during_load(server: LiveServer, ids: list[int]) -> list[int]:
    acknowledged: list[int] = []
    stop = threading.Event()
    chunks = [ids[i::WORKERS] for i in range(WORKERS)]
    threads = [threading.Thread(target=hammer, args=(server, chunk, acknowledged, stop)) for chunk in chunks]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < len(ids) // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    server.process = None
    return list(acknowledged)


def integrity_ok(seed: Seeder) -> bool:
    with seed.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            return conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        # Every accepted invitation has exactly one answer recorded, and no answer lacks its row change.
        mismatched = conn.execute(text(
            "SELECT count(*) FROM appointment a WHERE a.status = 1 AND a.mother_id <> a.appointment_id "
            "AND a.mother_id <> 0 AND (SELECT count(*) FROM answer_history h "
            "WHERE h.appointment_id = a.appointment_id) <> 1")).scalar_one()
        return mismatched == 0


def test_acknowledged_answers_survive_sigkill(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log").start()
        seed = Seeder(url)
        try:
            for round_ in range(ROUNDS):
                bookings = seed.bookings(INVITATIONS_PER_ROUND, invitee="tje0")
                acknowledged = kill_during_load(server, bookings)
                assert acknowledged, f"round {round_}: no answer was acknowledged before the kill"
                server.start()
                lost = [i for i in acknowledged if seed.state(i)[0] != S.NotStarted]
                assert lost == [], f"round {round_}: {len(lost)} acknowledged answers lost"
                assert integrity_ok(seed)
        finally:
            server.stop()
            seed.close()
