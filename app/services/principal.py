"""Who is asking: a user through a UI session or a token, or an API key with scopes.

Every service function that reads or changes owned data takes a `Principal` and decides
access itself; routes and UI state only find out who the principal is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.models.account import Role, Scope, User

ALL_SCOPES = frozenset(Scope)
_READ = frozenset({Scope.WORKFLOWS_READ, Scope.EXECUTIONS_READ})
# What each role may do at most; an API key's scopes are cut down to its user's role.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.OWNER: ALL_SCOPES,
    Role.ADMIN: ALL_SCOPES,
    Role.EDITOR: _READ | {Scope.WORKFLOWS_WRITE, Scope.EXECUTIONS_RUN},
    Role.VIEWER: _READ,
}


class Via(StrEnum):
    """How the principal proved who it is."""

    SESSION = "session"
    API_KEY = "api_key"
    TOKEN = "token"
    CLI = "cli"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller.

    Attributes:
        user_id: the user acting (an API key acts for its user); 0 for `SYSTEM`.
        role: that user's role.
        label: how the audit log names the caller (an e-mail, with the key's name).
        via: how it authenticated.
        scopes: what the caller may do: its role's scopes (`ROLE_SCOPES`), cut down to an
            API key's own scopes.
    """

    user_id: int
    role: Role
    label: str
    via: Via = Via.SESSION
    scopes: frozenset[Scope] = field(default=ALL_SCOPES)

    @property
    def is_admin(self) -> bool:
        """Owner and admins see and manage everything."""
        return self.role in (Role.OWNER, Role.ADMIN)

    def has_scope(self, scope: Scope) -> bool:
        """Whether the credentials allow `scope` (an `admin` key allows every scope)."""
        return scope in self.scopes or Scope.ADMIN in self.scopes


# Flowbook itself acting (the command line, start-up): no user; it may do everything.
SYSTEM = Principal(user_id=0, role=Role.OWNER, label="system", via=Via.CLI)


def principal_of(
    user: User, via: Via = Via.SESSION, *, scopes: frozenset[Scope] = ALL_SCOPES, label: str = ""
) -> Principal:
    """The principal acting as `user`: its role's scopes, within `scopes` (an API key's)."""
    assert user.id is not None
    role = Role(user.role)
    return Principal(
        user_id=user.id,
        role=role,
        label=label or user.email,
        via=via,
        scopes=ROLE_SCOPES[role] & scopes,
    )
