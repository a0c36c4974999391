"""Core statements run straight on the driver's cursor, for the few statements every answer runs.

`Connection.execute` spends tens of microseconds per call on bookkeeping (cache key, execution
context, result wrapping): on SQLite more than the statement itself. A DriverStatement compiles its
Core statement once per dialect and keeps SQLAlchemy's own type processors, so the driver receives
exactly the parameters `Connection.execute` would have sent, inside the same transaction.

On PostgreSQL's grouped path (pg_group_commit.py) the connection may carry a `Deferral`: writes are then
queued and sent with the next read or at the end of the batch, in one pipeline, and their row counts
checked there (each parameter set of a write statement here changes exactly one row).

A statement may also carry its batched form for that path (PostgreSQL only), which the Deferral uses to
serve many units with one statement:
- a read by one key (`batched`): the same read for an array of keys, its first column the key, so that
  the first reads of a batch's units go out as one `= ANY(…)` query (in the key order: row locks are
  taken in that one order);
- a write (`merged`): the same write for many parameter sets, which it receives as one parameter, `rows`:
  a JSON array of the sets, each an object by parameter name (`json_to_recordset`), so that the writes the
  units queued go out as one statement. JSON because msgspec encodes a batch's sets in one C call, where
  psycopg dumps an array parameter element by element in Python (measured: ~15% of a batch's CPU for
  eighteen arrays); and `changes`, the parameter naming the
  `appointment` row each parameter set changes, by which the Deferral knows which rows it read ahead
  are no longer as read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement

Processor = Callable[[Any], Any] | None

DEFERRAL = "sodiary.deferral"  # the key of a Deferral in a connection's `info`


class Deferral(Protocol):
    def read(self, plan: Plan, parameters: Sequence[Any] | dict[str, Any]) -> list[Sequence[Any]]: ...

    def write(self, plan: Plan, values: list[Mapping[str, Any]]) -> None:
        """Queue the write, once per mapping of its values (unbound: `plan.parameters` when sent alone)."""


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    sql: str
    names: tuple[str, ...]  # the bind parameters the driver receives, in order for positional styles
    positional: bool
    binders: tuple[Processor, ...]
    fixed: Mapping[str, Any]  # binds whose value is part of the statement (`updated_count + 1`)
    results: tuple[Processor, ...]
    deferrable: bool  # PostgreSQL: a grouped batch may queue its writes (pg_group_commit.py)
    batched: Plan | None = None  # a read by one key: the same read for an array of keys
    merged: Plan | None = None  # a write: the same write for a JSON array of its parameter sets (`rows`)
    changes: str | None = None  # a write: the parameter naming the appointment row each set changes
    # Positional only: (position, earlier position of the same name), for a parameter the statement names twice;
    # its value is processed once and copied (a datetime on SQLite is a Python string format per processing).
    repeats: tuple[tuple[int, int], ...] = ()
    # A positional statement whose values need no conversion: the driver's parameters picked straight from the
    # values in the order the statement declared (`DriverStatement.run_args`), or None.
    pick: Callable[[Sequence[Any]], Sequence[Any]] | None = None

    @property
    def key(self) -> str:
        """A batched read's one parameter."""
        (name,) = self.names
        return name

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        # A plain loop: this runs for every statement of every answer.
        bound = []
        fixed = self.fixed
        for name, binder in zip(self.names, self.binders, strict=True):
            value = values[name] if name in values else fixed[name]
            bound.append(value if binder is None or value is None else binder(value))
        for position, earlier in self.repeats:
            bound[position] = bound[earlier]
        return bound if self.positional else dict(zip(self.names, bound, strict=True))

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(v if p is None or v is None else p(v) for v, p in zip(raw, self.results, strict=True))


