"""Repository for login tickets, browser sessions and partner applications (hashed tokens only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from .schema import associate, auth_token, partner_app


@dataclass(frozen=True, slots=True)
class TokenOwner:
    """A stored token joined with its associate's current state."""

    associate_id: int
    name: str
    token_version: int  # the associate's credential version when the token was issued
    current_version: int
    disabled: bool
    xsrf_hash: str
    expires: datetime
    revoked: bool


def insert_token(conn: Connection, *, kind: str, token_hash: str, associate_id: int, credential_version: int,
                 xsrf_hash: str, created: datetime, expires: datetime) -> None:
    # Housekeeping on the way: tokens long expired are of no use to anyone.
    conn.execute(delete(auth_token).where(auth_token.c.expires < created))
    conn.execute(insert(auth_token).values(
        kind=kind, token_hash=token_hash, associate_id=associate_id, credential_version=credential_version,
        xsrf_hash=xsrf_hash, created=created, expires=expires, revoked=False,
    ))


def find_token(conn: Connection, kind: str, token_hash: str) -> TokenOwner | None:
    t, a = auth_token.c, associate.c
    r = conn.execute(
        select(a.associate_id, a.name, t.credential_version, a.credential_version, a.disabled, t.xsrf_hash,
               t.expires, t.revoked)
        .join_from(auth_token, associate, t.associate_id == a.associate_id)
        .where(t.kind == kind, t.token_hash == token_hash)
    ).first()
    if r is None:
        return None
    return TokenOwner(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], bool(r[7]))


def revoke_token(conn: Connection, kind: str, token_hash: str) -> bool:
    t = auth_token.c
    stmt = update(auth_token).where(t.kind == kind, t.token_hash == token_hash, t.revoked.is_(False))
    return bool(conn.execute(stmt.values(revoked=True)).rowcount)


def add_app(conn: Connection, name: str, token_hash: str, created: datetime) -> None:
    conn.execute(insert(partner_app).values(name=name, token_hash=token_hash, created=created))


def remove_app(conn: Connection, name: str) -> bool:
    return bool(conn.execute(delete(partner_app).where(partner_app.c.name == name)).rowcount)


def list_apps(conn: Connection) -> list[tuple[str, datetime]]:
    p = partner_app.c
    return [(r[0], r[1]) for r in conn.execute(select(p.name, p.created).order_by(p.name))]


def app_tokens(conn: Connection) -> dict[str, str]:
    """Token hash → application name, for every registered application."""
    p = partner_app.c
    return {r[0]: r[1] for r in conn.execute(select(p.token_hash, p.name))}


def find_associate_by_id(conn: Connection, associate_id: int) -> tuple[str, int, bool] | None:
    """Name, credential version and disabled flag of an associate."""
    a = associate.c
    r = conn.execute(
        select(a.name, a.credential_version, a.disabled).where(a.associate_id == associate_id)
    ).first()
    return (r[0], r[1], bool(r[2])) if r is not None else None
