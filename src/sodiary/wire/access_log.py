"""One structured line per request on the logger `sodiary.access`, and the request id that ties it together.

Standard library logging: the line's fields travel on the record (`record.access`), and one of two
formatters renders them, JSON (one object per line) or logfmt (`key=value`), as SODIARY_LOG_FORMAT
says. The logger does not propagate, so the line is written once, to stderr, whatever else configures
the root logger; an operator's own logging configuration may still replace its handler.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass
from random import getrandbits
from typing import Any

import msgspec
from starlette.types import Scope

LOGGER = "sodiary.access"
FORMATS = ("json", "logfmt")
SCOPE_KEY = "sodiary.exchange"

# What a proxy or client may hand us as X-Request-Id: bounded, and nothing that could forge a log field.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")

access = logging.getLogger(LOGGER)


@dataclass(slots=True)
class Exchange:
    """What the front door learns about one request while it is answered."""

    request_id: str
    user: str = ""


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-Id when it is sane, else a new one (64 random bits, hex)."""
    for name, value in headers:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return f"{getrandbits(64):016x}"


def note_user(scope: Scope, user: str) -> None:
    exchange = scope.get(SCOPE_KEY)
    if exchange is not None:
        exchange.user = user


def log_request(exchange: Exchange, scope: Scope, status: int, seconds: float) -> None:
    client = scope.get("client")
    # A record made here and handed to the logger's handlers: `Logger.info` would also walk the stack
    # for the caller's file and line, which this line does not show and the hot path cannot afford.
    record = logging.LogRecord(LOGGER, logging.INFO, __file__, 0, "request", None, None)
    record.access = {
        "request_id": exchange.request_id,
        "remote": client[0] if client else "",
        "user": exchange.user,
        "method": scope["method"],
        "path": scope["path"][:512],  # no query string: it is not ours to keep
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
    }
    access.handle(record)


_second: tuple[int, str] = (-1, "")


def _timestamp(record: logging.LogRecord) -> str:
    """UTC, milliseconds; the date and time formatted once a second, not once a line."""
    global _second
    whole = int(record.created)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int(record.msecs):03d}Z"


_encode = msgspec.json.Encoder().encode


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The line's fields in order, whichever format renders them."""
    fields: dict[str, Any] = {"time": _timestamp(record), "level": record.levelname.lower(), "logger": record.name}
    fields.update(getattr(record, "access", None) or {"message": record.getMessage()})
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _encode(_fields(record)).decode()


_BARE = re.compile(r"[^\s\"=\\]+")


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in _fields(record).items())


_handler: logging.Handler | None = None


def configure(enabled: bool, fmt: str) -> None:
    """Attach (or detach) the access log's stderr handler; safe to call again."""
    global _handler
    if fmt not in FORMATS:
        raise SystemExit(f"sodiary: SODIARY_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if _handler is not None:
        access.removeHandler(_handler)
        _handler = None
    access.propagate = False
    if not enabled:
        access.disabled = True
        return
    access.disabled = False
    access.setLevel(logging.INFO)  # the access log is on or off by its own setting, not by SODIARY_LOG_LEVEL
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    access.addHandler(_handler)
