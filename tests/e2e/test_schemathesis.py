"""schemathesis against the live server: whatever it generates from /api/openapi.json, the server answers
without a 5xx and as the document says — status codes, content types, headers, body schemas (`$select`
included), 401 without credentials, 405 with `Allow` for an undocumented method.

The schemathesis command line runs (not its pytest plugin, whose lazy loader does not run under this
pytest), with `--checks all` except the two that judge the *data* rather than the answer:
`positive_data_acceptance` and `negative_data_rejection` expect every request the schema allows to
succeed and every other one to be refused, and no JSON Schema says "a date that exists", "a person id
that exists" or "EndDate after StartDate" (docs/decisions.md, "The OpenAPI document"). What the
schema can say — the members and parameters the server requires — it says, and
test_openapi.py checks that it does.

Bodies are generated as JSON (`application/json`, `text/json`): the XML, form and patch types carry the
same members in another syntax, and the generator's own renderings of them (an array as sibling root
elements, nested objects as form fields) are not what a client sends.

`make test` runs a bounded search (examples, fuzzing and stateful phases; a fixed seed, so a failure
reproduces); `make fuzz` adds the coverage phase and many more requests (FUZZ_REQUESTS, docs/fuzzing.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import LiveServer

# The failed logins that ignored_auth sends on purpose would soon be answered 429, which says nothing
# about the operation; throttling has its own tests (test_auth*.py).
UNTHROTTLED = {"SODIARY_AUTH_FAILURES_PER_USER": "100000000", "SODIARY_AUTH_FAILURES_PER_ADDRESS": "100000000"}
JSON_BODIES = ("application/json", "text/json")
DATA_CHECKS = "positive_data_acceptance,negative_data_rejection"
# 501 is the documented answer of a method sodiary does not implement (yet); every other 5xx fails.
CONFIG = """
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "501"]
"""
OPERATIONS = 194  # the Appointment agent's 113, the people and Project agents, WebhookAgent, REST, login, page helpers
COVERAGE_REQUESTS = 58_000  # measured: the coverage phase's fixed set for this document


@pytest.fixture(scope="module")
def fuzz_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(database_url, tmp_path_factory.mktemp("log") / "server.log", env=UNTHROTTLED).start()
    try:
        yield live
    finally:
        live.stop()


@dataclass
class Run:
    returncode: int
    output: str
    requests: int
    seconds: float


def json_bodies_only(doc: dict[str, Any]) -> dict[str, Any]:
    for item in doc["paths"].values():
        for op in item.values():
            body = op.get("requestBody")
            if body is not None:
                body["content"] = {t: c for t, c in body["content"].items() if t in JSON_BODIES}
    return doc


def count_requests(ndjson: Path) -> int:
    total = 0
    with ndjson.open(encoding="utf-8") as events:
        for line in events:
            if not line.startswith('{"ScenarioFinished"'):
                continue
            recorder = json.loads(line)["ScenarioFinished"].get("recorder") or {}
            total += len(recorder.get("interactions") or {})
    return total


def run_schemathesis(server: LiveServer, workdir: Path, *, examples: int, phases: str, seed: int) -> Run:
    doc = httpx.get(f"{server.url}/api/openapi.json", timeout=30).json()
    assert sum(len(item) for item in doc["paths"].values()) == OPERATIONS
    (workdir / "openapi.json").write_text(json.dumps(json_bodies_only(doc)), encoding="utf-8")
    (workdir / "schemathesis.toml").write_text(CONFIG, encoding="utf-8")
    report = workdir / "events.ndjson"
    cmd = [
        sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(workdir / "schemathesis.toml"),
        "run", str(workdir / "openapi.json"), "--url", server.url,
        "--checks", "all", "--exclude-checks", DATA_CHECKS,
        "--auth", "ada:Ada", "--phases", phases, "--max-examples", str(examples), "--seed", str(seed),
        "--workers", "1", "--request-timeout", "30", "--suppress-health-check", "all",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    started = time.monotonic()
    limit = 4 * 3600 if "coverage" in phases else 1800  # bounded: a hung server fails the run, never stalls it
    done = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=limit, check=False)
    seconds = time.monotonic() - started
    requests = count_requests(report) if report.exists() else 0
    report.unlink(missing_ok=True)  # every request and answer: large, and nothing to keep once counted
    return Run(done.returncode, done.stdout + done.stderr, requests, seconds)


def examples_for(requests: int, phases: str) -> int:
    """Examples per operation for about `requests` requests: the coverage phase sends a fixed set (every
    parameter's boundary and invalid values), the examples phase one per documented example, the fuzzing
    phase up to one per example and operation."""
    fixed = COVERAGE_REQUESTS if "coverage" in phases else 0
    return max(1, (requests - fixed) // OPERATIONS)


def test_every_operation_answers_as_its_document_says(fuzz_server: LiveServer, tmp_path: Path) -> None:
    phases = os.environ.get("SODIARY_FUZZ_PHASES", "examples,fuzzing,stateful")
    requested = os.environ.get("SODIARY_FUZZ_REQUESTS")
    examples = examples_for(int(requested), phases) if requested else 4
    examples = int(os.environ.get("SODIARY_FUZZ_EXAMPLES") or examples)
    run = run_schemathesis(fuzz_server, tmp_path, examples=examples, phases=phases,
                           seed=int(os.environ.get("SODIARY_FUZZ_SEED", "1")))
    summary = (f"schemathesis ({phases}; {examples} examples per operation): {run.requests} requests "
               f"in {run.seconds:.0f} s, exit {run.returncode}")
    print(summary)
    assert run.requests > OPERATIONS, f"{summary}\n{run.output[-5000:]}"  # every operation was exercised
    assert run.returncode == 0, f"{summary}\n{run.output[-20000:]}"
