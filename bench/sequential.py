"""A single sequential client (one keep-alive connection) for latency measurements without load."""

from __future__ import annotations

import http.client
import json
import time

from accept import ACCEPT_PATH, CLIENT_HEADERS, INVITEE, PASSWORD, basic_auth

REJECT_PATH = "/api/v1/Agents/Appointment/Reject"
HEADERS = dict(CLIENT_HEADERS, Authorization=basic_auth(INVITEE, PASSWORD))


class Client:
    def __init__(self, port: int) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, path: str, appointment_id: int, update_mode: str = "OnlyThis") -> tuple[int, float]:
        """(status, milliseconds) of one agent call naming one appointment."""
        body = json.dumps({"AppointmentId": appointment_id, "UpdateMode": update_mode}).encode()
        began = time.perf_counter()
        self._conn.request("POST", path, body, HEADERS)
        response = self._conn.getresponse()
        response.read()
        return response.status, (time.perf_counter() - began) * 1000

    def accept(self, appointment_id: int, update_mode: str = "OnlyThis") -> tuple[int, float]:
        return self.post(ACCEPT_PATH, appointment_id, update_mode)

    def reject(self, appointment_id: int, update_mode: str = "OnlyThis") -> tuple[int, float]:
        return self.post(REJECT_PATH, appointment_id, update_mode)

    def close(self) -> None:
        self._conn.close()
