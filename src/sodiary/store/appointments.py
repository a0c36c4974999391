"""Repository for writing whole appointment rows, texts and recurrence rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Connection

from .schema import appointment, appointment_text, metadata, recurrence_rule


def insert_text(conn: Connection, description: str, agenda: str = "", internal_notes: str = "") -> int:
    stmt = insert(appointment_text).values(description=description, agenda=agenda, internal_notes=internal_notes)
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def insert_rule(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(recurrence_rule).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def insert_row(conn: Connection, **values: Any) -> int:
    return int(conn.execute(insert(appointment).values(**values)).inserted_primary_key[0])  # type: ignore[index]


def set_mother(conn: Connection, appointment_id: int, mother_id: int) -> None:
    conn.execute(
        appointment.update().where(appointment.c.appointment_id == appointment_id).values(mother_id=mother_id)
    )


def count_rows(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(appointment)).scalar_one())


def sync_sequences(conn: Connection) -> None:
    """After rows were inserted with explicit ids, let PostgreSQL's sequences continue past them."""
    if conn.dialect.name != "postgresql":
        return
    for table in metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1:
            continue
        col = pk[0].name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{col}'), "
                f"GREATEST(COALESCE((SELECT MAX({col}) FROM {table.name}), 0), 1))"
            )
        )
