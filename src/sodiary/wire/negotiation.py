"""Content negotiation: response format from Accept, message language from Accept-Language."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

Format = Literal["json", "xml"]

_JSON_TYPES = {"application/json", "text/json"}
_XML_TYPES = {"application/xml", "text/xml"}


def _parse(header: str) -> list[tuple[str, float, int]]:
    """(value, q, position) for each element of an Accept-like header."""
    out = []
    for pos, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        value = pieces[0].strip().lower()
        if not value:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw.strip())
                except ValueError:
                    q = 0.0
        out.append((value, q, pos))
    return out


# Headers are the client's text: only values this short are cached, so a client cannot fill the caches with
# megabytes (issue 12, item 2). Real clients send a few dozen characters; longer ones are parsed each time.
CACHED_HEADER_CHARS = 256


def response_format(accept: str | None) -> Format | None:
    """JSON unless XML is preferred; None when neither is acceptable (406)."""
    if accept is not None and len(accept) > CACHED_HEADER_CHARS:
        return _response_format(accept)
    return _cached_response_format(accept)


def _response_format(accept: str | None) -> Format | None:
    if not accept or not accept.strip():
        return "json"
    best: tuple[float, int, Format] | None = None
    for value, q, pos in _parse(accept):
        if q <= 0:
            continue
        fmt: Format | None
        if value in _JSON_TYPES or value in ("*/*", "application/*", "text/*"):
            fmt = "json"
        elif value in _XML_TYPES:
            fmt = "xml"
        else:
            continue
        # Highest q wins; among equals the first listed; a wildcard never beats a named type.
        rank = (q - (0.0001 if "*" in value else 0), -pos)
        if best is None or rank > best[:2]:
            best = (rank[0], rank[1], fmt)
    return best[2] if best else None


SUPPORTED_LANGUAGES = {"en": "en", "no": "no", "nb": "no", "nn": "no"}


_cached_response_format = lru_cache(maxsize=256)(_response_format)


def language(accept_language: str | None, so_language: str | None = None) -> str:
    """English or Norwegian; SO-Language beats Accept-Language, as in SuperOffice."""
    if len(accept_language or "") + len(so_language or "") > CACHED_HEADER_CHARS:
        return _language(accept_language, so_language)
    return _cached_language(accept_language, so_language)


def _language(accept_language: str | None, so_language: str | None) -> str:
    for header in (so_language, accept_language):
        if not header:
            continue
        for value, q, _pos in sorted(_parse(header), key=lambda t: (-t[1], t[2])):
            if q <= 0:
                continue
            primary = value.split("-")[0]
            if primary in SUPPORTED_LANGUAGES:
                return SUPPORTED_LANGUAGES[primary]
    return "en"


_cached_language = lru_cache(maxsize=256)(_language)
