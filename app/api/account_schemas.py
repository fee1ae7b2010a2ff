"""Request and response bodies of the account routes (login, profile, keys, users)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, StrictBool

from app.models.account import (
    ApiKeyPublic,
    EmailText,
    PasswordText,
    Role,
    Scope,
    Theme,
    UserNameText,
)


class LoginRequest(BaseModel):
    """An e-mail address and a password."""

    email: str = Field(max_length=254)
    password: PasswordText


class SetupRequest(BaseModel):
    """The owner account of a fresh instance."""

    email: EmailText
    name: UserNameText
    password: PasswordText


class TokenResponse(BaseModel):
    """A bearer token of the OAuth2 password flow."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ProfileUpdate(BaseModel):
    """A change to one's own name or theme; fields left out keep their value."""

    name: UserNameText | None = None
    theme: Theme | None = None


class PasswordChange(BaseModel):
    """The current password and the new one."""

    current: PasswordText
    new: PasswordText


class ApiKeyCreate(BaseModel):
    """A new API key: a name, its scopes and an optional expiry."""

    name: UserNameText
    scopes: list[Scope] = Field(min_length=1)
    expires_at: datetime | None = None


class ApiKeyCreated(BaseModel):
    """A new key: `secret` is the whole key, shown this once."""

    key: ApiKeyPublic
    secret: str


class InviteCreate(BaseModel):
    """The role the invited person will have."""

    role: Role


class InviteCreated(BaseModel):
    """An invitation: the token to hand over (shown once) and when it expires."""

    token: str
    expires_at: datetime


class InviteAccept(BaseModel):
    """Joining with an invitation."""

    token: str = Field(min_length=1, max_length=200)
    email: EmailText
    name: UserNameText
    password: PasswordText


class UserUpdate(BaseModel):
    """An admin's change to a user: another role, or deactivation / reactivation."""

    role: Role | None = None
    active: StrictBool | None = None
