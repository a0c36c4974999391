"""Repository for associates (users) and their people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from .schema import associate, contact, person


@dataclass(frozen=True, slots=True)
class Login:
    associate_id: int
    name: str
    password_hash: str
    disabled: bool
    credential_version: int


def find_login(conn: Connection, name: str) -> Login | None:
    a = associate.c
    r = conn.execute(
        select(a.associate_id, a.name, a.password_hash, a.disabled, a.credential_version).where(
            func.lower(a.name) == name.lower()
        )
    ).first()
    return Login(r[0], r[1], r[2], bool(r[3]), r[4]) if r is not None else None


def credential_version(conn: Connection, associate_id: int) -> tuple[int, bool] | None:
    a = associate.c
    r = conn.execute(
        select(a.credential_version, a.disabled).where(a.associate_id == associate_id)
    ).first()
    return (r[0], bool(r[1])) if r is not None else None


def add_contact(conn: Connection, name: str, department: str = "") -> int:
    return int(conn.execute(insert(contact).values(name=name, department=department)).inserted_primary_key[0])  # type: ignore[index]


def add_person(conn: Connection, contact_id: int, firstname: str, lastname: str, email: str = "") -> int:
    stmt = insert(person).values(contact_id=contact_id, firstname=firstname, lastname=lastname, email=email)
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def add_associate(conn: Connection, name: str, password_hash: str, person_id: int | None, type_: int = 1) -> int:
    stmt = insert(associate).values(name=name, password_hash=password_hash, person_id=person_id, type=type_)
    return int(conn.execute(stmt).inserted_primary_key[0])  # type: ignore[index]


def set_password(conn: Connection, name: str, password_hash: str) -> bool:
    a = associate.c
    stmt = (
        update(associate)
        .where(func.lower(a.name) == name.lower())
        .values(password_hash=password_hash, credential_version=a.credential_version + 1)
    )
    return bool(conn.execute(stmt).rowcount)


def set_disabled(conn: Connection, name: str, disabled: bool) -> bool:
    a = associate.c
    stmt = (
        update(associate)
        .where(func.lower(a.name) == name.lower())
        .values(disabled=disabled, credential_version=a.credential_version + 1)
    )
    return bool(conn.execute(stmt).rowcount)
