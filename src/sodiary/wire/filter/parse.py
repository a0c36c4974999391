"""`$filter` and `$orderBy` text -> domain.query nodes; a mistake is a 400 naming its position (1-based)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from sodiary.domain.query import AllOf, AnyOf, Compare, Condition, Not, Op, Order
from sodiary.wire.errors import ApiError

Kind = Literal["int", "text", "datetime", "bool", "enum"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column a collection offers: its wire name, the store's name for it, and its type."""

    name: str
    store: str
    kind: Kind
    enum: type[IntEnum] | None = None
    associate: bool = False  # takes currentAssociate / associateIsOneOf
    default: bool = False  # in the answer when $select is absent


@dataclass(frozen=True, slots=True)
class FilterContext:
    """What resolving a filter needs beyond its text: the columns, the caller, and the clock."""

    columns: dict[str, Column]  # lower-case wire name -> column
    associate_id: int
    today: date  # the caller's day (view zone)
    to_stored: Callable[[datetime], datetime]  # a view-zone wall clock as stored
    parse_datetime: Callable[[str], datetime]  # wire text -> stored; raises ApiError


@cache
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


def _syntax(text: str, position: int) -> ApiError:
    return ApiError(400, "ArgumentException", "invalid_filter", filter=text[:200], position=position)


def parse_filter(text: str, ctx: FilterContext) -> Condition:
    try:
        tree = _parser().parse(text)
    except UnexpectedEOF:
        raise _syntax(text, len(text) + 1) from None
    except UnexpectedToken as exc:
        # At the end of the text lark names the last token's place; the mistake is that the text stopped.
        at_end = exc.token.type == "$END"
        raise _syntax(text, len(text) + 1 if at_end else (exc.token.start_pos or 0) + 1) from None
    except UnexpectedCharacters as exc:
        position = exc.pos_in_stream
        raise _syntax(text, (position or 0) + 1) from None
    except UnexpectedInput as exc:  # pragma: no cover - the three above are all lark raises for LALR
        raise _syntax(text, (exc.pos_in_stream or 0) + 1) from None
    return _Builder(text, ctx).node(tree)


# Operators taking one value; the names SuperOffice documents for ints, strings and dates.
_ONE: dict[str, tuple[Op, bool]] = {
    "eq": ("eq", False), "=": ("eq", False), "equals": ("eq", False), "is": ("eq", False),
    "ne": ("ne", False), "unequals": ("ne", False), "isnot": ("ne", False),
    "lt": ("lt", False), "less": ("lt", False), "before": ("lt", False),
    "le": ("le", False),
    "gt": ("gt", False), "greater": ("gt", False), "after": ("gt", False),
    "ge": ("ge", False),
    "begins": ("begins", False), "notbegins": ("begins", True),
    "contains": ("contains", False), "notcontains": ("contains", True),
}
_LISTS: dict[str, bool] = {"oneof": False, "notoneof": True, "associateisoneof": False, "associateisnotoneof": True}
_RANGES = {"between", "datebetween"}
_TEXT_OPS = {"begins", "contains"}


