"""One structured line per request on the logger `sodiary.access`, and the request id that ties it together.

Standard library logging: the line's fields travel on the record (`record.access`), and one of two
formatters renders them, JSON (one object per line) or logfmt (`key=value`), as SODIARY_LOG_FORMAT
says. The logger does not propagate, so the line is written once, to stderr, whatever else configures
the root logger; an operator's own logging configuration may still replace its handler.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import logging
import os
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
    status: int = 500  # what the client sees when nothing was sent (uvicorn answers 500)


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-Id when it is sane, else a new one (16 hex digits)."""
    for name, value in headers:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return f"{_PROCESS}{next(_serial) & 0xFFFFFFFF:08x}"


# A new id is this process's random half and a serial: unique across workers and restarts, and cheaper
# than 64 fresh random bits a request.
_PROCESS = ""
_serial = itertools.count()


def _new_process() -> None:
    global _PROCESS, _serial
    _PROCESS, _serial = f"{getrandbits(32):08x}", itertools.count(getrandbits(32))


_new_process()
os.register_at_fork(after_in_child=_new_process)  # forked workers must not share the half or the serial


def note_user(scope: Scope, user: str) -> None:
    exchange = scope.get(SCOPE_KEY)
    if exchange is not None:
        exchange.user = user


def log_request(exchange: Exchange, scope: Scope, status: int, seconds: float) -> None:
    client = scope.get("client")
    handler = _handler
    if handler is not None and access.handlers == [handler] and not access.disabled:
        # Our own handler alone: the line rendered here, written with the others of this loop turn. A
        # LogRecord and the handler's lock, format and flush per line cost ~10 µs, a tenth of an Accept.
        line = handler.render_access(_timestamp(time.time()), exchange.request_id, client[0] if client else "",
                                     exchange.user, scope["method"], scope["path"][:512], status,
                                     round(seconds * 1000, 3))
        _lines.append(line)
        if len(_lines) == 1:
            _schedule(handler)
        return
    fields = {
        "request_id": exchange.request_id,
        "remote": client[0] if client else "",
        "user": exchange.user,
        "method": scope["method"],
        "path": scope["path"][:512],  # no query string: it is not ours to keep
        "status": status,
        "duration_ms": round(seconds * 1000, 3),
    }
    # An operator's own logging configuration: the standard way, a record for whatever handlers it set.
    # Made here and handed over: `Logger.info` would also walk the stack for a file and line not shown.
    record = logging.LogRecord(LOGGER, logging.INFO, __file__, 0, "request", None, None)
    record.access = fields
    access.handle(record)


_lines: list[str] = []


def _schedule(handler: AccessHandler) -> None:
    """The lines of this loop turn go out in one write at its end (one syscall, not one a line)."""
    try:
        asyncio.get_running_loop().call_soon(_flush, handler)
    except RuntimeError:  # no loop (a tool, a test): at once
        _flush(handler)


def _flush(handler: AccessHandler) -> None:
    if not _lines:
        return
    text = "\n".join(_lines) + "\n"
    _lines.clear()
    try:
        handler.stream.write(text)
        handler.stream.flush()
    except (OSError, ValueError):  # stderr closed or gone: an access log never takes the server down
        pass


_second: tuple[int, str] = (-1, "")


def _timestamp(created: float) -> str:
    """UTC, milliseconds; the date and time formatted once a second, not once a line."""
    global _second
    whole = int(created)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int((created - whole) * 1000):03d}Z"


_encode = msgspec.json.Encoder().encode


def _line_fields(created: float, level: str, logger: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The line's fields in order, whichever format renders them."""
    return {"time": _timestamp(created), "level": level, "logger": logger, **fields}


def _record_fields(record: logging.LogRecord) -> dict[str, Any]:
    return _line_fields(record.created, record.levelname.lower(), record.name,
                        getattr(record, "access", None) or {"message": record.getMessage()})


class _AccessLine(msgspec.Struct):
    """An access-log line's JSON object, fields in the order of `_line_fields` (a Struct encodes in a third
    less time than the same dict)."""

    time: str
    level: str
    logger: str
    request_id: str
    remote: str
    user: str
    method: str
    path: str
    status: int
    duration_ms: float


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return self.render_fields(_record_fields(record))

    @staticmethod
    def render_fields(fields: dict[str, Any]) -> str:
        return _encode(fields).decode()

    @staticmethod
    def render_access(time: str, request_id: str, remote: str, user: str, method: str, path: str, status: int,
                      duration_ms: float) -> str:
        return _encode(_AccessLine(time, "info", LOGGER, request_id, remote, user, method, path, status,
                                   duration_ms)).decode()


_BARE = re.compile(r"[^\s\"=\\]+")


def _logfmt_value(value: Any) -> str:
    text = str(value)
    if _BARE.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class LogfmtFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return self.render_fields(_record_fields(record))

    @staticmethod
    def render_fields(fields: dict[str, Any]) -> str:
        return " ".join(f"{k}={_logfmt_value(v)}" for k, v in fields.items())

    @classmethod
    def render_access(cls, time: str, request_id: str, remote: str, user: str, method: str, path: str, status: int,
                      duration_ms: float) -> str:
        return cls.render_fields({"time": time, "level": "info", "logger": LOGGER, "request_id": request_id,
                                  "remote": remote, "user": user, "method": method, "path": path, "status": status,
                                  "duration_ms": duration_ms})


class AccessHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr, and the fast rendering of our own lines (log_request) with the same formatter."""

    def __init__(self, formatter: JsonFormatter | LogfmtFormatter) -> None:
        super().__init__(sys.stderr)
        self.setFormatter(formatter)
        self.render_fields = formatter.render_fields
        self.render_access = formatter.render_access


_handler: AccessHandler | None = None


def configure(enabled: bool, fmt: str) -> None:
    """Attach (or detach) the access log's stderr handler; safe to call again."""
    global _handler
    if fmt not in FORMATS:
        raise SystemExit(f"sodiary: SODIARY_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if _handler is not None:
        _flush(_handler)
        access.removeHandler(_handler)
        _handler = None
    access.propagate = False
    if not enabled:
        access.disabled = True
        return
    access.disabled = False
    access.setLevel(logging.INFO)  # the access log is on or off by its own setting, not by SODIARY_LOG_LEVEL
    _handler = AccessHandler(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    access.addHandler(_handler)
    atexit.register(_flush, _handler)
