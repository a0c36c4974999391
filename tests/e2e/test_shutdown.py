"""Stopping and starting (issue 13): SIGTERM finishes what was sent, a taken port is one clear line.

SIGTERM under load: every request a client managed to send is answered (no reset, no close without an
answer) and every acknowledged answer is in the database afterwards; a client that comes too late finds the
port closed. Run with one and with two workers, on both engines. Around the SIGTERM, a burst of clients
connects whose handshakes are still under way in the server's kernel while it stops, as they are over a
real network: the race that a listening socket closed too early loses.
"""

from __future__ import annotations

import errno
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sodiary.domain.enums import AppointmentStatus as S
from tests.support.databases import BACKENDS, fresh_database
from tests.support.seed import Seeder
from tests.support.server import LiveServer

ACCEPT = "/api/v1/Agents/Appointment/Accept"
BASIC_TJE0 = "Basic dGplMDpUamUw"


def _request(appointment_id: int) -> bytes:
    body = b'{"AppointmentId": %d}' % appointment_id
    return (b"POST " + ACCEPT.encode() + b" HTTP/1.1\r\nHost: sodiary\r\nAuthorization: " + BASIC_TJE0.encode()
            + b"\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
            + body)


def _accept(port: int, appointment_id: int) -> str:
    """One Accept on its own connection: the status, `refused` (never sent), `reset` or `unanswered`."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    except OSError:
        return "refused"  # the server had stopped accepting: nothing was sent
    with sock:
        data = b""
        try:
            sock.sendall(_request(appointment_id))
            while chunk := sock.recv(65536):
                data += chunk
        except (ConnectionResetError, BrokenPipeError):
            return "reset"
        except TimeoutError:
            return "unanswered"
    return data[9:12].decode() if data.startswith(b"HTTP/1.1 ") else "unanswered"


LIVE = b"GET /health/live HTTP/1.1\r\nHost: sodiary\r\nConnection: close\r\n\r\n"


@dataclass
class Burst:
    """Clients connecting every millisecond for a second, on non-blocking sockets in one thread, each sending
    `GET /health/live` and reading its answer; their outcomes as `_accept` names them.

    Each client's kernel holds back the final ACK of its handshake (TCP_DEFER_ACCEPT on a connecting socket)
    and sends it with the request, 0–99 ms after `connect` returned: to the server's kernel the handshake is
    under way all that time, as it is for a client one round trip away. A server that closes its listening
    socket in that time resets the client, whose `connect` succeeded and whose request was sent."""

    port: int
    outcomes: Counter[str] = field(default_factory=Counter)
    thread: threading.Thread | None = None

    def start(self) -> Burst:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def result(self) -> Counter[str]:
        assert self.thread is not None
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the burst's clients still wait"
        return self.outcomes

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        answers: dict[socket.socket, bytes] = {}
        sends: list[tuple[float, socket.socket]] = []  # (when, client): requests held back
        opening_ends = time.monotonic() + 1.0
        next_open, opened = time.monotonic(), 0

        def end(sock: socket.socket, outcome: str) -> None:
            selector.unregister(sock)
            sock.close()
            answers.pop(sock, None)
            self.outcomes[outcome] += 1

        while time.monotonic() < opening_ends or selector.get_map():
            now = time.monotonic()
            while now < opening_ends and next_open <= now:
                sock = socket.socket()
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 1)
                if sock.connect_ex(("127.0.0.1", self.port)) == errno.EINPROGRESS:
                    selector.register(sock, selectors.EVENT_WRITE)
                else:
                    sock.close()
                    self.outcomes["refused"] += 1
                next_open += 0.001
                opened += 1
            sends.sort(key=lambda send: send[0])
            while sends and sends[0][0] <= now:
                _when, sock = sends.pop(0)
                if sock in answers:
                    try:
                        sock.send(LIVE)
                    except (ConnectionResetError, BrokenPipeError):
                        end(sock, "reset")
            for key, _events in selector.select(timeout=0.001):
                sock = key.fileobj  # type: ignore[assignment]
                if sock not in answers:  # connected, or not
                    error = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if error:
                        end(sock, "refused" if error == errno.ECONNREFUSED else errno.errorcode[error])
                        continue
                    answers[sock] = b""
                    selector.modify(sock, selectors.EVENT_READ)
                    sends.append((now + (opened * 37 % 100) / 1000, sock))
                    continue
                try:
                    chunk = sock.recv(65536)
                except ConnectionResetError:
                    end(sock, "reset")
                    continue
                if chunk:
                    answers[sock] += chunk
                    continue
                answer = answers[sock]
                end(sock, answer[9:12].decode() if answer.startswith(b"HTTP/1.1 ") else "unanswered")


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("engine", BACKENDS)
def test_sigterm_under_load_answers_every_request_sent_and_loses_no_acknowledged_answer(
        engine: str, workers: int, tmp_path: Path) -> None:
    with fresh_database(engine, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", args=["--workers", str(workers)]).start()
        seed = Seeder(url)
        try:
            ids = seed.bookings(800, invitee="tje0")
            assert server.process is not None
            with ThreadPoolExecutor(24) as pool:
                futures = [pool.submit(_accept, server.port, i) for i in ids]
                while sum(f.done() for f in futures) < 150:
                    time.sleep(0.01)
                burst = Burst(server.port).start()
                time.sleep(0.05)
                server.process.send_signal(signal.SIGTERM)
                outcomes = [f.result() for f in futures]
            server.process.wait(timeout=60)
            counts, late = Counter(outcomes), burst.result()
            assert set(counts) <= {"204", "refused"}, counts
            assert counts["204"] >= 150 and counts["refused"], counts  # it did stop in the middle of the load
            assert set(late) <= {"200", "refused"}, late
            assert late["200"] and late["refused"], late
            acknowledged = [i for i, outcome in zip(ids, outcomes, strict=True) if outcome == "204"]
            lost = [i for i in acknowledged if seed.state(i)[0] != S.NotStarted]
            assert not lost, f"{len(lost)} acknowledged answers not in the database"
        finally:
            server.stop()
            seed.close()


@pytest.mark.parametrize("engine", BACKENDS)
def test_a_request_whose_body_is_still_arriving_at_sigterm_is_answered(engine: str, tmp_path: Path) -> None:
    with fresh_database(engine, tmp_path) as url:
        server = LiveServer(url, tmp_path / "server.log", args=["--workers", "2"]).start()
        seed = Seeder(url)
        try:
            (child,) = seed.bookings(1, invitee="tje0")
            request = _request(child)
            assert server.process is not None
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
                sock.sendall(request[:-5])
                time.sleep(0.3)  # the worker has read the head
                server.process.send_signal(signal.SIGTERM)
                time.sleep(0.5)  # the worker is shutting down, waiting for this request
                sock.sendall(request[-5:])
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 204"), answer
            assert b"connection: close" in answer.lower()
            server.process.wait(timeout=60)
            assert seed.state(child)[0] == S.NotStarted
        finally:
            server.stop()
            seed.close()


def test_a_request_that_never_completes_holds_the_shutdown_only_for_the_grace_period(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        env = {"SODIARY_SHUTDOWN_GRACE_SECONDS": "1", "SODIARY_BODY_TIMEOUT_SECONDS": "600"}
        server = LiveServer(url, tmp_path / "server.log", env=env, args=["--workers", "2"]).start()
        try:
            assert server.process is not None
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
                sock.sendall(_request(685)[:-5])
                time.sleep(0.3)
                server.process.send_signal(signal.SIGTERM)
                # The body timeout is ten minutes; the grace period ends it (the wait fails the test if not).
                server.process.wait(timeout=60)
        finally:
            server.stop()


@pytest.mark.parametrize(("first", "second"), [(1, 1), (1, 2), (2, 1), (2, 2)])
def test_a_second_server_on_a_taken_port_fails_with_one_line(first: int, second: int, tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url_a, fresh_database("sqlite", tmp_path) as url_b:
        server = LiveServer(url_a, tmp_path / "server.log", args=["--workers", str(first)]).start()
        try:
            cmd = [sys.executable, "-m", "sodiary.cli", "serve", "--host", "127.0.0.1", "--port", str(server.port),
                   "--workers", str(second)]
            done = subprocess.run(cmd, env=dict(os.environ, DATABASE_URL=url_b), capture_output=True, timeout=120)
            assert done.returncode == 1
            assert done.stderr.decode().splitlines() == [
                f"sodiary: cannot listen on 127.0.0.1:{server.port}: the port is in use (is another server running?)"]
            assert not Path(url_b.removeprefix("sqlite:///")).exists(), "the database was touched"
            statuses = {_accept(server.port, 685) for _ in range(20)}  # every connection reaches the first server
            assert statuses == {"204"}
        finally:
            server.stop()
