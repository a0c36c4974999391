"""The operator's command line, run as a process: refusals as one line, demo data only when asked, users,
migrations, and the database named on every command."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from sodiary.service.passwords import verify_password
from sodiary.store import associates
from sodiary.store.database import normalise_url
from sodiary.store.migrate import head_revision
from sodiary.store.schema import appointment, associate
from tests.support.databases import BACKENDS, fresh_database
from tests.support.server import LiveServer, free_port

OURS = ("DATABASE_URL", "HOST", "PORT")


def sodiary(*args: str, url: str | None = None, env: dict[str, str] | None = None, stdin: str | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m sodiary.cli ARGS` with only the settings given here (none inherited from the test run)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SODIARY_") and k not in OURS}
    environment.update(env or {})
    if url is not None:
        environment["DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "sodiary.cli", *args], env=environment, cwd=cwd,
                          input=stdin, stdin=subprocess.DEVNULL if stdin is None else None,
                          capture_output=True, text=True, timeout=120)


def refusal(out: subprocess.CompletedProcess[str], status: int) -> str:
    """The one line a refused command prints after naming its database (and migrating it)."""
    assert out.returncode == status, out.stderr
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines()
             if not line.startswith(("sodiary: database ", "sodiary: migrated the schema"))]
    assert len(lines) == 1, out.stderr
    return lines[0]


def users(url: str) -> dict[str, str]:
    out = sodiary("user", "list", "--all", url=url)
    assert out.returncode == 0, out.stderr
    return {fields[0]: fields[2] for fields in (line.split("\t") for line in out.stdout.splitlines())}


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(str(request.param), tmp_path) as database_url:
        yield database_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sodiary.db'}"


# ---- settings -----------------------------------------------------------------------------------------------

COMMANDS = [["serve"], ["migrate"], ["init"], ["demo"], ["config"], ["user", "list"],
            ["user", "add", "someone", "--password", "Long-enough-1"], ["app", "list"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_misspelt_durability_level_stops_every_command_with_one_line_and_status_2(
    command: list[str], sqlite_url: str, tmp_path: Path
) -> None:
    out = sodiary(*command, url=sqlite_url, env={"SODIARY_SQLITE_SYNCHRONOUS": "FUL"})
    assert out.returncode == 2
    assert out.stderr == "sodiary: SODIARY_SQLITE_SYNCHRONOUS='FUL' is not valid: one of OFF, NORMAL, FULL, EXTRA\n"
    assert out.stdout == ""
    assert not (tmp_path / "sodiary.db").exists(), "nothing was touched"


@pytest.mark.parametrize(("variable", "value"), [
    ("SODIARY_TIME_ZONE", "Europe/Olso"), ("SODIARY_REQUIRE_APP_TOKEN", "enabled"), ("SODIARY_LOG_LEVEL", "loud"),
    ("SODIARY_WORKERS", "-1"), ("PORT", "http"), ("SODIARY_POOL_SIZE", "0"),
])
def test_the_server_refuses_a_bad_value_before_it_claims_to_serve(variable: str, value: str, sqlite_url: str) -> None:
    out = sodiary("serve", url=sqlite_url, env={variable: value})
    line = refusal(out, 2)
    assert line.startswith(f"sodiary: {variable}={value!r} is not valid: ")
    assert "serving" not in out.stderr


def test_config_prints_every_setting_with_the_secrets_masked(tmp_path: Path) -> None:
    secrets = {"SODIARY_SECRET": "cache-s3cret", "SODIARY_JWT_SECRET": "jwt-s3cret",
               "DATABASE_URL": "postgresql://sodiary:pg-s3cret@db.example/diary"}
    out = sodiary("config", env={**secrets, "SODIARY_TIME_ZONE": "Europe/Oslo"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for value in ("cache-s3cret", "jwt-s3cret", "pg-s3cret"):
        assert value not in out.stdout + out.stderr
    lines = dict(line.split("=", 1) for line in out.stdout.splitlines() if not line.startswith("#"))
    assert lines["SODIARY_SECRET"] == "********\t# environment"
    assert lines["SODIARY_TIME_ZONE"] == "Europe/Oslo\t# environment"
    assert lines["SODIARY_SQLITE_SYNCHRONOUS"] == "FULL\t# default"
    assert "# database: PostgreSQL postgresql://sodiary:***@db.example/diary" in out.stdout.splitlines()


def test_config_names_the_sqlite_file_by_its_absolute_path(tmp_path: Path) -> None:
    out = sodiary("config", env={"DATABASE_URL": "sqlite:///data/diary.db"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert f"# database: SQLite file {tmp_path.resolve() / 'data' / 'diary.db'} (not created yet)" in out.stdout


def test_every_command_names_the_database_it_used_on_stderr(tmp_path: Path) -> None:
    out = sodiary("user", "list", env={"DATABASE_URL": "sqlite:///here.db"}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines()[0] == f"sodiary: database {tmp_path.resolve() / 'here.db'}"


def test_version_prints_the_installed_version() -> None:
    out = sodiary("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("sodiary ") and out.stdout.strip() != "sodiary"


# ---- start-up failures ----------------------------------------------------------------------------------------


def test_a_port_in_use_is_one_line_before_anything_claims_to_serve(sqlite_url: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = sodiary("serve", "--port", str(port), url=sqlite_url)
    assert refusal(out, 1).startswith(f"sodiary: cannot listen on 127.0.0.1:{port}: ")
    assert "serving" not in out.stderr


def test_a_database_that_does_not_answer_is_one_line() -> None:
    out = sodiary("serve", url=f"postgresql://postgres@127.0.0.1:{free_port()}/sodiary")
    assert refusal(out, 1).startswith("sodiary: cannot open the database postgresql://postgres@127.0.0.1:")


def test_a_database_folder_that_cannot_be_created_is_one_line() -> None:
    out = sodiary("migrate", url="sqlite:////proc/sodiary/diary.db")
    assert refusal(out, 1) == "sodiary: cannot create the database folder /proc/sodiary: No such file or directory"


def test_a_key_file_that_holds_no_keys_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    jwks.write_text("this is not JSON")
    out = sodiary("serve", "--port", str(free_port()), url=sqlite_url, env={"SODIARY_JWKS_FILE": str(jwks)})
    assert refusal(out, 1).startswith("sodiary: cannot start: JSONDecodeError: ")
    assert "serving" not in out.stderr


# ---- migrations ---------------------------------------------------------------------------------------------


def test_migrate_brings_a_new_database_to_the_newest_schema(url: str) -> None:
    out = sodiary("migrate", url=url)
    assert out.returncode == 0, out.stderr
    assert f"sodiary: the schema is at revision {head_revision()}, this version's newest" in out.stderr
    assert "migrated the schema from an empty database" in out.stderr


def test_migrate_and_serve_refuse_a_database_whose_schema_is_newer_than_the_code(url: str) -> None:
    assert sodiary("migrate", url=url).returncode == 0
    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for command in (["migrate"], ["serve"], ["user", "list"]):
        out = sodiary(*command, url=url)
        assert refusal(out, 1) == (f"sodiary: the database's schema (revision 9999) is newer than this sodiary's "
                                   f"(revision {head_revision()}): upgrade sodiary or use another database")
        assert "serving" not in out.stderr


# ---- demo data ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [[], ["--no-demo"]], ids=["plain", "no-demo"])
def test_a_plain_serve_loads_no_demo_users(url: str, tmp_path: Path, args: list[str]) -> None:
    server = LiveServer(url, tmp_path / "server.log", demo=False, args=args).start()
    try:
        with server.client("tje0") as tje0:
            assert tje0.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 685}).status_code == 401
    finally:
        server.stop()
    assert users(url) == {}


def test_serve_with_demo_leaves_a_database_that_has_users_alone(url: str, tmp_path: Path) -> None:
    assert sodiary("user", "add", "real", "--password", "Long-enough-1", url=url).returncode == 0
    server = LiveServer(url, tmp_path / "server.log").start()
    server.stop()
    assert users(url) == {"real": "enabled"}
    assert "WARNING" not in server.log(), "on loopback the demo passwords reach nobody else"


def test_demo_reset_loads_the_demo_afresh_into_a_demo_only_database(url: str) -> None:
    assert sodiary("demo", url=url).returncode == 0
    assert sodiary("user", "disable", "tje0", url=url).returncode == 0
    assert sodiary("user", "remove", "ben", url=url).returncode == 0
    out = sodiary("demo", "--reset", url=url)
    assert out.returncode == 0, out.stderr
    assert users(url) == {"ada": "enabled", "ben": "enabled", "tje0": "enabled"}
    engine = create_engine(normalise_url(url))
    with engine.connect() as conn:
        assert conn.execute(select(func.min(associate.c.associate_id))).scalar_one() == 1, "ids start again"
        assert conn.execute(select(appointment.c.associate_id).where(appointment.c.appointment_id == 685)).scalar()
    engine.dispose()


def test_demo_reset_refuses_a_database_with_other_users_unless_forced(url: str) -> None:
    assert sodiary("demo", url=url).returncode == 0
    assert sodiary("user", "add", "real", "--password", "Long-enough-1", url=url).returncode == 0
    line = refusal(sodiary("demo", "--reset", url=url), 1)
    assert "holds more than the demo data" in line and "--force" in line
    assert "real" in users(url)
    assert sodiary("demo", "--reset", "--force", url=url).returncode == 0
    assert users(url) == {"ada": "enabled", "ben": "enabled", "tje0": "enabled"}


def test_demo_refuses_to_load_into_a_database_with_users(sqlite_url: str) -> None:
    assert sodiary("user", "add", "real", "--password", "Long-enough-1", url=sqlite_url).returncode == 0
    assert "already has users" in refusal(sodiary("demo", url=sqlite_url), 1)
    assert users(sqlite_url) == {"real": "enabled"}


def test_the_server_warns_loudly_when_demo_passwords_are_reachable_from_other_machines(sqlite_url: str) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SODIARY_") and k not in OURS}
    process = subprocess.Popen([sys.executable, "-m", "sodiary.cli", "serve", "--demo", "--host", "0.0.0.0",
                                "--port", str(port)], env=dict(env, DATABASE_URL=sqlite_url),
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert process.stderr is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any("serving" in line for line in lines):
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
    finally:
        process.terminate()
        process.wait(timeout=30)
    warnings = [i for i, line in enumerate(lines) if line.startswith("sodiary: WARNING: ")]
    serving = [i for i, line in enumerate(lines) if line.startswith("sodiary: serving")]
    assert warnings and serving and warnings[0] < serving[0], lines
    assert "ada, ben, tje0" in lines[warnings[0]] and "0.0.0.0" in lines[warnings[0]]


# ---- users --------------------------------------------------------------------------------------------------


def test_user_list_shows_each_user_with_id_state_and_full_name(url: str) -> None:
    assert sodiary("demo", url=url).returncode == 0
    assert sodiary("user", "disable", "ben", url=url).returncode == 0
    out = sodiary("user", "list", url=url)
    assert out.returncode == 0, out.stderr
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("ada", "enabled", "Ada Lovelace", "ada@example.com"),
        ("ben", "disabled", "Ben Hansen", "ben@example.com"),
        ("tje0", "enabled", "Tore Jensen", "tje0@example.com"),
    ]
    assert all(r[1].isdigit() for r in rows)


def test_removing_a_user_nothing_refers_to_deletes_them_and_frees_the_name(url: str) -> None:
    assert sodiary("user", "add", "temp", "--password", "Long-enough-1", url=url).returncode == 0
    out = sodiary("user", "remove", "temp", url=url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("deleted: temp")
    assert users(url) == {}
    assert sodiary("user", "add", "temp", "--password", "Long-enough-1", url=url).returncode == 0


def test_removing_a_user_with_appointments_retires_them_and_keeps_every_row(url: str, tmp_path: Path) -> None:
    env = {"SODIARY_CREDENTIAL_RECHECK_SECONDS": "0"}
    server = LiveServer(url, tmp_path / "server.log", env=env).start()
    engine = create_engine(normalise_url(url))
    try:
        def rows() -> list[tuple[object, ...]]:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(select(appointment).order_by(appointment.c.appointment_id))]

        before = rows()
        with server.client("tje0") as tje0:
            assert tje0.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 686 - 1}).status_code == 204
            after_accept = rows()
            out = sodiary("user", "remove", "tje0", url=url)
            assert out.returncode == 0, out.stderr
            assert out.stdout.startswith("retired: tje0")
            refused = tje0.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 685})
            assert refused.status_code == 401, "their credentials ended"
        assert rows() == after_accept != before, "their appointments and invitations stay as they were"
        assert "tje0" not in sodiary("user", "list", url=url).stdout
        assert users(url)["tje0"] == "retired"
        assert sodiary("user", "add", "tje0", "--password", "Long-enough-1", url=url).returncode == 1
        assert sodiary("user", "enable", "tje0", url=url).returncode == 0
        assert users(url)["tje0"] == "enabled"
        with httpx.Client(base_url=server.url, auth=("tje0", "Tje0")) as tje0:
            assert tje0.post("/api/v1/Agents/Appointment/Accept", json={"AppointmentId": 685}).status_code == 204
    finally:
        engine.dispose()
        server.stop()


def test_removing_an_unknown_user_fails(sqlite_url: str) -> None:
    assert refusal(sodiary("user", "remove", "nobody", url=sqlite_url), 1) == "no such user: nobody"


@pytest.mark.parametrize(("name", "reason"), [
    ("", "the user name is empty"), ("   ", "the user name is empty"),
    (" ada", "begins or ends with white space"), ("a:b", "contains ':'"), ("x" * 51, "longer than 50"),
])
def test_a_user_name_that_could_not_sign_in_is_refused(name: str, reason: str, sqlite_url: str) -> None:
    line = refusal(sodiary("user", "add", name, "--password", "Long-enough-1", url=sqlite_url), 2)
    assert reason in line
    assert users(sqlite_url) == {}


def test_an_empty_line_piped_as_the_password_is_refused(sqlite_url: str) -> None:
    out = sodiary("user", "add", "piped", url=sqlite_url, stdin="\n")
    assert refusal(out, 2) == "sodiary: the password is empty"
    assert users(sqlite_url) == {}


def test_an_empty_password_option_without_a_terminal_is_refused_not_a_crash(sqlite_url: str) -> None:
    out = sodiary("user", "add", "blank", "--password", "", url=sqlite_url)
    assert refusal(out, 2) == "sodiary: the password is empty"


def test_no_password_and_nothing_on_standard_input_is_refused(sqlite_url: str) -> None:
    out = sodiary("user", "add", "quiet", url=sqlite_url)
    assert refusal(out, 2) == "sodiary: no password on standard input"


def test_a_password_shorter_than_the_policy_is_refused_naming_the_setting(sqlite_url: str) -> None:
    out = sodiary("user", "add", "shorty", "--password", "Short-1", url=sqlite_url)
    assert refusal(out, 2) == "sodiary: the password is shorter than 8 characters (SODIARY_PASSWORD_MIN_LENGTH)"
    allowed = sodiary("user", "add", "shorty", "--password", "Short-1", url=sqlite_url,
                      env={"SODIARY_PASSWORD_MIN_LENGTH": "6"})
    assert allowed.returncode == 0, allowed.stderr


def test_password_stdin_sets_the_password_from_the_first_line(sqlite_url: str) -> None:
    out = sodiary("user", "add", "scripted", "--password-stdin", url=sqlite_url, stdin="Correct horse 1\nignored\n")
    assert out.returncode == 0, out.stderr
    changed = sodiary("user", "passwd", "scripted", "--password-stdin", url=sqlite_url, stdin="Battery staple 2\n")
    assert changed.returncode == 0, changed.stderr
    engine = create_engine(normalise_url(sqlite_url))
    with engine.connect() as conn:
        login = associates.find_login(conn, "scripted")
    engine.dispose()
    assert login is not None
    assert verify_password(login.password_hash, "Battery staple 2")
    assert not verify_password(login.password_hash, "Correct horse 1")
