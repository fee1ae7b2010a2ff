"""The Share dialog of a workflow (from the editor's header or the workflows list): who it
is shared with, as viewer or editor; add, change and remove shares.

Every refusal of the service (no such user, the owner, not allowed) shows inside the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.models.sharing import ShareCreate, SharePermission, SharePublic
from app.services import sharing
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message

PERMISSIONS = [p.value for p in SharePermission]


@dataclass
class ShareRow:
    """One user the workflow is shared with."""

    user_id: int
    email: str
    name: str
    permission: str


def share_rows(shares: list[SharePublic]) -> list[ShareRow]:
    """The dialog's rows of the service's shares."""
    return [ShareRow(s.user_id, s.email, s.name, s.permission.value) for s in shares]


def read_shares(principal: Principal, workflow_id: int) -> list[SharePublic]:
    """Who the workflow is shared with (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return sharing.list_shares(session, principal=principal, workflow_id=workflow_id)


def write_share(principal: Principal, workflow_id: int, data: ShareCreate) -> list[SharePublic]:
    """Share the workflow (or change a share); every share after (run on a db thread)."""
    with session_scope() as session:
        return sharing.share_workflow(
            session, principal=principal, workflow_id=workflow_id, data=data
        )


def end_share(principal: Principal, workflow_id: int, user_id: int) -> list[SharePublic]:
    """End a user's share; the shares left (run on a db thread)."""
    with session_scope() as session:
        return sharing.unshare_workflow(
            session, principal=principal, workflow_id=workflow_id, user_id=user_id
        )


def share_data(email: str, permission: str) -> ShareCreate | str:
    """What to send the service, or why the form cannot be sent (shown in the dialog)."""
    if permission not in PERMISSIONS:
        return "Choose viewer or editor"
    try:
        return ShareCreate(email=email.strip(), permission=SharePermission(permission))
    except ValidationError:
        return "Enter the e-mail address of a Flowbook user"


class ShareState(rx.State):
    """The dialog: its workflow, the shares, the add form and the remove confirmation."""

    share_open: bool = False
    workflow_id: int = 0
    workflow_name: str = ""
    shares: list[ShareRow] = []
    loading: bool = False
    email: str = ""
    permission: str = SharePermission.VIEWER.value
    # Why the last change was refused ("" when it was not): shown in the dialog.
    error: str = ""
    remove_open: bool = False
    remove_user_id: int = 0
    remove_email: str = ""

    @rx.event
    async def open_share(self, workflow_id: int, name: str) -> None:
        """Open the dialog on a workflow and read its shares."""
        self.workflow_id, self.workflow_name = workflow_id, name
        self.share_open, self.loading = True, True
        self.email, self.permission, self.error = "", SharePermission.VIEWER.value, ""
        self.shares = []
        try:
            shares = await run_db(read_shares, await acting_principal(self), workflow_id)
        except ServiceError as exc:
            self.error = error_message(exc)
        else:
            self.shares = share_rows(shares)
        self.loading = False

    @rx.event
    def set_share_open(self, value: bool) -> None:
        """Open or close the dialog."""
        self.share_open = value

    @rx.event
    def set_email(self, value: str) -> None:
        """The e-mail address typed in the add row."""
        self.email = value
        self.error = ""

    @rx.event
    def set_permission(self, value: str) -> None:
        """The permission chosen in the add row."""
        self.permission = value

    async def _write(self, email: str, permission: str) -> bool:
        data = share_data(email, permission)
        if isinstance(data, str):
            self.error = data
            return False
        try:
            shares = await run_db(write_share, await acting_principal(self), self.workflow_id, data)
        except ServiceError as exc:
            self.error = error_message(exc)
            return False
        self.shares = share_rows(shares)
        self.error = ""
        return True

    @rx.event
    async def add(self) -> EventSpec | None:
        """Share with the user of the typed e-mail address."""
        email = self.email
        if not await self._write(email, self.permission):
            return None
        self.email = ""
        return rx.toast.success(f"Shared with {email.strip()}")

    @rx.event
    async def change_permission(self, email: str, permission: str) -> EventSpec | None:
        """Make an existing share viewer or editor."""
        if not await self._write(email, permission):
            return None
        return rx.toast.success(f"{email} is now {permission}")

    @rx.event
    def ask_remove(self, user_id: int, email: str) -> None:
        """Ask before ending a share."""
        self.remove_user_id, self.remove_email = user_id, email
        self.remove_open = True

    @rx.event
    def set_remove_open(self, value: bool) -> None:
        """Open or close the remove confirmation."""
        self.remove_open = value

    @rx.event
    async def confirm_remove(self) -> EventSpec | None:
        """End the share the confirmation was opened for."""
        self.remove_open = False
        try:
            shares = await run_db(
                end_share, await acting_principal(self), self.workflow_id, self.remove_user_id
            )
        except ServiceError as exc:
            self.error = error_message(exc)
            return None
        self.shares = share_rows(shares)
        self.error = ""
        return rx.toast.success(f"{self.remove_email} no longer has access")
