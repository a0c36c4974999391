"""SuperOffice's error shape, as JSON or XML, in the caller's language.

`{"Error": true, "ErrorType": ..., "Message": ..., "ErrorMessage": ..., "ErrorSource": ...}`:
the docs name the text `ErrorMessage`, the official client's own test `Message`; we send both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from starlette.responses import Response

from sodiary.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, PreconditionFailed
from sodiary.wire.messages import message
from sodiary.wire.negotiation import Format
from sodiary.wire.xml import to_xml


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error_type: str,
        key: str,
        *,
        headers: Mapping[str, str] | None = None,
        source: str = "sodiary.wire",
        **params: Any,
    ) -> None:
        super().__init__(key)
        self.status = status
        self.error_type = error_type
        self.key = key
        self.params = params
        self.headers = dict(headers or {})
        self.source = source


_DOMAIN: dict[type[DomainError], tuple[int, str]] = {
    NotFound: (404, "SoNotFoundException"),
    Forbidden: (403, "SoAccessDeniedException"),
    Conflict: (409, "InvalidOperationException"),
    Invalid: (400, "InvalidOperationException"),
    PreconditionFailed: (412, "PreconditionFailedException"),
}


def from_domain(exc: DomainError) -> ApiError:
    status, error_type = next(
        (v for k, v in _DOMAIN.items() if isinstance(exc, k)), (400, "InvalidOperationException")
    )
    error = ApiError(status, error_type, exc.key, source="sodiary.service")
    error.params = dict(exc.params)
    return error


class ErrorBody(msgspec.Struct, rename="pascal"):
    """The body of every non-2xx answer."""

    error: bool
    error_type: str
    message: str
    error_message: str
    error_source: str


_encode = msgspec.json.Encoder().encode
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "application/xml; charset=utf-8"


def error_response(exc: ApiError, fmt: Format, lang: str) -> Response:
    text = message(exc.key, lang, exc.params)
    body = ErrorBody(True, exc.error_type, text, text, exc.source)
    headers = dict(exc.headers)
    headers["Content-Language"] = "nb" if lang == "no" else lang
    if fmt == "xml":
        return Response(to_xml("ErrorInfo", msgspec.to_builtins(body)), exc.status, headers, XML_TYPE)
    return Response(_encode(body), exc.status, headers, JSON_TYPE)
