"""domain.query nodes compiled to SQLAlchemy Core: every value a bound parameter, every column from a whitelist."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, not_, or_, select
from sqlalchemy.engine import Connection

from ..domain.query import AllOf, AnyOf, CollectionQuery, Compare, Condition, Not
from .entities import visible_to
from .schema import appointment, associate, contact, person, project

Row = Mapping[str, Any]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def compile_condition(table: Table, node: Condition) -> ColumnElement[bool]:
    if isinstance(node, AllOf):
        return and_(*(compile_condition(table, p) for p in node.parts))
    if isinstance(node, AnyOf):
        return or_(*(compile_condition(table, p) for p in node.parts))
    if isinstance(node, Not):
        return not_(compile_condition(table, node.part))
    return _compare(table, node)


def _compare(table: Table, node: Compare) -> ColumnElement[bool]:
    column: Any = table.c[node.column]  # a KeyError is a programming error: the wire's catalog names columns
    values = node.values
    if values and isinstance(values[0], str) and node.op not in ("begins", "ends", "contains"):
        # Text compares case-insensitively, as SuperOffice's database collation does.
        column = func.lower(column)
        values = tuple(v.lower() for v in values)
    expr: ColumnElement[bool]
    match node.op:
        case "eq":
            expr = column == values[0]
        case "ne":
            expr = column != values[0]
        case "lt":
            expr = column < values[0]
        case "le":
            expr = column <= values[0]
        case "gt":
            expr = column > values[0]
        case "ge":
            expr = column >= values[0]
        case "begins":
            expr = column.ilike(_like_escape(values[0]) + "%", escape="\\")
        case "ends":
            expr = column.ilike("%" + _like_escape(values[0]), escape="\\")
        case "contains":
            expr = column.ilike("%" + _like_escape(values[0]) + "%", escape="\\")
        case "between":
            expr = column.between(values[0], values[1])
        case "in":
            expr = column.in_(values)
    return not_(expr) if node.negated else expr


def appointment_page(conn: Connection, associate_id: int, query: CollectionQuery) -> list[Row]:
    """Rows of the appointment table the associate may see, filtered, sorted, paged (limit rows at most)."""
    where = visible_to(associate_id)
    if query.where is not None:
        where = and_(where, compile_condition(appointment, query.where))
    order = [appointment.c[o.column].desc() if o.descending else appointment.c[o.column].asc() for o in query.order]
    order.append(appointment.c.appointment_id.asc())  # a stable order, so that pages neither repeat nor skip rows
    stmt = select(appointment).where(where).order_by(*order).offset(query.offset).limit(query.limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


# The address book's tables, with the columns a collection may read (never a password hash).
_PEOPLE = {
    "person": (person, ("person_id", "contact_id", "firstname", "lastname", "email")),
    "contact": (contact, ("contact_id", "name", "department")),
    "associate": (associate, ("associate_id", "name", "person_id", "type", "disabled", "deleted")),
    "project": (project, ("project_id", "name", "project_number", "associate_id", "done")),
}


def people_page(conn: Connection, table_name: str, query: CollectionQuery) -> list[Row]:
    """Rows of person, contact or associate, filtered, sorted by the primary key last, paged."""
    table, columns = _PEOPLE[table_name]
    key = next(iter(table.primary_key.columns))
    stmt = select(*(table.c[c] for c in columns))
    if query.where is not None:
        stmt = stmt.where(compile_condition(table, query.where))
    order = [table.c[o.column].desc() if o.descending else table.c[o.column].asc() for o in query.order]
    stmt = stmt.order_by(*order, key.asc()).offset(query.offset).limit(query.limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]
