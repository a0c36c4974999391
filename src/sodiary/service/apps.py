"""Registered partner applications, identified by their SO-AppToken (stored as a SHA-256)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..store import credentials
from .clock import utc_now
from .tickets import digest

TOKEN_PREFIX = "sodiary-app-"


class AppExists(Exception):
    pass


def add(conn: Connection, name: str) -> str:
    """Register an application; its token, which is shown this once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        with conn.begin_nested():
            credentials.add_app(conn, name, digest(token), utc_now())
    except IntegrityError:
        raise AppExists(name) from None
    return token


def remove(conn: Connection, name: str) -> bool:
    return credentials.remove_app(conn, name)


def listing(conn: Connection) -> list[tuple[str, datetime]]:
    return credentials.list_apps(conn)


def tokens(conn: Connection) -> dict[str, str]:
    return credentials.app_tokens(conn)
