"""`$select`: keep the named properties, null the rest (case-insensitive, `a/b` for nested).

TableRight and FieldProperties describe the carrier and always stay. On void and scalar
answers there is nothing to select, but the parameter is still validated.
"""

from __future__ import annotations

import re
from typing import Any

from sodiary.wire.errors import ApiError

_SEGMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:]*$|^\*$")
ALWAYS_KEPT = frozenset({"tableright", "fieldproperties", "_links"})  # also read by wire/openapi.py

Selection = dict[str, "Selection | None"]  # lower-case name -> nested selection (None = whole value)


def parse_select(raw: str | None) -> Selection | None:
    if raw is None or not raw.strip():
        return None
    selection: Selection = {}
    for item in raw.split(","):
        path = [p.strip() for p in item.strip().split("/")]
        if not path or any(not _SEGMENT.match(p) for p in path):
            raise ApiError(400, "ArgumentException", "invalid_select", select=raw)
        node = selection
        for i, segment in enumerate(path):
            key = segment.lower()
            last = i == len(path) - 1
            if last:
                node[key] = None
            else:
                child = node.get(key, {})
                if child is None:
                    break  # already selected whole
                node[key] = child
                node = child
    return selection


def apply_select(value: Any, selection: Selection | None) -> Any:
    if selection is None or "*" in selection:
        return value
    if isinstance(value, list):
        return [apply_select(v, selection) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, member in value.items():
        lower = key.lower()
        if lower in ALWAYS_KEPT:
            out[key] = member
        elif lower in selection:
            nested = selection[lower]
            out[key] = member if nested is None else apply_select(member, nested)
        else:
            out[key] = None
    return out
