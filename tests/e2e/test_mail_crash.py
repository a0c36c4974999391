"""No mail is lost to a crash: SIGKILL between the commit that queued mail and its sending, several times,
then restart — every queued mail goes out, each once per message (the same Message-ID on any resend).
Also: without SMTP configured, the mail lands as .eml files in the mail directory."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.mail_support import SmtpSink, mail_env, outbox_rows, settle, wait_until, waiting_replies
from tests.support.databases import fresh_database
from tests.support.seed import Seeder
from tests.support.server import DEMO_PASSWORDS, LiveServer, free_port

ROUNDS = 3
PER_ROUND = 6


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


def confirm_all(server: LiveServer, invitations: list[int]) -> None:
    with httpx.Client(base_url=server.url, auth=("tje0", DEMO_PASSWORDS["tje0"]), timeout=30) as client:
        for appointment_id in invitations:
            r = client.post("/api/v1/Agents/Appointment/AcceptWithEmailConfirmation",
                            json={"AppointmentId": appointment_id})
            assert r.status_code == 204, r.text


def kill(server: LiveServer) -> None:
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    server.process = None


def test_mail_queued_before_a_sigkill_is_sent_after_restart_and_none_is_lost(database: str, tmp_path: Path) -> None:
    port = free_port()  # the SMTP server is not there yet: every attempt before the last restart fails
    server = LiveServer(database, tmp_path / "server.log", env=mail_env(f"smtp://127.0.0.1:{port}"))
    seed: Seeder | None = None
    sink = SmtpSink(port)
    try:
        for _ in range(ROUNDS):
            server.start()
            seed = seed or Seeder(database)
            invitations = seed.bookings(PER_ROUND)
            confirm_all(server, invitations)  # committed: the answers and their mails
            kill(server)
        assert seed is not None
        queued = outbox_rows(seed.engine)  # the confirmations the workers moved into the outbox before the kills
        assert len(queued) + waiting_replies(seed.engine) == ROUNDS * PER_ROUND
        assert all(r["status"] == "pending" for r in queued), "nothing could be sent yet"
        sink.start()
        server.start()
        rows = settle(seed.engine)
        assert all(r["status"] == "sent" for r in rows)
        wait_until(lambda: len(sink.sink.received) >= len(rows), "every mail at the SMTP server")
        ids = sorted(str(m.message["Message-ID"]) for m in sink.sink.received)
        assert ids == sorted(f"<{r['message_key']}@example.org>" for r in rows), "each queued mail, once"
        assert {m.to for m in sink.sink.received} == {"ada@example.com"}
    finally:
        server.stop()
        sink.stop()
        if seed is not None:
            seed.close()


def test_without_smtp_mail_is_written_as_eml_files_in_the_mail_directory(database: str, tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    server = LiveServer(database, tmp_path / "server.log",
                        env={"SODIARY_MAIL_DIR": str(mail_dir), "SODIARY_OUTBOX_POLL_SECONDS": "0.5"}).start()
    seed = Seeder(database)
    try:
        confirm_all(server, seed.bookings(2))
        settle(seed.engine)
        files = sorted(mail_dir.glob("*.eml"))
        assert len(files) == 2
        for path in files:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            assert message["To"].addresses[0].addr_spec == "ada@example.com"
            assert any(p.get_content_type() == "text/calendar" for p in message.walk())
        assert not list(mail_dir.glob(".*.tmp")), "written whole or not at all"
    finally:
        server.stop()
        seed.close()


def test_two_worker_processes_send_each_queued_mail_once(database: str, tmp_path: Path) -> None:
    sink = SmtpSink().start()
    server = LiveServer(database, tmp_path / "server.log", env=mail_env(sink.url), args=["--workers", "2"]).start()
    seed = Seeder(database)
    try:
        confirm_all(server, seed.bookings(20))
        rows = settle(seed.engine)
        assert len(rows) == 20 and all(r["status"] == "sent" and r["attempts"] == 1 for r in rows)
        wait_until(lambda: len(sink.sink.received) >= 20, "every mail at the SMTP server")
        ids = [str(m.message["Message-ID"]) for m in sink.sink.received]
        assert len(ids) == len(set(ids)) == 20
    finally:
        server.stop()
        sink.stop()
        seed.close()


def sodiary(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=database, SODIARY_MAIL_FROM="diary@example.org")
    return subprocess.run([sys.executable, "-m", "sodiary.cli", "mail", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_an_operator_lists_shows_and_retries_a_failed_mail(database: str, tmp_path: Path) -> None:
    sink = SmtpSink().start()
    sink.sink.refuse.append("550 5.1.1 mailbox unavailable")
    server = LiveServer(database, tmp_path / "server.log", env=mail_env(sink.url)).start()
    seed = Seeder(database)
    try:
        confirm_all(server, seed.bookings(1))
        [row] = settle(seed.engine)
        assert row["status"] == "failed"
        listed = sodiary(database, "list")
        assert listed.returncode == 0, listed.stderr
        assert "failed: 1" in listed.stdout and "ada@example.com" in listed.stdout and "550" in listed.stdout
        shown = sodiary(database, "show", str(row["message_id"]))
        assert shown.returncode == 0, shown.stderr
        assert f"Message-ID: <{row['message_key']}@example.org>" in shown.stdout
        assert "METHOD:REPLY" in shown.stdout
        retried = sodiary(database, "retry", str(row["message_id"]))
        assert retried.returncode == 0, retried.stderr
        [row] = settle(seed.engine)
        assert (row["status"], row["attempts"]) == ("sent", 2)
        wait_until(lambda: len(sink.sink.received) == 1, "the retried mail")
        assert sodiary(database, "show", "999999").returncode == 1
    finally:
        server.stop()
        sink.stop()
        seed.close()


def test_a_worker_killed_while_sending_leaves_the_mail_to_the_next_after_its_lease(database: str,
                                                                                  tmp_path: Path) -> None:
    sink = SmtpSink().start()
    sink.sink.stalls = 1
    server = LiveServer(database, tmp_path / "server.log", env=mail_env(sink.url)).start()
    seed = Seeder(database)
    try:
        confirm_all(server, seed.bookings(1))
        wait_until(lambda: sink.sink.stalled == 1, "the send to hang")
        [row] = outbox_rows(seed.engine)
        assert row["status"] == "pending" and row["claimed_until"] is not None, "claimed, not yet sent"
        kill(server)
        server.start()
        [row] = settle(seed.engine)
        assert (row["status"], row["attempts"]) == ("sent", 1), "the dead worker recorded nothing"
        wait_until(lambda: len(sink.sink.received) == 1, "the mail")
        assert str(sink.sink.received[0].message["Message-ID"]) == f"<{row['message_key']}@example.org>"
    finally:
        server.stop()
        sink.stop()
        seed.close()


STOPS = 6
BACKLOG = 600


def test_a_server_stopped_while_it_sends_a_backlog_stops_sending_and_leaves_the_rest_queued(database: str,
                                                                                           tmp_path: Path) -> None:
    # A stop that lands as an SMTP reply arrives was lost (asyncio.wait_for before Python 3.12, outbox/stopping.py):
    # the worker then sent the whole backlog before the server could exit. It is a race, so the server is
    # stopped several times mid-backlog; each time it must leave what it had not sent to the next start.
    sink = SmtpSink().start()
    server = LiveServer(database, tmp_path / "server.log", env=mail_env(sink.url)).start()
    seed = Seeder(database)
    try:
        confirm_all(server, seed.bookings(BACKLOG))
        for _ in range(STOPS):
            before = len(sink.sink.received)
            wait_until(lambda before=before: len(sink.sink.received) >= before + 5, "mail going out")  # type: ignore[misc]
            assert server.process is not None
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=60)
            server.process = None
            pending = sum(r["status"] == "pending" for r in outbox_rows(seed.engine)) + waiting_replies(seed.engine)
            assert pending > 0, "the stopped server sent the whole backlog before it exited"
            server.start()
        rows = settle(seed.engine)
        assert len(rows) == BACKLOG and all(r["status"] == "sent" for r in rows)
        wait_until(lambda: len({str(m.message["Message-ID"]) for m in sink.sink.received}) >= BACKLOG,
                   "every mail at the SMTP server")
    finally:
        server.stop()
        sink.stop()
        seed.close()
