"""Several server processes on one database: PostgreSQL, or one SQLite file whose writers take turns."""

from __future__ import annotations

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

