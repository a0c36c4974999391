"""Repository for associates (users) and their people."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from .schema import answer_history, appointment, associate, auth_token, contact, person


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
    """Disable, or enable again; enabling a retired user brings them back (SuperOffice's MakeRetired(false))."""
    a = associate.c
    values = {"disabled": disabled, "credential_version": a.credential_version + 1}
    if not disabled:
        values["deleted"] = False
    stmt = update(associate).where(func.lower(a.name) == name.lower()).values(values)
    return bool(conn.execute(stmt).rowcount)


@dataclass(frozen=True, slots=True)
class User:
    associate_id: int
    name: str
    full_name: str
    email: str
    disabled: bool
    deleted: bool


def users(conn: Connection, *, retired: bool = False) -> list[User]:
    """Every user by name; retired ones only when asked."""
    a, p = associate.c, person.c
    query = (
        select(a.associate_id, a.name, p.firstname, p.lastname, p.email, a.disabled, a.deleted)
        .select_from(associate.outerjoin(person, a.person_id == p.person_id))
        .order_by(func.lower(a.name))
    )
    if not retired:
        query = query.where(a.deleted.is_(False))
    return [
        User(r.associate_id, r.name, " ".join(n for n in (r.firstname, r.lastname) if n), r.email or "",
             bool(r.disabled), bool(r.deleted))
        for r in conn.execute(query)
    ]


def exists_named(conn: Connection, name: str) -> bool:
    return conn.execute(select(exists().where(func.lower(associate.c.name) == name.lower()))).scalar_one()


def remove(conn: Connection, name: str) -> str | None:
    """`"deleted"` when nothing refers to the user (their row and person go, the name is free again),
    `"retired"` when something does (SuperOffice's retire: associate.deleted, disabled, every credential
    ends; their appointments, invitations and answers stay as they are), None for an unknown name."""
    a = associate.c
    found = conn.execute(
        select(a.associate_id, a.person_id).where(func.lower(a.name) == name.lower(), a.deleted.is_(False))
    ).first()
    if found is None:
        return None
    associate_id, person_id = found
    if not _referred_to(conn, associate_id, person_id):
        try:
            with conn.begin_nested():  # a table this function does not know may still refer to the user
                conn.execute(delete(auth_token).where(auth_token.c.associate_id == associate_id))
                conn.execute(delete(associate).where(a.associate_id == associate_id))
                if person_id is not None:
                    conn.execute(delete(person).where(person.c.person_id == person_id))
            return "deleted"
        except IntegrityError:
            pass
    conn.execute(
        update(associate).where(a.associate_id == associate_id)
        .values(deleted=True, disabled=True, credential_version=a.credential_version + 1)
    )
    return "retired"


def _referred_to(conn: Connection, associate_id: int, person_id: int | None) -> bool:
    ap = appointment.c
    by_associate = [ap.associate_id == associate_id, ap.registered_associate_id == associate_id,
                    ap.updated_associate_id == associate_id, ap.assigned_by == associate_id,
                    ap.mother_associate_id == associate_id]
    if person_id is not None:
        by_associate += [ap.person_id == person_id, ap.invited_person_id == person_id]
    booked = conn.execute(select(exists().where(or_(*by_associate)))).scalar_one()
    answered = conn.execute(
        select(exists().where(answer_history.c.associate_id == associate_id))).scalar_one()
    return bool(booked or answered)
