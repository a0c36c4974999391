"""Several server processes on one PostgreSQL database; SQLite refuses them."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer


def test_two_workers_on_postgresql_answer_every_invitation_once(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
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


def test_sqlite_refuses_several_workers(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "sodiary.cli", "serve", "--workers", "2"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "SQLite has one writer" in out.stderr

