"""Accounts: users and their roles, UI sessions, API keys, invitations, login attempts.

Secrets are never stored: a session token, an API key or an invitation token is kept only
as the SHA-256 of a random value (they are long random strings, so a fast hash is enough and
keeps every request's lookup cheap); passwords are kept as argon2 hashes.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic import Field as PydanticField
from sqlalchemy import Column, Index, String, text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type
from app.models.workflow import NAME_PATTERN, WHITESPACE

EMAIL_MAX = 254
USER_NAME_MAX = 120
PASSWORD_MAX = 1024
PASSWORD_MIN = 12
# name@domain.tld: no spaces, one @, a dot inside the domain (the OpenAPI document says so too).
EMAIL_PATTERN = rf"^[^@{WHITESPACE}\x00]+@[^@{WHITESPACE}\x00]+\.[^@{WHITESPACE}\x00]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


class Role(StrEnum):
    """What a user may do; `owner` is the one user who set the instance up."""

    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


class Theme(StrEnum):
    """The colour theme a user chose."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class Scope(StrEnum):
    """What an API key may do (a session may do whatever its user's role allows)."""

    WORKFLOWS_READ = "workflows:read"
    WORKFLOWS_WRITE = "workflows:write"
    EXECUTIONS_READ = "executions:read"
    EXECUTIONS_RUN = "executions:run"
    ADMIN = "admin"


def clean_email(value: str) -> str:
    """Lower-case an e-mail address; raises ValueError when it is not one."""
    email = value.lower()
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise ValueError("enter an e-mail address such as ada@example.com")
    return email


def clean_user_name(value: str) -> str:
    """Trim a person's name; raises ValueError when empty, too long or holding NUL."""
    name = value.strip()
    if not name:
        raise ValueError("name must not be empty")
    if "\x00" in name or len(name) > USER_NAME_MAX:
        raise ValueError(f"name must be at most {USER_NAME_MAX} characters, without NUL")
    return name


EmailText = Annotated[
    str,
    PydanticField(min_length=5, max_length=EMAIL_MAX, json_schema_extra={"pattern": EMAIL_PATTERN}),
    AfterValidator(clean_email),
]
# The pattern tells the OpenAPI document what `clean_user_name` accepts (not only spaces).
UserNameText = Annotated[
    str,
    PydanticField(
        min_length=1, max_length=USER_NAME_MAX, json_schema_extra={"pattern": NAME_PATTERN}
    ),
    AfterValidator(clean_user_name),
]
PasswordText = Annotated[str, PydanticField(min_length=1, max_length=PASSWORD_MAX)]
# A password being chosen: the length rule is stated; the rest (app/services/password_policy)
# is checked by the service.
NewPasswordText = Annotated[str, PydanticField(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]


class User(SQLModel, table=True):
    """A person who can log in; at most one has the role `owner`."""

    __tablename__ = "users"
    __table_args__ = (
        Index(
            "uq_users_one_owner",
            "role",
            unique=True,
            sqlite_where=text("role = 'owner'"),
            postgresql_where=text("role = 'owner'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(EMAIL_MAX), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(USER_NAME_MAX), nullable=False))
    password_hash: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    theme: str = Field(default=Theme.SYSTEM.value, sa_column=Column(String(16), nullable=False))
    active: bool = True
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class UserSession(SQLModel, table=True):
    """A UI session: the browser holds the token in an HttpOnly cookie, we hold its hash."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", nullable=False)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    ip: str = Field(default="", sa_column=Column(String(64), nullable=False))
    user_agent: str = Field(default="", sa_column=Column(String(300), nullable=False))


class ApiKey(SQLModel, table=True):
    """An API key: `fbk_<prefix>_<secret>`; the prefix finds the row, the hash proves it."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", nullable=False)
    name: str = Field(sa_column=Column(String(USER_NAME_MAX), nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(String(64), nullable=False))
    scopes: list[str] = Field(sa_column=Column(json_column_type(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Invite(SQLModel, table=True):
    """A one-time invitation link for a new user with a given role."""

    __tablename__ = "invites"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    created_by: int = Field(foreign_key="users.id", nullable=False)
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    used_by: int | None = Field(default=None, foreign_key="users.id")


class LoginAttempt(SQLModel, table=True):
    """A failed login, counted per account and per address for the rate limit."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_column=Column(String(EMAIL_MAX), nullable=False))
    ip: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class UserPublic(SQLModel):
    """A user as shown to people (never the password hash)."""

    id: int
    email: str
    name: str
    role: str
    theme: str
    active: bool
    created_at: datetime


class ApiKeyPublic(SQLModel):
    """An API key as listed: its prefix, never the secret."""

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


def public_user(user: User) -> UserPublic:
    """The public view of a user row."""
    assert user.id is not None
    return UserPublic(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        theme=user.theme,
        active=user.active,
        created_at=user.created_at,
    )


def public_api_key(key: ApiKey) -> ApiKeyPublic:
    """The public view of an API key row."""
    assert key.id is not None
    data: dict[str, Any] = key.model_dump(exclude={"user_id", "secret_hash"})
    return ApiKeyPublic(**data)
