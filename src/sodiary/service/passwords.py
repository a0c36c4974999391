"""Argon2id password hashes."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's defaults (t=3, m=64 MiB, p=4)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def dummy_hash() -> str:
    """A hash of a random secret with the real hashes' parameters, for names that have no usable hash.

    Verifying against it costs what a real user's wrong password costs and never succeeds, so an
    unknown or disabled user cannot be told from a real one by the time of the answer."""
    return _hasher.hash(secrets.token_urlsafe(32))
