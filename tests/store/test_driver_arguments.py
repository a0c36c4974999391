"""DriverStatement.run_args: values given in the statement's declared order reach the database under the right
names on each engine (SQLite straight as a tuple, PostgreSQL through the mapping), a name used twice included."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, insert, literal_column, select
from sqlalchemy.engine import Connection

from sodiary.store.database import Database
from sodiary.store.driver import DriverStatement

_metadata = MetaData()
_pair = Table("driver_pair", _metadata, Column("left_text", String(20)), Column("right_text", String(20)),
              Column("number", Integer), Column("again", Integer))


def _statement() -> DriverStatement:
    # `number` twice, and declared in another order than the statement binds them.
    source = select(bindparam("left", type_=String), bindparam("right", type_=String),
                    bindparam("number", type_=Integer), bindparam("number", type_=Integer) + literal_column("1"))
    return DriverStatement(insert(_pair).from_select(["left_text", "right_text", "number", "again"], source),
                           arguments=("number", "right", "left"))


def test_run_args_binds_each_value_to_its_declared_name(db: Database) -> None:
    statement = _statement()

    def work(conn: Connection) -> list[tuple[object, ...]]:
        _metadata.create_all(conn)
        statement.run_args(conn, (7, "right side", "left side"))
        return [tuple(r) for r in conn.execute(select(_pair))]

    assert db.run_sync(work) == [("left side", "right side", 7, 8)]


def test_arguments_that_do_not_name_the_statements_parameters_are_refused(db: Database) -> None:
    statement = DriverStatement(select(bindparam("one", type_=Integer)), arguments=("other",))

    def work(conn: Connection) -> None:
        statement.run_args(conn, (1,))

    with pytest.raises(ValueError, match="do not name"):
        db.run_sync(work)
