"""Users and API keys for tests: made in the database cheaply (the argon2 hash of the one test
password is computed once per test session), or over HTTP on a running app the way a person
sets one up (e2e, benchmarks, tests that start a server)."""

from __future__ import annotations

from functools import lru_cache

import httpx

from app.models.account import Role, User
from app.models.types import utc_now
from app.services.api_keys import create_api_key
from app.services.passwords import hash_password
from app.services.principal import principal_of
from app.services.unit_of_work import session_scope
from app.services.user_sessions import SESSION_COOKIE

PASSWORD = "correct horse battery staple"
OWNER = {"email": "owner@example.com", "name": "Owner", "password": PASSWORD}


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


def set_up_owner(backend_url: str) -> str:
    """Create the owner of a fresh app over HTTP (once) and return a session token of theirs."""
    with httpx.Client(base_url=backend_url, timeout=30.0) as client:
        if client.get("/api/auth/status").json()["needs_owner"]:
            client.post("/api/auth/setup", json=OWNER).raise_for_status()
        logged_in = client.post(
            "/api/auth/login", json={"email": OWNER["email"], "password": OWNER["password"]}
        )
        logged_in.raise_for_status()
        return str(logged_in.cookies[SESSION_COOKIE])


def owner_api_key(backend_url: str, session_token: str | None = None) -> str:
    """An API key with every scope of the owner of a running app (set up when needed)."""
    token = session_token or set_up_owner(backend_url)
    with httpx.Client(base_url=backend_url, timeout=30.0) as client:
        created = client.post(
            "/api/me/api-keys",
            json={"name": "tests", "scopes": ["admin"]},
            cookies={SESSION_COOKIE: token},
        )
        created.raise_for_status()
        return str(created.json()["secret"])
