"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("flowbook-dummy-password")


def hash_password(password: str) -> str:
    """The argon2id hash of a password (salted; safe to store)."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash.

    Args:
        password_hash: the stored hash, or None for an unknown account: a dummy hash is
            checked then, so an unknown e-mail takes as long as a wrong password.
        password: what the person typed.

    Returns:
        True when it matches.
    """
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)
