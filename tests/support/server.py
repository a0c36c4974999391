"""The real server, started as a process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    database_url: str
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    demo: bool = True
    args: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=self.database_url, SODIARY_LOG_LEVEL="warning", **self.env)
        cmd = [sys.executable, "-m", "sodiary.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if self.demo:
            cmd.append("--demo")
        cmd.extend(self.args)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def client(self, user: str | None = None, password: str | None = None) -> httpx.Client:
        auth = (user, password if password is not None else DEMO_PASSWORDS.get(user, "")) if user else None
        return httpx.Client(base_url=self.url, auth=auth, timeout=30)


DEMO_PASSWORDS = {"tje0": "Tje0", "ada": "Ada", "ben": "Ben"}