def _month_start(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _period(keyword: str, today: date) -> tuple[date | None, date | None] | None:
    """A date keyword as [start, end) in days; None when it is no date keyword."""
    week = today - timedelta(days=today.weekday())  # ISO weeks start on Monday
    month = today.replace(day=1)
    quarter = _month_start(month, -((today.month - 1) % 3))
    half = _month_start(month, -((today.month - 1) % 6))
    periods: dict[str, tuple[date | None, date | None]] = {
        "beforetoday": (None, today),
        "today": (today, today + timedelta(days=1)),
        "aftertoday": (today + timedelta(days=1), None),
        "lastweek": (week - timedelta(days=7), week),
        "thisweek": (week, week + timedelta(days=7)),
        "nextweek": (week + timedelta(days=7), week + timedelta(days=14)),
        "lastmonth": (_month_start(month, -1), month),
        "thismonth": (month, _month_start(month, 1)),
        "nextmonth": (_month_start(month, 1), _month_start(month, 2)),
        "lastquarter": (_month_start(quarter, -3), quarter),
        "thisquarter": (quarter, _month_start(quarter, 3)),
        "nextquarter": (_month_start(quarter, 3), _month_start(quarter, 6)),
        "thishalf": (half, _month_start(half, 6)),
        "thisyear": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
    }
    return periods.get(keyword)


class _Builder:
    def __init__(self, text: str, ctx: FilterContext) -> None:
        self.text = text
        self.ctx = ctx

    def fail(self, key: str, at: Token | Tree[Any], **params: Any) -> ApiError:
        position = (at.start_pos if isinstance(at, Token) else at.meta.start_pos) or 0
        return ApiError(400, "ArgumentException", key, filter=self.text[:200], position=position + 1, **params)

    def node(self, tree: Tree[Any] | Token) -> Condition:
        if isinstance(tree, Token):  # a bare word where a condition belongs
            raise self.fail("invalid_filter", tree)
        rule = tree.data
        if rule == "or_expr":
            return AnyOf(tuple(self.node(c) for c in tree.children if not isinstance(c, Token)))
        if rule == "and_expr":
            return AllOf(tuple(self.node(c) for c in tree.children if not isinstance(c, Token)))
        if rule == "negation":
            return Not(self.node(tree.children[1]))
        if rule == "comparison":
            return self.comparison(tree)
        if rule == "call":
            return self.call(tree)
        raise self.fail("invalid_filter", tree)

    def column(self, token: Any) -> Column:
        column = self.ctx.columns.get(str(token).lower())
        if column is None:
            raise self.fail("filter_unknown_column", token, column=str(token)[:80],
                            columns=", ".join(c.name for c in self.ctx.columns.values()))
        return column

    def comparison(self, tree: Tree[Any]) -> Condition:
        field, operator, *rest = tree.children
        column = self.column(field)
        name = str(operator).lower()
        operand: Any = rest[0] if rest else None
        if name in ("currentassociate",) and operand is None and column.associate:
            return Compare(column.store, "eq", (self.ctx.associate_id,))
        if operand is None:
            period = _period(name, self.ctx.today) if column.kind == "datetime" else None
            if period is None:
                raise self.fail("filter_unknown_operator", operator, operator=str(operator)[:40], column=column.name)
            return self.range(column, period)
        values = operand.children if isinstance(operand, Tree) and operand.data == "group" else [operand]
        if name in _ONE:
            op, negated = _ONE[name]
            if len(values) != 1:
                raise self.fail("filter_value_count", operand, operator=str(operator), count=1)
            if op in _TEXT_OPS and column.kind != "text":
                raise self.fail("filter_unknown_operator", operator, operator=str(operator)[:40], column=column.name)
            return Compare(column.store, op, (self.value(column, values[0]),), negated)
        if name == "date" and column.kind == "datetime":  # that whole day
            day = self.value(column, values[0]).date()
            return self.range(column, (day, day + timedelta(days=1)))
        if name in _RANGES:
            if len(values) != 2:
                raise self.fail("filter_value_count", operand, operator=str(operator), count=2)
            return Compare(column.store, "between", tuple(self.value(column, v) for v in values))
        if name in _LISTS and (column.associate or not name.startswith("associate")):
            return Compare(column.store, "in", tuple(self.value(column, v) for v in values), _LISTS[name])
        raise self.fail("filter_unknown_operator", operator, operator=str(operator)[:40], column=column.name)

    def call(self, tree: Tree[Any]) -> Condition:
        function, *args = tree.children
        name = str(function).lower()
        if name not in ("startswith", "endswith", "substringof") or len(args) != 2:
            raise self.fail("filter_unknown_operator", function, operator=str(function)[:40], column="")
        field, literal = (args[1], args[0]) if name == "substringof" else (args[0], args[1])
        if not isinstance(field, Tree) or field.data != "word":
            raise self.fail("invalid_filter", field)
        column = self.column(field.children[0])
        if column.kind != "text":
            raise self.fail("filter_unknown_operator", function, operator=str(function)[:40], column=column.name)
        op: Op = {"startswith": "begins", "endswith": "ends", "substringof": "contains"}[name]  # type: ignore[assignment]
        return Compare(column.store, op, (self.value(column, literal),))

    def range(self, column: Column, period: tuple[date | None, date | None]) -> Condition:
        start, end = period
        parts: list[Condition] = []
        if start is not None:
            parts.append(Compare(column.store, "ge", (self.midnight(start),)))
        if end is not None:
            parts.append(Compare(column.store, "lt", (self.midnight(end),)))
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def midnight(self, day: date) -> datetime:
        return self.ctx.to_stored(datetime.combine(day, datetime.min.time()))

    def value(self, column: Column, tree: Tree[Any]) -> Any:
        token = tree.children[0]
        assert isinstance(token, Token)
        raw = str(token)
        text = raw[1:-1].replace(raw[0] * 2, raw[0]) if tree.data == "string" else raw
        try:
            return _typed(column, text, tree.data, self.ctx)
        except (ValueError, ApiError):
            raise self.fail("filter_bad_value", token, value=raw[:60], column=column.name,
                            expected=_EXPECTED[column.kind]) from None


_EXPECTED = {"int": "a whole number", "text": "text in quotes", "datetime": "a date 'YYYY-MM-DD[THH:MM[:SS]]'",
             "bool": "true or false", "enum": "a name or number of the enumeration"}
_MAX_INT = 2**31 - 1


def _typed(column: Column, text: str, shape: str, ctx: FilterContext) -> Any:
    if column.kind == "int":
        if shape == "word" and column.associate and text.lower() == "currentassociate":
            return ctx.associate_id
        if shape == "number" and "." not in text and abs(int(text)) <= _MAX_INT:
            return int(text)
        if shape == "string" and text.strip().lstrip("+-").isdigit() and abs(int(text)) <= _MAX_INT:
            return int(text)
        raise ValueError(text)
    if column.kind == "text":
        if shape == "word":
            raise ValueError(text)
        return text
    if column.kind == "bool":
        folded = text.lower()
        if folded in ("true", "1"):
            return True
        if folded in ("false", "0"):
            return False
        raise ValueError(text)
    if column.kind == "enum":
        assert column.enum is not None
        if text.lstrip("+-").isdigit():
            return int(column.enum(int(text)))
        members = {m.name.lower().rstrip("_"): m for m in column.enum}
        if text.lower() in members:
            return int(members[text.lower()])
        raise ValueError(text)
    if shape != "string":
        raise ValueError(text)
    return ctx.parse_datetime(text)


def parse_order(text: str, columns: dict[str, Column]) -> tuple[Order, ...]:
    """`$orderBy`: `col [asc|desc], …`; an unknown column is a 400 naming it."""
    orders: list[Order] = []
    position = 0
    for item in text.split(","):
        words = item.split()
        if not words:
            position += len(item) + 1
            continue
        column = columns.get(words[0].lower())
        direction = words[1].lower() if len(words) > 1 else "asc"
        if column is None or len(words) > 2 or direction not in ("asc", "desc"):
            raise ApiError(400, "ArgumentException", "invalid_order_by", order_by=text[:200],
                           position=position + item.index(words[0]) + 1,
                           columns=", ".join(c.name for c in columns.values()))
        orders.append(Order(column.store, direction == "desc"))
        position += len(item) + 1
    return tuple(orders)
