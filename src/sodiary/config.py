"""Settings: every one declared once in `SETTINGS` (variable, type, default, help), read and validated at start.

A bad value is a `SettingError` naming the variable, the value and what is allowed; the CLI turns it into one
line on stderr and exit status 2 before anything else happens. No value is ever silently replaced by a
default: a misspelt durability level or time zone must stop the server, not quietly change what it stores.
An empty variable counts as unset (compose files and systemd units often write `NAME=`).

The README's Configuration table is generated from `SETTINGS` (`python -m sodiary.config --markdown`) and a
test keeps the two equal.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class SettingError(ValueError):
    """A variable's value is not allowed; str() is the one line the operator sees."""

    def __init__(self, env: str, value: str, allowed: str) -> None:
        self.env, self.value, self.allowed = env, value, allowed
        super().__init__(f"sodiary: {env}={value!r} is not valid: {allowed}")


# ---- the default database: one absolute path, whatever the current directory ------------------------------


def source_checkout() -> Path | None:
    """The source checkout this package runs from (an editable install or `src/` on the path), if any."""
    root = Path(__file__).resolve().parent.parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "src" / "sodiary").is_dir() else None


def data_directory() -> Path:
    """Where the default SQLite database lives: the checkout's `var/` when run from one, else the user's
    data directory (`$XDG_DATA_HOME/sodiary`, by default `~/.local/share/sodiary`)."""
    checkout = source_checkout()
    if checkout is not None:
        return checkout / "var"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).resolve() / "sodiary"


def default_database_url() -> str:
    return f"sqlite:///{data_directory() / 'sodiary.db'}"


# ---- kinds of value: text → value, or a SettingError naming what is allowed ----------------------------------


class Kind:
    """How one setting is read: `allowed` says (in the README and in errors) what it accepts."""

    allowed = "text"

    def __call__(self, env: str, value: str) -> Any:
        return value.strip()


class Text(Kind):
    allowed = "text"


class Boolean(Kind):
    allowed = "`true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`)"

    def __call__(self, env: str, value: str) -> bool:
        word = value.strip().lower()
        if word in ("true", "1", "yes", "on"):
            return True
        if word in ("false", "0", "no", "off"):
            return False
        raise SettingError(env, value, "true/false, 1/0, yes/no or on/off")


class Integer(Kind):
    def __init__(self, minimum: int = 0, maximum: int | None = None) -> None:
        self.minimum, self.maximum = minimum, maximum
        self.allowed = f"{minimum}–{maximum}" if maximum is not None else f"whole number ≥ {minimum}"

    def __call__(self, env: str, value: str) -> int:
        upper = f" to {self.maximum}" if self.maximum is not None else " up"
        try:
            number = int(value.strip(), 10)
        except ValueError:
            raise SettingError(env, value, f"a whole number from {self.minimum}{upper}") from None
        if number < self.minimum or (self.maximum is not None and number > self.maximum):
            raise SettingError(env, value, f"a whole number from {self.minimum}{upper}")
        return number


class Choice(Kind):
    def __init__(self, *values: str, upper: bool = False) -> None:
        self.values, self.upper = values, upper
        self.allowed = " / ".join(f"`{v}`" for v in values)

    def __call__(self, env: str, value: str) -> str:
        word = value.strip().upper() if self.upper else value.strip().lower()
        if word not in self.values:
            raise SettingError(env, value, "one of " + ", ".join(self.values))
        return word


class TimeZone(Kind):
    allowed = "IANA zone name"

    def __call__(self, env: str, value: str) -> str:
        name = value.strip()
        if name.upper() == "UTC":
            return "UTC"
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingError(env, value, "an IANA time zone name such as UTC or Europe/Oslo") from None
        return name


class MetricsAccess(Kind):
    """`on`, `off`, or a bearer token long enough that a mistyped `off` cannot become a guessable token."""

    allowed = "`on`, `off`, or a token of at least 16 characters"

    def __call__(self, env: str, value: str) -> str:
        word = value.strip()
        if word.lower() in ("on", "off"):
            return word.lower()
        if len(word) < 16:
            raise SettingError(env, "(not shown)", "on, off, or a bearer token of at least 16 characters")
        return word


