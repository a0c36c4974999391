"""Request bodies to plain data, chosen by Content-Type (and its charset).

Every Content-Type SuperOffice lists is read: JSON (`application/json`, `text/json`), XML
(`application/xml`, `text/xml`), form fields, JSON Patch and JSON Merge Patch. For an agent
call a patch document is applied to an empty request object (docs/decisions.md).
"""

from __future__ import annotations

import codecs
from typing import Any
from urllib.parse import parse_qsl

import jsonpatch
import msgspec

from sodiary.wire.errors import ApiError
from sodiary.wire.xml import parse_xml

JSON_TYPES = ("application/json", "text/json")
XML_TYPES = ("application/xml", "text/xml")
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_PATCH_TYPE = "application/json-patch+json"
MERGE_PATCH_TYPE = "application/merge-patch+json"
SUPPORTED = (*JSON_TYPES, *XML_TYPES, FORM_TYPE, JSON_PATCH_TYPE, MERGE_PATCH_TYPE)

_json_decode = msgspec.json.Decoder().decode


def split_content_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _text(body: bytes, charset: str | None, what: str) -> str:
    name = charset or "utf-8"
    try:
        codec = codecs.lookup(name)
    except LookupError:
        codec = None
    # Python also names bytes-to-bytes codecs (`base64`, `zlib`, `hex`) and text-to-text ones (`rot13`): none of
    # them is a character set, and decoding with one raised a LookupError → 500 (issue 12, item 8).
    if codec is None or not getattr(codec, "_is_text_encoding", True):
        raise ApiError(415, "UnsupportedMediaTypeException", "unsupported_charset", charset=name[:80])
    try:
        return codec.decode(body)[0]
    except (UnicodeError, ValueError, TypeError) as exc:  # `idna`, `punycode` raise plain UnicodeError
        raise ApiError(400, "ArgumentException", "body_not_decodable", format=what, detail=str(exc)) from None


MAX_DEPTH = 32


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    # Exact type checks in a plain loop: a 1 MB body of numbers has 150 000 of them to pass over.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        kind = type(item)
        if kind is dict or kind is list:
            if depth > limit:
                return True
            for child in item.values() if kind is dict else item:
                kind = type(child)
                if kind is dict or kind is list:
                    stack.append((child, depth + 1))
    return False


def _json(body: bytes, charset: str | None) -> Any:
    raw = body if charset in (None, "utf-8", "utf8") else _text(body, charset, "JSON").encode("utf-8")
    try:
        value = _json_decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "ArgumentException", "body_not_decodable", format="JSON", detail=str(exc)) from None
    except RecursionError:
        value = None
        too_deep = True
    else:
        # Nesting deeper than MAX_DEPTH needs more than 2*MAX_DEPTH bytes: small bodies skip the walk.
        too_deep = len(raw) > 2 * MAX_DEPTH and _too_deep(value)
    if too_deep:
        raise ApiError(400, "ArgumentException", "body_not_decodable", format="JSON",
                       detail=f"nested deeper than {MAX_DEPTH} levels")
    return value


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396, without touching either argument."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_json_patch(document: Any, operations: Any) -> Any:
    try:
        return jsonpatch.apply_patch(document, operations)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise ApiError(409, "JsonPatchTestFailedException", "patch_failed", detail=str(exc)) from None
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, ValueError) as exc:
        raise ApiError(400, "ArgumentException", "patch_failed", detail=str(exc)) from None


def decode_body(content_type: str | None, body: bytes) -> Any:
    """Plain data (dicts, lists, strings, numbers) from a request body; None for no body."""
    media, charset = split_content_type(content_type)
    if not body.strip():
        if media and media not in SUPPORTED:
            raise ApiError(415, "UnsupportedMediaTypeException", "unsupported_media_type",
                           content_type=media, supported=", ".join(SUPPORTED))
        return None
    if media in JSON_TYPES or media == "":
        return _json(body, charset)
    if media in XML_TYPES:
        text = _text(body, charset, "XML")
        try:
            return parse_xml(text)
        except Exception as exc:  # defusedxml raises several families: all mean "not acceptable XML"
            detail = type(exc).__name__ + (f": {exc}" if str(exc) else "")
            raise ApiError(400, "ArgumentException", "body_not_decodable", format="XML", detail=detail) from None
    if media == FORM_TYPE:
        text = _text(body, charset, "form data")
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:
            raise ApiError(400, "ArgumentException", "body_not_decodable", format="form data",
                           detail=str(exc)) from None
        form: dict[str, Any] = {}
        for key, value in pairs:
            if key in form:
                previous = form[key]
                form[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                form[key] = value
        return form
    if media == JSON_PATCH_TYPE:
        document = _json(body, charset)
        return apply_json_patch({}, document) if isinstance(document, list) else document
    if media == MERGE_PATCH_TYPE:
        return merge_patch({}, _json(body, charset))
    raise ApiError(415, "UnsupportedMediaTypeException", "unsupported_media_type",
                   content_type=media, supported=", ".join(SUPPORTED))
