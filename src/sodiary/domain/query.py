"""A collection query as data: which rows, in which order, which page.

The wire parses SuperOffice's `$filter` dialect into these nodes (every literal already of its column's
type, every date keyword already a range); the store compiles them to SQL with bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["eq", "ne", "lt", "le", "gt", "ge", "begins", "contains", "ends", "between", "in"]


@dataclass(frozen=True, slots=True)
class Compare:
    """`column op values`: one value, two for `between` (inclusive), any number for `in`."""

    column: str
    op: Op
    values: tuple[Any, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Condition


Condition = Compare | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class Order:
    column: str
    descending: bool = False


@dataclass(frozen=True, slots=True)
class CollectionQuery:
    """`limit` rows after `offset`, of those matching `where` (None: all), sorted by `order` then id."""

    where: Condition | None
    order: tuple[Order, ...]
    offset: int
    limit: int


def matches(node: Condition, row: Mapping[str, Any]) -> bool:
    """The condition on a row held in memory (a sub-resource's few rows), with the store's semantics:
    text compares case-insensitively, and a missing value matches no comparison."""
    if isinstance(node, AllOf):
        return all(matches(p, row) for p in node.parts)
    if isinstance(node, AnyOf):
        return any(matches(p, row) for p in node.parts)
    if isinstance(node, Not):
        return not matches(node.part, row)
    value = row.get(node.column)
    if value is None:
        return False
    wanted = tuple(v.lower() if isinstance(v, str) else v for v in node.values)
    if isinstance(value, str):
        value = value.lower()
    result = _compare(node.op, value, wanted)
    return not result if node.negated else result


def _compare(op: Op, value: Any, wanted: tuple[Any, ...]) -> bool:
    first = wanted[0] if wanted else None
    if op == "eq":
        return bool(value == first)
    if op == "ne":
        return bool(value != first)
    if op == "in":
        return value in wanted
    try:
        if op == "lt":
            return bool(value < first)
        if op == "le":
            return bool(value <= first)
        if op == "gt":
            return bool(value > first)
        if op == "ge":
            return bool(value >= first)
        if op == "between":
            return bool(wanted[0] <= value <= wanted[1])
    except TypeError:
        return False
    text = str(value)
    if op == "begins":
        return text.startswith(str(first))
    if op == "ends":
        return text.endswith(str(first))
    return str(first) in text  # contains


def sort_rows(rows: list[Mapping[str, Any]], order: tuple[Order, ...]) -> list[Mapping[str, Any]]:
    """Rows in memory in the order asked; missing values first, as SQL's NULLs sort in ascending order."""
    out = list(rows)
    for o in reversed(order):
        out.sort(key=lambda r: (r.get(o.column) is not None, r.get(o.column) if r.get(o.column) is not None else 0),
                 reverse=o.descending)
    return out