class Seconds(Kind):
    def __init__(self, minimum: float) -> None:
        self.minimum = minimum
        self.allowed = f"seconds ≥ {minimum:g} (decimals allowed)"

    def __call__(self, env: str, value: str) -> float:
        try:
            number = float(value.strip())
        except ValueError:
            raise SettingError(env, value, f"a number of seconds from {self.minimum:g} up") from None
        if not number >= self.minimum or number == float("inf"):
            raise SettingError(env, value, f"a number of seconds from {self.minimum:g} up")
        return number


class SmtpUrl(Kind):
    allowed = "`smtp://host[:port]`, `smtps://…`, `smtp+starttls://…` (`user:password@` in the URL)"

    def __call__(self, env: str, value: str) -> str:
        from urllib.parse import urlsplit

        url = value.strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises for a port that is not a number
        except ValueError:
            raise SettingError(env, "(not shown: it may hold a password)", self.allowed) from None
        if parts.scheme.lower() not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
            raise SettingError(env, "(not shown: it may hold a password)",
                               "smtp://host[:port], smtps://host[:port] or smtp+starttls://host[:port]")
        return url


class MailAddress(Kind):
    allowed = "an e-mail address"

    def __call__(self, env: str, value: str) -> str:
        address = value.strip()
        local, at, domain = address.rpartition("@")
        if not at or not local or "." not in domain and domain != "localhost" or any(c in address for c in " <>\r\n"):
            raise SettingError(env, value, "an e-mail address such as diary@example.org")
        return address


class ReadablePath(Kind):
    """A path this process can read, of one kind (a file or a directory), resolved once at start."""

    def __init__(self, what: str = "file") -> None:
        self.what = what
        self.allowed = f"path of a readable {what}"

    def __call__(self, env: str, value: str) -> str:
        path = Path(value.strip()).expanduser()
        right_kind = path.is_dir() if self.what == "directory" else path.is_file()
        if not right_kind or not os.access(path, os.R_OK):
            raise SettingError(env, value, f"the path of a readable {self.what}")
        return str(path.resolve())


class DatabaseUrl(Kind):
    """SQLite (a file; a relative path is resolved against the current directory, once) or PostgreSQL."""

    allowed = "`sqlite:///PATH`, `postgresql://…`"

    def __call__(self, env: str, value: str) -> str:
        allowed = "sqlite:///PATH or postgresql://user@host/db"
        try:
            url = make_url(value.strip())
        except ArgumentError:
            raise SettingError(env, "(not shown: it may hold a password)", allowed) from None
        shown = url.render_as_string(hide_password=True)
        backend = url.get_backend_name()
        if backend == "sqlite":
            if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
                raise SettingError(env, shown, "a SQLite file path (sqlite:///PATH), not an in-memory database")
            path = str(Path(url.database).expanduser().resolve())
            return url.set(database=path).render_as_string(hide_password=False)
        if backend == "postgresql" and url.database:
            return value.strip()
        raise SettingError(env, shown, allowed)


class Country(Kind):
    """An ISO 3166-1 alpha-2 code the `holidays` library knows (its public holidays are the red-letter days)."""

    allowed = "ISO 3166 country code (`NO`, `SE`, `GB`, `US`, …)"

    def __call__(self, env: str, value: str) -> str:
        import holidays  # only when set: the library is large and most starts do not need it

        code = value.strip().upper()
        if code not in holidays.list_supported_countries():
            raise SettingError(env, value, "an ISO 3166 country code the holidays library knows, such as NO or SE")
        return code


