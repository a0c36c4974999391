"""schemathesis against the live server: whatever it generates from /api/openapi.json, the server answers
without a 5xx and as the document says — status codes, content types, headers, body schemas (`$select`
included), 401 without credentials, 405 with `Allow` for an undocumented method — and the document says
what the server takes: a request it allows is not refused as malformed (`positive_data_acceptance`), a
request it forbids is refused (`negative_data_rejection`).

The schemathesis command line runs (not its pytest plugin, whose lazy loader does not run under this
pytest), with `--checks all`. What "accepted" and "refused" mean is in CONFIG: a schema-valid request
may still be a 404 (an id that names nothing), 401/403 (rights), 409/412 (the row's state, a stale
precondition), 413 (size) or the documented 501 — never a 400, except on the operations DATA_EXCEPTIONS
names, each with the rule JSON Schema cannot express (an end before its start, a name that must be
given, the $filter grammar, ...; docs/decisions.md, "Data checks"). Everything a schema can say — dates
that exist, no U+0000 in text, required members, id ranges, the columns of `$select` and `$orderBy` — the
document says. One schemathesis quirk is filtered (schemathesis_hooks.py: a `null` it captured from a
`$select`ed answer and sent as an integer parameter).

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

ROOT = Path(__file__).resolve().parents[2]  # tests.e2e.schemathesis_hooks is imported from here

# The failed logins that ignored_auth sends on purpose would soon be answered 429, which says nothing
# about the operation; throttling has its own tests (test_auth*.py). A video meeting provider is set, so
# that Create/DeleteVideoMeetingReservation answer as on a server that offers them.
SERVER_ENV = {"SODIARY_AUTH_FAILURES_PER_USER": "100000000", "SODIARY_AUTH_FAILURES_PER_ADDRESS": "100000000",
              "SODIARY_VIDEO_MEETING_URL": "https://meet.example/sodiary-{id}"}
JSON_BODIES = ("application/json", "text/json")
# 501 is the documented answer of a method sodiary does not implement (yet); every other 5xx fails.
# A request the document allows may still be refused for what JSON Schema cannot say: an id that names
# nothing (404), rights (401, 403), the row's state or a failed JSON Patch `test` (409), a stale
# If-Unmodified-Since (412), a body over the configured size (413), the 501 above. Never 400 wholesale:
# a 400 says the document let a malformed request through — except where DATA_EXCEPTIONS names why.
ACCEPTED = ["2xx", "304", "401", "403", "404", "409", "412", "413", "501"]
# What the document forbids must be refused: any 4xx that names the request's fault, or the 501 of a
# method that reads nothing. Never 5xx (schemathesis' default allows it). A 412 too: a conditional request's
# preconditions are evaluated before its content is read (RFC 9110 §13.2.1), so a stale If-Match wins over a
# missing PATCH body.
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415", "422", "501"]
# Operations whose schema-valid requests may be a 400 for a rule JSON Schema cannot express, and the rule.
AGENT = "POST /api/v1/Agents/Appointment/"
_ENTITY = ("an appointment needs a StartDate and an EndDate, the end not before the start, and the people, "
           "companies and projects it names must exist")
_NAME = "a company and a project need a name, a person a first or last name, a task list item a Value"
_SPAN = "the end not before the start, and at most 1000 days between them"
_FILTER = "$filter is SuperOffice's filter language, whose grammar no regular expression holds"
DATA_EXCEPTIONS: dict[str, str] = {
    **{AGENT + name: _ENTITY for name in (
        "Save", "SaveAppointmentEntity", "SaveWithCustomInvitation", "CreateAppointmentForUID",
        "GetAppointmentEmailInvitation", "WillSendEmail", "CalculateDays", "ValidateDays")},
    **{f"{verb} /api/v1/Appointment{path}": _ENTITY
       for verb, path in (("POST", ""), ("PUT", "/{id}"), ("PATCH", "/{id}"))},
    **{f"POST /api/v1/Agents/{kind}/Save{kind}Entity": _NAME for kind in ("Contact", "Person", "Project")},
    **{f"{verb} /api/v1/{kind}{path}": _NAME for kind in ("Contact", "Person", "Project")
       for verb, path in (("POST", ""), ("PUT", "/{id}"), ("PATCH", "/{id}"))},
    AGENT + "SaveTaskListItem": _NAME,
    **{AGENT + f"Get{kind}InformationListByDatesAndAssociate": _SPAN for kind in ("RedLetter", "Day", "Activity")},
    AGENT + "GetNextAvailableTime": "EndTime after StartTime: their difference is the appointment's length",
    AGENT + "GetDiaryByGroup": "GroupType Usergroup only: sodiary has no user-defined diary groups nor resources",
    AGENT + "SetActivityStatus": "ActivityStatus NotStarted, Started or Completed: Unknown is no status to set",
    AGENT + "GetPersonDiary": "the person must exist",
    AGENT + "CreateDefaultAppointmentEntityByTypeAndAssociate": "the associate must exist",
    AGENT + "AssignTo": "a booking's rows cannot be given to another associate: the row's kind, not the request's",
    **{AGENT + name: "a booking its organiser deleted cannot be moved, nor a rejection of it acknowledged: "
                     "the row's state, not the request's"
       for name in ("Move", "MoveWithEmail", "MoveExtended", "AcceptRejected")},
    AGENT + "UpdateAppointmentFromIcsResponse": "IcsData must be an iCalendar REPLY to one of the caller's meetings",
    "POST /api/v1/Sodiary/Logout": "Logout revokes a ticket: Basic credentials are valid, but there is none",
    "DELETE /api/v1/Sodiary/Session": "closing a session needs the session cookie; Basic credentials have none",
    **{f"GET /api/v1/{path}": _FILTER for path in (
        "Appointment", "Person", "Contact", "Associate", "Project", "Appointment/{id}/Participants",
        "Appointment/{id}/Links")},
}


def toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{i}"' for i in items) + "]"


CONFIG = f"""
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "501"]