class DriverStatement:
    """One Core statement, compiled once per dialect, executed on the DBAPI connection."""

    def __init__(
        self,
        statement: ClauseElement,
        *,
        column_keys: Iterable[str] | None = None,
        batched: ClauseElement | None = None,
        merged: ClauseElement | None = None,
        changes: str | None = None,
        arguments: Sequence[str] = (),
    ) -> None:
        """`arguments`: the parameter names in the order `run_args` receives their values."""
        self.statement = statement
        self._statement = statement
        self._column_keys = list(column_keys) if column_keys is not None else None
        self._batched = DriverStatement(batched) if batched is not None else None
        self._merged = DriverStatement(merged) if merged is not None else None
        self._changes = changes
        self._arguments = tuple(arguments)
        self._plans: dict[type[Dialect], Plan] = {}

    def _plan(self, dialect: Dialect) -> Plan:
        # By the dialect's class: psycopg's sync and async dialects share a name but not `deferrable`.
        plan = self._plans.get(type(dialect))
        if plan is None:
            plan = self._plans[type(dialect)] = self._compile(dialect)
        return plan

    def _compile(self, dialect: Dialect) -> Plan:
        compiled: Any = self._statement.compile(
            dialect=dialect, column_keys=self._column_keys, for_executemany=self._column_keys is not None
        )
        if compiled.positiontup is not None:
            names = tuple(compiled.positiontup)
        else:
            names = tuple(n for n in compiled.binds if f"%({n})s" in compiled.string)
        binds = compiled.binds
        first = {n: names.index(n) for n in names}
        repeats = tuple((i, first[n]) for i, n in enumerate(names) if first[n] != i)
        binders = tuple(None if first[n] != i else binds[n].type.dialect_impl(dialect).bind_processor(dialect)
                        for i, n in enumerate(names))
        fixed = {n: binds[n].effective_value for n in names if binds[n].value is not None}
        selected = getattr(self._statement, "selected_columns", ())
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected)
        deferrable = dialect.name == "postgresql"
        # The batched forms exist on PostgreSQL's grouped path only (arrays and ANY, JSON rows).
        batched = self._batched._plan(dialect) if deferrable and self._batched is not None else None
        merged = self._merged._plan(dialect) if deferrable and self._merged is not None else None
        return Plan(compiled.string, names, compiled.positiontup is not None, binders, fixed, results, deferrable,
                    batched, merged, self._changes, repeats, self._pick(names, binders, fixed, compiled))

    def _pick(self, names: tuple[str, ...], binders: tuple[Processor, ...], fixed: Mapping[str, Any],
              compiled: Any) -> Callable[[Sequence[Any]], Sequence[Any]] | None:
        if self._arguments and set(names) != set(self._arguments):
            raise ValueError(f"arguments {self._arguments} do not name the statement's parameters {names}")
        if not self._arguments or compiled.positiontup is None or fixed or any(binders):
            return None
        positions = [self._arguments.index(n) for n in names]
        if len(positions) == 1:
            (only,) = positions
            return lambda values: (values[only],)
        return itemgetter(*positions)

    def _cursor(self, conn: Connection) -> Any:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        return raw.cursor()

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        plan = self._plan(conn.dialect)
        deferral = conn.info.get(DEFERRAL) if plan.deferrable else None
        if deferral is not None:
            rows = deferral.read(plan, plan.parameters(values))
            return plan.row(rows[0]) if rows else None
        cursor = self._cursor(conn)
        try:
            cursor.execute(plan.sql, plan.parameters(values))
            raw = cursor.fetchone()
        finally:
            cursor.close()
        return None if raw is None else plan.row(raw)

    def all(self, conn: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        plan = self._plan(conn.dialect)
        deferral = conn.info.get(DEFERRAL) if plan.deferrable else None
        if deferral is not None:
            return [plan.row(raw) for raw in deferral.read(plan, plan.parameters(values))]
        cursor = self._cursor(conn)
        try:
            cursor.execute(plan.sql, plan.parameters(values))
            return [plan.row(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()

    def run_args(self, conn: Connection, values: Sequence[Any]) -> None:
        """`run` for one parameter set, its values in the order of `arguments`: on a positional driver with
        nothing to convert (SQLite here), the driver receives them without a mapping built and read back."""
        plan = self._plan(conn.dialect)
        if plan.pick is None:
            self.run(conn, [dict(zip(self._arguments, values, strict=True))])
            return
        self._cursor(conn).execute(plan.sql, plan.pick(values)).close()

    def run(self, conn: Connection, many: Sequence[Mapping[str, Any]]) -> int:
        """Execute once per parameter set; the number of rows changed, or -1 where the driver cannot tell
        (yet: a deferred write's count is checked when it is sent)."""
        plan = self._plan(conn.dialect)
        deferral = conn.info.get(DEFERRAL) if plan.deferrable else None
        if deferral is not None:
            deferral.write(plan, list(many))
            return -1
        cursor = self._cursor(conn)
        try:
            if len(many) == 1:
                cursor.execute(plan.sql, plan.parameters(many[0]))
            else:
                cursor.executemany(plan.sql, [plan.parameters(v) for v in many])
            return int(cursor.rowcount)
        finally:
            cursor.close()
