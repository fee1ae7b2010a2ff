"""Users for the account tests: an owner and members with each role."""

from __future__ import annotations

from sqlmodel import Session

from app.models.account import Role, User
from app.services.accounts import add_user, create_owner
from app.services.principal import Principal, principal_of

PASSWORD = "correct horse battery staple"


def owner(session: Session, email: str = "ada@example.com") -> Principal:
    """Set the instance up and return the owner."""
    created = create_owner(session, email=email, name="Ada", password=PASSWORD)
    user = session.get(User, created.id)
    assert user is not None
    return principal_of(user)


def member(session: Session, role: Role, email: str | None = None) -> Principal:
    """A user with `role` (no access check: test set-up)."""
    address = email or f"{role.value}@example.com"
    return principal_of(
        add_user(session, email=address, name=role.value.title(), password=PASSWORD, role=role)
    )
