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
    # The HTTP server (wire/server_options.py; docs/decisions.md, "Transport limits").
    max_header_bytes: int = 65_536
    header_timeout_seconds: int = 10
    body_timeout_seconds: int = 30
    keep_alive_seconds: int = 5
    max_connections: int = 0  # 0: from the descriptor limit (RLIMIT_NOFILE less a reserve)
    shutdown_grace_seconds: int = 30

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
            max_header_bytes=_int("SODIARY_MAX_HEADER_BYTES", cls.max_header_bytes),
            header_timeout_seconds=_int("SODIARY_HEADER_TIMEOUT_SECONDS", cls.header_timeout_seconds),
            body_timeout_seconds=_int("SODIARY_BODY_TIMEOUT_SECONDS", cls.body_timeout_seconds),
            keep_alive_seconds=_int("SODIARY_KEEP_ALIVE_SECONDS", cls.keep_alive_seconds),
            max_connections=_int("SODIARY_MAX_CONNECTIONS", cls.max_connections),
            shutdown_grace_seconds=_int("SODIARY_SHUTDOWN_GRACE_SECONDS", cls.shutdown_grace_seconds),
        )
