"""Settings from the environment, with the defaults `make run` uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/sodiary.db"
    host: str = "127.0.0.1"
    port: int = 8000
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
    # E-mail invitations and the outbox (docs/decisions.md, "E-mail invitations and the outbox").
    smtp_url: str = ""  # smtp://, smtps://, smtp+starttls://[user:password@]host[:port]; "" = .eml files
    mail_from: str = "sodiary@localhost"
    mail_dir: str = ""  # "" = mail/ beside the SQLite database, else var/mail
    mail_templates: str = ""  # a directory searched before the built-in templates
    outbox_poll_seconds: float = 5.0
    outbox_lease_seconds: float = 60.0
    outbox_retry_seconds: float = 30.0
    outbox_max_attempts: int = 12

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("DATABASE_URL") or cls.database_url,
            host=env.get("HOST") or cls.host,
            port=_int("PORT", cls.port),
            time_zone=env.get("SODIARY_TIME_ZONE") or cls.time_zone,
            sqlite_synchronous=env.get("SODIARY_SQLITE_SYNCHRONOUS", cls.sqlite_synchronous).upper(),
            max_body_bytes=_int("SODIARY_MAX_BODY_BYTES", cls.max_body_bytes),
            pool_size=_int("SODIARY_POOL_SIZE", cls.pool_size),
            credential_cache_seconds=_int("SODIARY_CREDENTIAL_CACHE_SECONDS", cls.credential_cache_seconds),
            secret=env.get("SODIARY_SECRET") or os.urandom(32).hex(),
            credential_recheck_seconds=_int("SODIARY_CREDENTIAL_RECHECK_SECONDS", cls.credential_recheck_seconds),
            ticket_seconds=_int("SODIARY_TICKET_SECONDS", cls.ticket_seconds),
            session_seconds=_int("SODIARY_SESSION_SECONDS", cls.session_seconds),
            jwt_secret=env.get("SODIARY_JWT_SECRET", ""),
            jwt_public_key_file=env.get("SODIARY_JWT_PUBLIC_KEY_FILE", ""),
            jwks_file=env.get("SODIARY_JWKS_FILE", ""),
            jwt_issuer=env.get("SODIARY_JWT_ISSUER", ""),
            jwt_audience=env.get("SODIARY_JWT_AUDIENCE", ""),
            jwt_user_claim=env.get("SODIARY_JWT_USER_CLAIM") or cls.jwt_user_claim,
            require_app_token=_bool("SODIARY_REQUIRE_APP_TOKEN", cls.require_app_token),
            auth_failure_window_seconds=_int("SODIARY_AUTH_FAILURE_WINDOW_SECONDS", cls.auth_failure_window_seconds),
            auth_failures_per_user=_int("SODIARY_AUTH_FAILURES_PER_USER", cls.auth_failures_per_user),
            auth_failures_per_address=_int("SODIARY_AUTH_FAILURES_PER_ADDRESS", cls.auth_failures_per_address),
            smtp_url=env.get("SODIARY_SMTP_URL", ""),
            mail_from=env.get("SODIARY_MAIL_FROM") or cls.mail_from,
            mail_dir=env.get("SODIARY_MAIL_DIR", ""),
            mail_templates=env.get("SODIARY_MAIL_TEMPLATES", ""),
            outbox_poll_seconds=float(env.get("SODIARY_OUTBOX_POLL_SECONDS", cls.outbox_poll_seconds)),
            outbox_lease_seconds=float(env.get("SODIARY_OUTBOX_LEASE_SECONDS", cls.outbox_lease_seconds)),
            outbox_retry_seconds=float(env.get("SODIARY_OUTBOX_RETRY_SECONDS", cls.outbox_retry_seconds)),
            outbox_max_attempts=_int("SODIARY_OUTBOX_MAX_ATTEMPTS", cls.outbox_max_attempts),
        )
