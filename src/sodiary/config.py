"""Settings from the environment, with the defaults `make run` uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


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
    credential_recheck_seconds: int = 5
    secret: str = field(default_factory=lambda: os.urandom(32).hex())

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
        )
