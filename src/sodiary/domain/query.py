"""A collection query as data: which rows, in which order, which page.

The wire parses SuperOffice's `$filter` dialect into these nodes (every literal already of its column's
type, every date keyword already a range); the store compiles them to SQL with bound parameters.
"""

from __future__ import annotations

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
