"""Request and response bodies of the account routes (login, profile, keys, users)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.models.account import (
    ApiKeyPublic,
    EmailText,
    NewPasswordText,
    PasswordText,
    Scope,
    Theme,
    UserNameText,
)


class LoginRequest(BaseModel):
    """An e-mail address and a password."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: PasswordText


class SetupRequest(BaseModel):
    """The owner account of a fresh instance."""

    model_config = ConfigDict(extra="forbid")

    email: EmailText
    name: UserNameText
    password: NewPasswordText


class TokenResponse(BaseModel):
    """A bearer token of the OAuth2 password flow."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int


class ProfileUpdate(BaseModel):
    """A change to one's own name or theme; fields left out keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: UserNameText | None = None
    theme: Theme | None = None


class PasswordChange(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")

    current: PasswordText
    new: NewPasswordText


# The roles an admin can give (the owner is the one who set the instance up).
AssignableRole = Literal["admin", "editor", "viewer"]


class ApiKeyCreate(BaseModel):
    """A new API key: a name, its scopes and an optional lifetime in days."""

    model_config = ConfigDict(extra="forbid")

    name: UserNameText
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class ApiKeyCreated(BaseModel):
    """A new key: `secret` is the whole key, shown this once."""

    key: ApiKeyPublic
    secret: str


class InviteCreate(BaseModel):
    """The role the invited person will have."""

    model_config = ConfigDict(extra="forbid")

    role: AssignableRole


class InviteCreated(BaseModel):
    """An invitation: the token to hand over (shown once) and when it expires."""

    token: str
    expires_at: datetime


class InviteAccept(BaseModel):
    """Joining with an invitation."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    email: EmailText
    name: UserNameText
    password: NewPasswordText


class UserUpdate(BaseModel):
    """An admin's change to a user: another role, or deactivation / reactivation."""

    model_config = ConfigDict(extra="forbid")

    role: AssignableRole | None = None
    active: StrictBool | None = None
