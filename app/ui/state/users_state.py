"""The users page (owner and admins): users and their roles, invitations, deactivation.

The gate lets only the owner and admins send its events; the services check again.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import reflex as rx
from reflex_base.event import EventSpec

from app.models.account import Role
from app.services import accounts, invites
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.user_directory import OpenInvite, UserListing, open_invites, users_with_last_login
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message, iso

ASSIGNABLE = [role.value for role in accounts.ASSIGNABLE_ROLES]


@dataclass
class UserRow:
    """One user in the table; `manageable` is false for the owner and for oneself."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    last_login_at: str
    manageable: bool


@dataclass
class InviteRow:
    """One open invitation."""

    id: int
    role: str
    invited_by: str
    created_at: str
    expires_at: str


def user_row(user: UserListing, me: int) -> UserRow:
    """How a user is listed to the principal whose id is `me`."""
    return UserRow(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        last_login_at=iso(user.last_login_at),
        manageable=user.role != Role.OWNER.value and user.id != me,
    )


def invite_row(invite: OpenInvite) -> InviteRow:
    """How an open invitation is listed."""
    return InviteRow(
        id=invite.id,
        role=invite.role,
        invited_by=invite.invited_by,
        created_at=iso(invite.created_at),
        expires_at=iso(invite.expires_at),
    )


def join_link(page_url: str, token: str) -> str:
    """The link to hand over: `/join?token=…` on the origin the page was opened from."""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}/join?token={token}"


def read_users(principal: Principal) -> tuple[list[UserListing], list[OpenInvite]]:
    """The users and the open invitations (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return (
            users_with_last_login(session, principal=principal),
            open_invites(session, principal=principal),
        )


def invite(principal: Principal, role: Role, ip: str) -> str:
    """Create an invitation and return its token (run on a db thread)."""
    with session_scope() as session:
        _, token = invites.create_invite(session, principal=principal, role=role, ip=ip)
    return token


def set_role(principal: Principal, user_id: int, role: Role, ip: str) -> None:
    """Give a user another role (run on a db thread)."""
    with session_scope() as session:
        accounts.change_role(session, principal=principal, user_id=user_id, role=role, ip=ip)


def set_active(principal: Principal, user_id: int, active: bool, ip: str) -> None:
    """Deactivate (sessions and keys end) or reactivate a user (run on a db thread)."""
    with session_scope() as session:
        accounts.set_active(session, principal=principal, user_id=user_id, active=active, ip=ip)


class UsersState(rx.State):
    """State of the users page and its dialogs."""

    loading: bool = True
    rows: list[UserRow] = []
    invites: list[InviteRow] = []
    invite_open: bool = False
    invite_role: str = Role.EDITOR.value
    # The link of the invitation just made (its token is shown this once).
    invite_link: str = ""
    toggle_open: bool = False
    toggle_id: int = 0
    toggle_name: str = ""
    toggle_active: bool = False

    def _ip(self) -> str:
        return self.router.session.client_ip

    async def _reload(self, principal: Principal) -> None:
        users, open_ones = await run_db(read_users, principal)
        self.rows = [user_row(user, principal.user_id) for user in users]
        self.invites = [invite_row(item) for item in open_ones]
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load users and invitations (on page load)."""
        self.invite_link = ""
        await self._reload(await acting_principal(self))

    @rx.event
    def set_invite_open(self, value: bool) -> None:
        """Open or close the invite dialog (it opens on the role choice again)."""
        self.invite_open = value
        if value:
            self.invite_link = ""

    @rx.event
    def set_invite_role(self, value: str) -> None:
        """Choose the role of the next invitation."""
        if value in ASSIGNABLE:
            self.invite_role = value

    @rx.event
    async def create_invite(self) -> EventSpec | None:
        """Make an invitation and show its link to copy."""
        principal = await acting_principal(self)
        try:
            token = await run_db(invite, principal, Role(self.invite_role), self._ip())
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.invite_link = join_link(str(self.router.url), token)
        await self._reload(principal)
        return None

    @rx.event
    async def change_role(self, user_id: int, role: str) -> EventSpec:
        """Give a user another role; refusals (the owner, oneself) shown as a toast."""
        if role not in ASSIGNABLE:
            return rx.toast.error("A user can be made admin, editor or viewer")
        principal = await acting_principal(self)
        try:
            await run_db(set_role, principal, user_id, Role(role), self._ip())
        except ServiceError as exc:
            await self._reload(principal)
            return rx.toast.error(error_message(exc))
        await self._reload(principal)
        return rx.toast.success(f"Role changed to {role}")

    @rx.event
    def ask_toggle(self, user_id: int, name: str, active: bool) -> None:
        """Ask to confirm deactivating (active False) or reactivating a user."""
        self.toggle_id, self.toggle_name, self.toggle_active = user_id, name, active
        self.toggle_open = True

    @rx.event
    def set_toggle_open(self, value: bool) -> None:
        """Open or close the (de)activation confirmation."""
        self.toggle_open = value

    @rx.event
    async def confirm_toggle(self) -> EventSpec:
        """Deactivate or reactivate the user the confirmation names."""
        principal = await acting_principal(self)
        self.toggle_open = False
        try:
            await run_db(set_active, principal, self.toggle_id, self.toggle_active, self._ip())
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload(principal)
        done = "reactivated" if self.toggle_active else "deactivated; their sessions and keys ended"
        return rx.toast.success(f"{self.toggle_name} {done}")
