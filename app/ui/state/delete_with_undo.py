"""Delete a list item after a confirmation, with an Undo in the success toast."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventSpec

from app.models.workflow import WorkflowPublic
from app.services import workflows
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message


def restore_workflow(principal: Principal, workflow_id: int) -> WorkflowPublic:
    """Bring back a soft-deleted workflow row (run on a db thread)."""
    with session_scope() as session:
        return workflows.restore_workflow(session, principal=principal, workflow_id=workflow_id)


class DeleteWithUndoMixin(rx.State, mixin=True):
    """Confirm, soft-delete and restore workflow rows (workflows and orchestrations alike).

    The state using it implements `async _delete(item_id)` with the right service call
    (on a db thread), and `async _reload()` (as every `PagingMixin` list does) to refresh
    its list.
    """

    delete_open: bool = False
    delete_id: int = 0
    delete_name: str = ""

    async def _delete(self, item_id: int) -> None:
        raise NotImplementedError

    async def _reload(self) -> None:
        raise NotImplementedError

    @rx.event
    def ask_delete(self, item_id: int, name: str) -> None:
        """Ask for confirmation before deleting an item."""
        self.delete_id = item_id
        self.delete_name = name
        self.delete_open = True

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        """Open or close the delete confirmation."""
        self.delete_open = value

    @rx.event
    async def restore(self, item_id: int) -> EventSpec:
        """Bring back an item deleted by mistake (the toast's Undo)."""
        try:
            restored = await run_db(restore_workflow, await acting_principal(self), item_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Restored “{restored.name}”")

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Soft-delete the item the confirmation was opened for."""
        self.delete_open = False
        try:
            await self._delete(self.delete_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(
            f"Deleted “{self.delete_name}”",
            action={"label": "Undo", "on_click": type(self).restore(self.delete_id)},
        )
