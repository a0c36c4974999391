"""A real HTTP receiver for webhook tests: a threaded http.server on a free loopback port."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET = "s3cret-for-tests"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value

    @property
    def event(self) -> str:
        return str(self.json["Event"])

    def signed_with(self, secret: str) -> bool:
        expected = base64.b64encode(hmac.new(secret.encode(), self.body, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, self.headers.get("x-superoffice-signature", ""))


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (then 200), and keeps what it got."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def events(self, name: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if name is None or r.event == name]

    def wait_for(self, check: Callable[[list[Received]], bool], timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while True:
            got = self.events()
            if check(got):
                return got
            if time.monotonic() > deadline:
                raise AssertionError(f"receiver did not get what was expected; got {[r.json for r in got]}")
            time.sleep(0.05)


def receiving(statuses: list[int] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(statuses=list(statuses or [])).start()
    try:
        yield receiver
    finally:
        receiver.stop()


WEBHOOK_ENV = {"SODIARY_WEBHOOK_ADMINS": "ada", "SODIARY_WEBHOOK_ALLOW_HTTP": "true",
               "SODIARY_WEBHOOK_ALLOW_PRIVATE": "true", "SODIARY_OUTBOX_POLL_SECONDS": "0.2",
               "SODIARY_OUTBOX_RETRY_SECONDS": "0.2"}
