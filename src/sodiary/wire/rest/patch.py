"""PATCH bodies for REST entities: JSON Patch (RFC 6902) or JSON Merge Patch (RFC 7396).

SuperOffice's rules (spec §5): the kind comes from Content-Type, and for plain JSON — all the
official client ever sends — from the body's shape (array = JSON Patch, object = merge patch).
Member names are case-insensitive, as everywhere in the WebAPI: patch paths match the entity's
members in any case, with or without the leading slash. Only `add`, `remove`, `replace` and
`test` exist; a merge patch's object value for an array member appends to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from sodiary.wire.binding import PATCH_VALUE_CONTAINERS, has_nul, nests_deeper
from sodiary.wire.decoding import (
    JSON_PATCH_TYPE,
    JSON_TYPES,
    MERGE_PATCH_TYPE,
    apply_json_patch,
    decode_body,
    split_content_type,
)
from sodiary.wire.errors import ApiError

PATCH_TYPES = (*JSON_TYPES, JSON_PATCH_TYPE, MERGE_PATCH_TYPE)
OPERATIONS = ("add", "remove", "replace", "test")
_BAD_ESCAPE = re.compile(r"~(?![01])")


class PatchOperation(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One RFC 6902 operation (documents the PATCH body; the patch is applied to plain data)."""

    op: Literal["add", "remove", "replace", "test"]
    path: str
    value: Any = None


def _bad(detail: str) -> ApiError:
    return ApiError(400, "ArgumentException", "patch_failed", detail=detail)


def _member(obj: dict[str, Any], name: str) -> str:
    """The document's own spelling of `name`, or `name` itself for a new member."""
    if name in obj:
        return name
    folded = name.lower()
    return next((key for key in obj if key.lower() == folded), name)


def _pointer(document: Any, path: Any) -> str:
    """A JSON Pointer spelled as the document spells its members; the leading slash optional."""
    if not isinstance(path, str):
        raise _bad("every operation needs a string 'path'")
    raw = path[1:] if path.startswith("/") else path
    if _BAD_ESCAPE.search(raw):
        raise _bad(f"invalid JSON Pointer {path[:80]!r}: '~' must be followed by 0 or 1")
    if not raw:
        return ""
    node = document
    tokens = []
    for token in raw.split("/"):
        name = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            name = _member(node, name)
            node = node.get(name)
        elif isinstance(node, list) and name.isdigit() and int(name) < len(node):
            node = node[int(name)]
        else:
            node = None
        tokens.append(name.replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(tokens)


def json_patch(document: Any, operations: Any) -> Any:
    """Apply the operations one by one (so each path is matched against the document as it is then)."""
    if not isinstance(operations, list):
        raise _bad("a JSON Patch document is an array of operations")
    for raw in operations:
        if not isinstance(raw, dict):
            raise _bad("every operation is an object")
        op = {str(k).lower(): v for k, v in raw.items()}
        name = op.get("op")
        if not isinstance(name, str) or name.lower() not in OPERATIONS:
            raise _bad(f"unsupported op {str(name)[:20]!r}; use one of {', '.join(OPERATIONS)}")
        op["op"] = name.lower()
        if op["op"] != "remove" and "value" not in op:
            raise _bad(f"'{op['op']}' needs a 'value'")
        op["path"] = _pointer(document, op.get("path"))
        try:
            document = apply_json_patch(document, [op])
        except ApiError as exc:  # jsonpatch may quote the whole document: keep the message short
            detail = str(exc.params.get("detail", ""))
            exc.params["detail"] = detail if len(detail) <= 160 else detail[:160] + "…"
            raise
    return document


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 with case-insensitive member names; an object sent for an array member is appended."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        name = _member(result, str(key))
        current = result.get(name)
        if value is None:
            result.pop(name, None)
        elif isinstance(current, list) and isinstance(value, dict):
            result[name] = [*current, value]
        else:
            result[name] = merge_patch(current, value)
    return result


@dataclass(frozen=True, slots=True)
class Patch:
    """A decoded PATCH body, to apply to the entity as the unit of work reads it."""

    is_json_patch: bool  # else a merge patch
    data: Any

    def apply(self, document: dict[str, Any]) -> Any:
        return json_patch(document, self.data) if self.is_json_patch else merge_patch(document, self.data)


def read_patch(content_type: str | None, body: bytes) -> Patch:
    """The patch in the body, or a 400/415 in SuperOffice's shape."""
    media, charset = split_content_type(content_type)
    if media and media not in PATCH_TYPES:
        raise ApiError(415, "UnsupportedMediaTypeException", "unsupported_media_type",
                       content_type=media, supported=", ".join(PATCH_TYPES))
    json_type = "application/json" + (f"; charset={charset}" if charset else "")
    data = decode_body(json_type, body)
    if data is None:
        raise ApiError(400, "ArgumentException", "body_required", type="JSON Patch or JSON Merge Patch")
    # What the document's PatchValue forbids is refused here, whether or not the member it is in exists:
    # a U+0000 anywhere (no database text holds one), values nested deeper than it allows.
    if has_nul(data):
        raise ApiError(400, "ArgumentException", "body_invalid", type="patch",
                       detail="text may not contain NUL (U+0000)")
    if media == JSON_PATCH_TYPE or (media != MERGE_PATCH_TYPE and isinstance(data, list)):
        values = [op.get("value") for op in data if isinstance(op, dict)] if isinstance(data, list) else [data]
    elif isinstance(data, dict):
        values = list(data.values())
    else:
        raise _bad("a merge patch is a JSON object")
    if any(nests_deeper(value, PATCH_VALUE_CONTAINERS) for value in values):
        raise _bad(f"a value nests lists or objects deeper than {PATCH_VALUE_CONTAINERS} levels")
    return Patch(isinstance(data, list) or media == JSON_PATCH_TYPE, data)


def apply_patch(document: dict[str, Any], content_type: str | None, body: bytes) -> Any:
    """The patched document, or a 400/409/415 in SuperOffice's shape."""
    return read_patch(content_type, body).apply(document)