class WorkingHours(Kind):
    allowed = "`HH:MM-HH:MM` (start before end)"

    def __call__(self, env: str, value: str) -> str:
        text = value.strip()
        try:
            start, end = (part.strip() for part in text.split("-"))
            (h1, m1), (h2, m2) = (map(int, start.split(":")), map(int, end.split(":")))
        except ValueError:
            raise SettingError(env, value, "HH:MM-HH:MM, e.g. 08:00-16:00") from None
        if not (0 <= h1 < 24 and 0 <= m1 < 60 and 0 <= h2 <= 24 and 0 <= m2 < 60) or (h2, m2) > (24, 0) or (
                (h1, m1) >= (h2, m2)):
            raise SettingError(env, value, "HH:MM-HH:MM with the start before the end, e.g. 08:00-16:00")
        return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Weekdays(Kind):
    allowed = "days `mon`…`sun`, comma-separated, ranges with `-` (`mon-fri`, `sun-thu`)"

    def __call__(self, env: str, value: str) -> str:
        days: list[int] = []
        try:
            for part in value.strip().lower().split(","):
                first, _, last = part.strip().partition("-")
                a = WEEKDAYS.index(first.strip()[:3])
                b = WEEKDAYS.index(last.strip()[:3]) if last else a
                span = range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)]
                days += [d for d in span if d not in days]
        except ValueError:
            raise SettingError(env, value, "weekdays such as mon-fri or sun,mon,tue,wed,thu") from None
        return ",".join(WEEKDAYS[d] for d in sorted(days))


class LinkTemplate(Kind):
    """An https (or http) URL with `{id}` where the meeting's id goes, e.g. a Jitsi room."""

    allowed = "`https://…{id}…` URL"

    def __call__(self, env: str, value: str) -> str:
        text = value.strip()
        if not text.lower().startswith(("https://", "http://")) or "{id}" not in text or " " in text:
            raise SettingError(env, value, "an http(s) URL containing {id}, e.g. https://meet.jit.si/sodiary-{id}")
        return text


# ---- the table ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One setting: the `Settings` field it fills, its variable, how it is read, and what the README says."""

    name: str  # the Settings field
    env: str
    parse: Kind
    help: str
    default_text: str = ""  # shown when the default is not a plain value (e.g. random, a path)
    secret: bool = False



