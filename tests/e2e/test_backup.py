"""`sodiary backup | restore | export`: a backup taken under load holds every answer acknowledged before it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"


def sodiary(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "-m", "sodiary.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)


def accept_all(server: LiveServer, ids: list[int], acknowledged: list[int]) -> None:
    with httpx.Client(base_url=server.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=30) as client:
        for appointment_id in ids:
            r = client.post(ACCEPT, json={"AppointmentId": appointment_id, "UpdateMode": "OnlyThis"})
            if r.status_code == 204:
                acknowledged.append(appointment_id)


def test_a_backup_taken_under_load_restores_every_answer_acknowledged_before_it(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url, fresh_database(backend, tmp_path) as restored_url:
        server = LiveServer(url, tmp_path / "server.log").start()
        seed = Seeder(url)
        try:
            ids = seed.bookings(600, invitee="tje0")
            acknowledged: list[int] = []
            threads = [threading.Thread(target=accept_all, args=(server, ids[i::4], acknowledged)) for i in range(4)]
            for t in threads:
                t.start()
            while len(acknowledged) < 100:
                threading.Event().wait(0.01)
            before_backup = list(acknowledged)
            done = sodiary(url, "backup", str(tmp_path / "backup.db"))
            for t in threads:
                t.join()
            assert done.returncode == 0, done.stderr
            assert len(acknowledged) > len(before_backup), "the load went on during the backup"
        finally:
            server.stop()
            seed.close()
        restored = sodiary(restored_url, "restore", str(tmp_path / "backup.db"))
        assert restored.returncode == 0, restored.stderr
        check = Seeder(restored_url)
        try:
            lost = [i for i in before_backup if check.state(i)[0] != S.NotStarted]
        finally:
            check.close()
        assert not lost, f"{len(lost)} acknowledged answers missing from the backup"


def test_restore_refuses_to_overwrite_a_database_that_is_not_empty(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log").start()
        server.stop()
        assert sodiary(url, "backup", str(tmp_path / "b.db")).returncode == 0
        refused = sodiary(url, "restore", str(tmp_path / "b.db"))
        assert refused.returncode == 1
        *_announced, refusal = refused.stderr.strip().splitlines()
        assert refusal.startswith("sodiary: ") and "--force" in refusal
        assert sodiary(url, "restore", "--force", str(tmp_path / "b.db")).returncode == 0


def test_backup_refuses_to_overwrite_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    done = sodiary(f"sqlite:///{tmp_path / 'x.db'}", "backup", str(target))
    assert done.returncode == 1 and "exists" in done.stderr
    assert target.read_text() == "keep me"


def test_export_json_lists_the_rows_of_one_users_diary(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        LiveServer(url, tmp_path / "server.log").start().stop()
        done = sodiary(url, "export", "--format", "json", "--user", "tje0")
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert rows and {r["diary"] for r in rows} == {"tje0"}
        assert any(r["appointment_id"] == 685 and r["title"] == "Project kick-off" for r in rows)
        unknown = sodiary(url, "export", "--user", "nobody")
        assert unknown.returncode == 1 and "no such user" in unknown.stderr


def test_export_ics_is_a_calendar_with_one_event_per_row_of_the_users_diary(backend: str, tmp_path: Path) -> None:
    import icalendar

    with fresh_database(backend, tmp_path) as url:
        LiveServer(url, tmp_path / "server.log").start().stop()
        done = sodiary(url, "export", "--format", "ics", "--user", "tje0")
        assert done.returncode == 0, done.stderr
        events = icalendar.Calendar.from_ical(done.stdout).walk("VEVENT")
        assert "Project kick-off" in {str(e["SUMMARY"]) for e in events}
        assert len({str(e["UID"]) for e in events}) == len(events)
        everyone = icalendar.Calendar.from_ical(sodiary(url, "export", "--format", "ics").stdout).walk("VEVENT")
        assert len(everyone) > len(events) and len({str(e["UID"]) for e in everyone}) == len(everyone)
