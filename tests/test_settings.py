"""Settings: one table, every value validated, no silent fallback, and the README's table generated from it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sodiary.config import (
    SETTINGS,
    SettingError,
    Settings,
    default_database_url,
    markdown_table,
    source_checkout,
    unknown_variables,
)

README = Path(__file__).resolve().parent.parent / "README.md"

BAD_VALUES = [
    ("SODIARY_SQLITE_SYNCHRONOUS", "FUL", "OFF, NORMAL, FULL, EXTRA"),
    ("SODIARY_TIME_ZONE", "Europe/Olso", "IANA time zone"),
    ("SODIARY_TIME_ZONE", "../../etc/passwd", "IANA time zone"),
    ("SODIARY_REQUIRE_APP_TOKEN", "enabled", "true/false"),
    ("SODIARY_LOG_LEVEL", "verbose", "critical, error, warning, info, debug, trace"),
    ("PORT", "eighty", "whole number from 1 to 65535"),
    ("PORT", "70000", "whole number from 1 to 65535"),
    ("SODIARY_WORKERS", "0", "whole number from 1 up"),
    ("SODIARY_POOL_SIZE", "-1", "whole number from 1 up"),
    ("SODIARY_CREDENTIAL_CACHE_SECONDS", "-5", "whole number from 0 up"),
    ("SODIARY_CREDENTIAL_RECHECK_SECONDS", "1.5", "whole number from 0 up"),
    ("SODIARY_MAX_BODY_BYTES", "1MB", "whole number from 1 up"),
    ("SODIARY_PASSWORD_MIN_LENGTH", "0", "whole number from 1 up"),
    ("SODIARY_JWKS_FILE", "/nonexistent/jwks.json", "readable file"),
    ("DATABASE_URL", "mysql://db/sodiary", "sqlite:///PATH or postgresql://"),
    ("DATABASE_URL", "sqlite://", "SQLite file path"),
    ("DATABASE_URL", "not a url", "sqlite:///PATH or postgresql://"),
]


@pytest.mark.parametrize(("variable", "value", "allowed"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_variable_the_value_and_what_is_allowed(
    variable: str, value: str, allowed: str
) -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"sodiary: {variable}=")
    assert allowed in message
    if variable != "DATABASE_URL" or value != "not a url":
        assert repr(value) in message


def test_a_secret_that_cannot_be_read_is_not_echoed() -> None:
    with pytest.raises(SettingError) as caught:
        Settings.from_env({"DATABASE_URL": "mysql://sodiary:hunter2@db/sodiary"})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("1", True), ("YES", True), (" on ", True), ("false", False), ("0", False), ("No", False),
    ("off", False),
])
def test_booleans_take_the_eight_usual_words(text: str, expected: bool) -> None:
    assert Settings.from_env({"SODIARY_REQUIRE_APP_TOKEN": text}).require_app_token is expected


def test_an_empty_variable_counts_as_unset() -> None:
    settings = Settings.from_env({"SODIARY_TIME_ZONE": "", "PORT": " ", "SODIARY_SQLITE_SYNCHRONOUS": ""})
    assert (settings.time_zone, settings.port, settings.sqlite_synchronous) == ("UTC", 8000, "FULL")


def test_valid_values_are_normalised() -> None:
    settings = Settings.from_env({"SODIARY_SQLITE_SYNCHRONOUS": "normal", "SODIARY_LOG_LEVEL": "INFO",
                                  "SODIARY_TIME_ZONE": "Europe/Oslo", "SODIARY_WORKERS": "4"})
    assert (settings.sqlite_synchronous, settings.log_level, settings.time_zone, settings.workers) == (
        "NORMAL", "info", "Europe/Oslo", 4)


def test_a_relative_sqlite_path_is_made_absolute_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///data/diary.db"})
    assert settings.database_url == f"sqlite:///{tmp_path.resolve() / 'data' / 'diary.db'}"


def test_the_default_database_is_an_absolute_path_in_the_checkouts_var_folder() -> None:
    checkout = source_checkout()
    assert checkout is not None, "the tests run from the source checkout"
    assert default_database_url() == f"sqlite:///{checkout / 'var' / 'sodiary.db'}"
    assert Settings.from_env({}).database_url == default_database_url()


def test_every_field_of_settings_is_declared_once_in_the_table() -> None:
    names = [s.name for s in SETTINGS]
    variables = [s.env for s in SETTINGS]
    assert sorted(names) == sorted(f.name for f in dataclasses.fields(Settings))
    assert len(set(names)) == len(names) and len(set(variables)) == len(variables)


def _readme_configuration_rows() -> list[str]:
    section = README.read_text().split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def test_the_readme_lists_every_setting_once() -> None:
    variables = [m.group(1) for line in _readme_configuration_rows()[2:]
                 for m in [re.match(r"\| `([A-Z_]+)` \|", line)] if m]
    assert sorted(variables) == sorted(s.env for s in SETTINGS)


def test_the_readme_table_is_the_one_the_settings_generate() -> None:
    assert "\n".join(_readme_configuration_rows()) + "\n" == markdown_table(), (
        "README's Configuration table is stale: paste `python -m sodiary.config --markdown` into it")


def test_a_misspelt_variable_name_is_named_with_the_setting_it_resembles() -> None:
    warnings = unknown_variables({"SODIARY_TIME_ZOME": "Europe/Oslo", "SODIARY_TIME_ZONE": "UTC", "PATH": "/bin"})
    assert warnings == ["sodiary: warning: SODIARY_TIME_ZOME is not a setting and is ignored "
                        "(did you mean SODIARY_TIME_ZONE?)"]