SETTINGS: tuple[Setting, ...] = (
    Setting("database_url", "DATABASE_URL", DatabaseUrl(),
            "SQLite file, or `postgresql://user@host/db`",
            default_text="`var/sodiary.db` of the source checkout, else `~/.local/share/sodiary/sodiary.db`"),
    Setting("host", "HOST", Text(), "address `sodiary serve` listens on (`0.0.0.0`: every interface)"),
    Setting("port", "PORT", Integer(1, 65535), "port `sodiary serve` listens on"),
    Setting("workers", "SODIARY_WORKERS", Integer(1),
            "server processes on one port (`--workers` wins); one per CPU for throughput"),
    Setting("log_level", "SODIARY_LOG_LEVEL", Choice("critical", "error", "warning", "info", "debug", "trace"),
            "the server log's level"),
    Setting("time_zone", "SODIARY_TIME_ZONE", TimeZone(),
            "the server's base time zone: naive datetimes are wall clock there"),
    Setting("sqlite_synchronous", "SODIARY_SQLITE_SYNCHRONOUS", Choice("OFF", "NORMAL", "FULL", "EXTRA", upper=True),
            "SQLite durability (`FULL`: an acknowledged answer survives power loss)"),
    Setting("pool_size", "SODIARY_POOL_SIZE", Integer(1), "PostgreSQL connections per server process"),
    Setting("max_body_bytes", "SODIARY_MAX_BODY_BYTES", Integer(1), "larger request bodies get 413"),
    Setting("secret", "SODIARY_SECRET", Text(), "key for the credential cache (set it to keep it across starts)",
            default_text="random per start", secret=True),
    Setting("credential_cache_seconds", "SODIARY_CREDENTIAL_CACHE_SECONDS", Integer(0),
            "how long a verified credential stays cached (0: never cached)"),
    Setting("credential_recheck_seconds", "SODIARY_CREDENTIAL_RECHECK_SECONDS", Integer(0),
            "a cached credential is re-checked against the database after this long (0: every request), so "
            "`sodiary user passwd`, `disable` and `remove` reach a running server"),
    Setting("ticket_seconds", "SODIARY_TICKET_SECONDS", Integer(1), "lifetime of an SOTicket"),
    Setting("session_seconds", "SODIARY_SESSION_SECONDS", Integer(1), "lifetime of a browser session"),
    Setting("jwt_secret", "SODIARY_JWT_SECRET", Text(), "HS256 key for Bearer JWTs", secret=True),
    Setting("jwt_public_key_file", "SODIARY_JWT_PUBLIC_KEY_FILE", ReadablePath("file"),
            "PEM public key for Bearer JWTs (RS256/ES256)"),
    Setting("jwks_file", "SODIARY_JWKS_FILE", ReadablePath("file"), "JWKS file: Bearer keys by `kid`"),
    Setting("jwt_issuer", "SODIARY_JWT_ISSUER", Text(), "required `iss` of Bearer JWTs, when set"),
    Setting("jwt_audience", "SODIARY_JWT_AUDIENCE", Text(), "required `aud` of Bearer JWTs, when set"),
    Setting("jwt_user_claim", "SODIARY_JWT_USER_CLAIM", Text(),
            "claim naming the user (a user name) when the associate-id claim is absent"),
    Setting("require_app_token", "SODIARY_REQUIRE_APP_TOKEN", Boolean(),
            "refuse (403) calls without a registered `SO-AppToken` once an application is registered"),
    Setting("auth_failure_window_seconds", "SODIARY_AUTH_FAILURE_WINDOW_SECONDS", Integer(1),
            "failed logins are counted over this window"),
    Setting("auth_failures_per_user", "SODIARY_AUTH_FAILURES_PER_USER", Integer(1),
            "failures for one user name within the window before 429"),
    Setting("auth_failures_per_address", "SODIARY_AUTH_FAILURES_PER_ADDRESS", Integer(1),
            "failures from one address within the window before 429"),
    Setting("password_min_length", "SODIARY_PASSWORD_MIN_LENGTH", Integer(1),
            "shortest password `sodiary user add` and `passwd` accept (characters)"),
    Setting("metrics", "SODIARY_METRICS", MetricsAccess(),
            "`GET /metrics`: `on` (open), `off` (404, nothing measured) or a bearer token the scrape must send",
            secret=True),
    Setting("access_log", "SODIARY_ACCESS_LOG", Boolean(), "one structured line per request on `sodiary.access`"),
    Setting("log_format", "SODIARY_LOG_FORMAT", Choice("json", "logfmt"), "format of the access log lines"),
    Setting("tenant", "SODIARY_TENANT", Text(),
            "tenant prefixes accepted in `/{tenant}/api/…`, comma-separated (empty: any)"),
    Setting("max_header_bytes", "SODIARY_MAX_HEADER_BYTES", Integer(1024),
            "request line + headers; larger heads get 431"),
    Setting("header_timeout_seconds", "SODIARY_HEADER_TIMEOUT_SECONDS", Integer(1),
            "a request head must arrive within this (408 otherwise)"),
    Setting("body_timeout_seconds", "SODIARY_BODY_TIMEOUT_SECONDS", Integer(1),
            "a request body must arrive within this after its head (408 otherwise)"),
    Setting("keep_alive_seconds", "SODIARY_KEEP_ALIVE_SECONDS", Integer(1),
            "an idle keep-alive connection is closed after this"),
    Setting("max_connections", "SODIARY_MAX_CONNECTIONS", Integer(0),
            "open connections per process; beyond, 503 with `Retry-After`",
            default_text="`0`: the descriptor limit − 64, at most 10000"),
    Setting("shutdown_grace_seconds", "SODIARY_SHUTDOWN_GRACE_SECONDS", Integer(0),
            "on SIGTERM, requests in flight get this long to finish"),
    Setting("smtp_url", "SODIARY_SMTP_URL", SmtpUrl(),
            "where mail is sent; unset: every mail is written as an `.eml` file to the mail directory",
            default_text="unset: `.eml` files", secret=True),
    Setting("mail_from", "SODIARY_MAIL_FROM", MailAddress(),
            "the From address of every mail (the organiser / invitee is its name and Reply-To)"),
    Setting("mail_dir", "SODIARY_MAIL_DIR", Text(), "where mail goes as `.eml` files when no SMTP is configured",
            default_text="`mail/` beside the SQLite file, else `var/mail`"),
    Setting("mail_templates", "SODIARY_MAIL_TEMPLATES", ReadablePath("directory"),
            "a directory of `mail.<en\\|no>.<txt\\|html>` templates used before the built-in ones"),
    Setting("mail_language", "SODIARY_MAIL_LANGUAGE", Choice("en", "no"),
            "language of an invitation whose recipient's culture is unknown and whose request named none"),
    Setting("outbox_poll_seconds", "SODIARY_OUTBOX_POLL_SECONDS", Seconds(0.05),
            "how often the delivery worker looks for mail queued by other processes and for due retries"),
    Setting("outbox_lease_seconds", "SODIARY_OUTBOX_LEASE_SECONDS", Seconds(1),
            "a worker's claim on a message; a crashed worker's claims are taken over after it"),
    Setting("outbox_retry_seconds", "SODIARY_OUTBOX_RETRY_SECONDS", Seconds(0.1),
            "first retry delay after a temporary failure, doubled each time (at most 1 h)"),
    Setting("feed_days_back", "SODIARY_FEED_DAYS_BACK", Integer(0, 3660),
            "how many days of the past a calendar subscription feed shows"),
    Setting("feed_days_ahead", "SODIARY_FEED_DAYS_AHEAD", Integer(1, 3660),
            "how many days ahead a calendar subscription feed shows"),
    Setting("outbox_max_attempts", "SODIARY_OUTBOX_MAX_ATTEMPTS", Integer(1),
            "temporary failures before a message is left `failed`"),
    Setting("holiday_country", "SODIARY_HOLIDAY_COUNTRY", Country(),
            "country whose public holidays are the diary's red-letter days (unset: none)"),
    Setting("working_hours", "SODIARY_WORKING_HOURS", WorkingHours(),
            "the working day, in `SODIARY_TIME_ZONE`: what `PercentageBusy` of a day is measured against"),
    Setting("working_days", "SODIARY_WORKING_DAYS", Weekdays(), "the working days of the week"),
    Setting("video_meeting_url", "SODIARY_VIDEO_MEETING_URL", LinkTemplate(),
            "join link of a new video meeting, `{id}` replaced by a fresh id (unset: no video meetings)"),
    Setting("mail_intake_users", "SODIARY_MAIL_INTAKE_USERS", Text(),
            "user names (comma-separated) who may hand in whole e-mails at `POST /api/v1/Sodiary/Mail` "
            "(an MTA's or fetchmail's account)", default_text="none"),
    Setting("webhook_admins", "SODIARY_WEBHOOK_ADMINS", Text(),
            "user names (comma-separated) who may register webhooks, besides callers with an app token",
            default_text="none"),
    Setting("webhook_allow_http", "SODIARY_WEBHOOK_ALLOW_HTTP", Boolean(),
            "permit `http://` webhook targets (SuperOffice requires `https://`)"),
    Setting("webhook_allow_private", "SODIARY_WEBHOOK_ALLOW_PRIVATE", Boolean(),
            "permit webhook targets on loopback, private or link-local addresses (server-side request forgery)"),
)


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    log_level: str = "warning"
    time_zone: str = "UTC"  # the server's base zone: naive datetimes are wall clock here
    sqlite_synchronous: str = "FULL"  # durable commits; group commit pays the fsync once per batch
    max_body_bytes: int = 1_048_576
    pool_size: int = 8
    credential_cache_seconds: int = 300
    credential_recheck_seconds: int = 1
    secret: str = field(default_factory=lambda: os.urandom(32).hex())
    # Authentication (docs/decisions.md, "Authentication").
    ticket_seconds: int = 8 * 3600
    session_seconds: int = 8 * 3600
    jwt_secret: str = ""  # HS256
    jwt_public_key_file: str = ""  # PEM, RS256/ES256
    jwks_file: str = ""
    jwt_issuer: str = ""
    jwt_audience: str = ""
    jwt_user_claim: str = "sub"
    require_app_token: bool = False
    auth_failure_window_seconds: int = 60
    auth_failures_per_user: int = 10
    auth_failures_per_address: int = 50
    password_min_length: int = 8  # NIST SP 800-63B's minimum for a chosen password
    # Observability (docs/decisions.md, "Health, metrics, request logs, tenant prefix").
    metrics: str = "on"  # off | on | a bearer token GET /metrics must send
    access_log: bool = True
    log_format: str = "json"  # json | logfmt
    tenant: str = ""  # accepted /{tenant}/api/… prefixes, comma-separated; empty accepts any
    # Transport limits (docs/decisions.md, "Transport limits, odd input, graceful shutdown and ports").
    max_header_bytes: int = 65_536
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 30
    keep_alive_seconds: int = 5
    max_connections: int = 0  # 0: from the descriptor limit (RLIMIT_NOFILE less a reserve)
    shutdown_grace_seconds: int = 30
    # E-mail invitations and the outbox (docs/decisions.md, "E-mail invitations and the outbox").
    smtp_url: str = ""  # smtp://, smtps://, smtp+starttls://[user:password@]host[:port]; "" = .eml files
    mail_from: str = "sodiary@localhost"
    mail_dir: str = ""  # "" = mail/ beside the SQLite database, else var/mail
    mail_templates: str = ""  # a directory searched before the built-in templates
    mail_language: str = "en"  # a recipient's culture, then the request's language, come first
    outbox_poll_seconds: float = 5.0
    outbox_lease_seconds: float = 60.0
    outbox_retry_seconds: float = 30.0
    outbox_max_attempts: int = 12
    # The diary's calendar (docs/decisions.md, "The remaining agent methods", issue 17).
    holiday_country: str = ""  # ISO 3166 code for the red-letter days; empty: none
    working_hours: str = "08:00-16:00"
    working_days: str = "mon,tue,wed,thu,fri"
    video_meeting_url: str = ""  # e.g. https://meet.jit.si/sodiary-{id}; empty: no video meeting provider
    feed_days_back: int = 90  # the calendar subscription feed's window (issue 15)
    feed_days_ahead: int = 730
    mail_intake_users: str = ""  # comma-separated user names (docs/decisions.md, issue 15 mail in)
    # Webhooks (docs/decisions.md, "Webhooks (issue 14)").
    webhook_admins: str = ""  # comma-separated user names
    webhook_allow_http: bool = False
    webhook_allow_private: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Every variable of `SETTINGS` that is set (non-empty), parsed; the first bad one raises SettingError."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env, "")
            if raw.strip():
                try:
                    values[setting.name] = setting.parse(setting.env, raw)
                except SettingError as exc:
                    if setting.secret:
                        raise SettingError(exc.env, "(not shown)", exc.allowed) from None
                    raise
        return cls(**values)

    def sources(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """For each variable: "environment" when set there, else "default"."""
        env = os.environ if env is None else env
        return {s.env: "environment" if env.get(s.env, "").strip() else "default" for s in SETTINGS}


def unknown_variables(env: Mapping[str, str] | None = None) -> list[str]:
    """One warning per `SODIARY_*` variable that is no setting (a misspelt name is ignored, so say so)."""
    env = os.environ if env is None else env
    known = [s.env for s in SETTINGS]
    warnings = []
    for name in sorted(env):
        if name.startswith("SODIARY_") and name not in known and not name.startswith("SODIARY_TEST_"):
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"sodiary: warning: {name} is not a setting and is ignored{hint}")
    return warnings


def default_text(setting: Setting) -> str:
    if setting.default_text:
        return setting.default_text
    for f in fields(Settings):
        if f.name == setting.name:
            value = f.default
            if isinstance(value, bool):
                return f"`{str(value).lower()}`"
            return f"`{value}`" if value != "" else "unset"
    raise KeyError(setting.name)


def markdown_table() -> str:
    """The README's Configuration table."""
    lines = ["| variable | default | allowed | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        lines.append(f"| `{s.env}` | {default_text(s)} | {s.parse.allowed} | {s.help} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        sys.stdout.write(markdown_table())
    else:
        print("usage: python -m sodiary.config --markdown", file=sys.stderr)
        raise SystemExit(2)
