"""Users and API keys for tests that call the API as someone, made cheaply (the argon2 hash
of the one test password is computed once per test session)."""

from __future__ import annotations

from functools import lru_cache

from app.models.account import Role, User
from app.models.types import utc_now
from app.services.api_keys import create_api_key
from app.services.passwords import hash_password
from app.services.principal import principal_of
from app.services.unit_of_work import session_scope

PASSWORD = "correct horse battery staple"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """The hash of `PASSWORD`."""
    return hash_password(PASSWORD)


def user_with_key(
    email: str = "owner@example.com", role: Role = Role.OWNER, scopes: tuple[str, ...] = ("admin",)
) -> str:
    """Insert a user with `role` and return a new API key of theirs with `scopes`."""
    now = utc_now()
    with session_scope() as session:
        user = User(
            email=email,
            name=email.partition("@")[0].title(),
            password_hash=password_hash(),
            role=role.value,
            created_at=now,
            updated_at=now,
        )
        session.add(user)
        session.flush()
        _, key = create_api_key(
            session, principal=principal_of(user), name="tests", scopes=list(scopes)
        )
    return key
