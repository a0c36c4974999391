"""The founding document's sample request, sent byte for byte to a fresh install with the demo data."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest

from sodiary.domain.enums import AppointmentStatus as S
from sodiary.domain.enums import AppointmentType as T
from tests.support.seed import Seeder
from tests.support.server import LiveServer

SAMPLE_BODY = b'{\n  "AppointmentId": 685,\n  "UpdateMode": "OnlyThis"\n}'
SAMPLE_HEADERS = [
    b"POST /api/v1/Agents/Appointment/Accept HTTP/1.1",
    b"Authorization: Basic dGplMDpUamUw",
    b"Accept: application/json; charset=utf-8",
    b"Accept-Language: en",
    b"Content-Type: application/json; charset=utf-8",
]


def _raw_request(server: LiveServer) -> bytes:
    head = [*SAMPLE_HEADERS, f"Host: 127.0.0.1:{server.port}".encode(), f"Content-Length: {len(SAMPLE_BODY)}".encode()]
    request = b"\r\n".join(head) + b"\r\n\r\n" + SAMPLE_BODY
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request)
        # The connection stays open (keep-alive): read until the head is complete, then a moment more.
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        sock.settimeout(0.3)
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except TimeoutError:
            pass
    return data


def test_sample_request_gets_204_without_a_body_and_accepts_tje0s_invitation(fresh_server: LiveServer) -> None:
    response = _raw_request(fresh_server)
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 204 No Content")
    assert b"content-type: application/json; charset=utf-8" in head.lower()
    assert body == b""
    seeder = Seeder(fresh_server.database_url)
    try:
        assert seeder.state(685) == (S.NotStarted, T.inDiary)
        mother = seeder.row(685)["mother_id"]
        assert seeder.state(mother) == (S.NotStarted, T.inDiary)
        [answer] = seeder.history(685)
        assert (answer["operation"], answer["from_status"], answer["to_status"]) == ("Accept", 5, 1)
        assert answer["scheme"] == "Basic"
    finally:
        seeder.close()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_sample_request_with_curl_gets_204(fresh_server: LiveServer) -> None:
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
         f"{fresh_server.url}/api/v1/Agents/Appointment/Accept",
         "-H", "Authorization: Basic dGplMDpUamUw", "-H", "Accept: application/json; charset=utf-8",
         "-H", "Accept-Language: en", "-H", "Content-Type: application/json; charset=utf-8",
         "--data-binary", SAMPLE_BODY.decode()],
        capture_output=True, text=True, timeout=30, check=True,
    )
    assert out.stdout == "204"