[checks.positive_data_acceptance]
expected-statuses = {toml_list(ACCEPTED)}

[checks.negative_data_rejection]
expected-statuses = {toml_list(REFUSED)}
""" + "".join(f"""
[[operations]]
include-name = "{name}"
checks.positive_data_acceptance.expected-statuses = {toml_list([*ACCEPTED, "400"])}
""" for name in DATA_EXCEPTIONS)
OPERATIONS = 194  # the Appointment agent's 113, the people and Project agents, WebhookAgent, REST, login, page helpers
COVERAGE_REQUESTS = 58_000  # measured: the coverage phase's fixed set for this document


@pytest.fixture(scope="module")
def fuzz_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(database_url, tmp_path_factory.mktemp("log") / "server.log", env=SERVER_ENV).start()
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
        "--checks", "all",
        "--auth", "ada:Ada", "--phases", phases, "--max-examples", str(examples), "--seed", str(seed),
        "--workers", "1", "--request-timeout", "30", "--suppress-health-check", "all",
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]
    started = time.monotonic()
    limit = 4 * 3600 if "coverage" in phases else 1800  # bounded: a hung server fails the run, never stalls it
    env = dict(os.environ, SCHEMATHESIS_HOOKS="tests.e2e.schemathesis_hooks",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=limit, check=False)
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


def test_every_operation_answers_as_its_document_says(fuzz_server: LiveServer, backend: str, tmp_path: Path) -> None:
    phases = os.environ.get("SODIARY_FUZZ_PHASES", "examples,fuzzing,stateful")
    requested = os.environ.get("SODIARY_FUZZ_REQUESTS")
    examples = examples_for(int(requested), phases) if requested else 4
    examples = int(os.environ.get("SODIARY_FUZZ_EXAMPLES") or examples)
    run = run_schemathesis(fuzz_server, tmp_path, examples=examples, phases=phases,
                           seed=int(os.environ.get("SODIARY_FUZZ_SEED", "1")))
    summary = (f"schemathesis ({phases}; {examples} examples per operation): {run.requests} requests "
               f"in {run.seconds:.0f} s, exit {run.returncode}")
    # A long run's report outgrows any message: kept whole in a file, so that every failure can be read.
    report = ROOT / "var" / f"schemathesis-{backend}.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text(f"{summary}\n{run.output}", encoding="utf-8")
    print(f"{summary}; report in {report}")
    assert run.requests > OPERATIONS, f"{summary}\n{run.output[-5000:]}"  # every operation was exercised
    assert run.returncode == 0, f"{summary} (whole report: {report})\n{run.output[-20000:]}"
