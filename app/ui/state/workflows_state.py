"""The workflows page: list with search and paging, create, rename, duplicate, delete, run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.models.workflow import (
    WorkflowCreate,
    WorkflowPublic,
    WorkflowsPage,
    WorkflowSummary,
    WorkflowUpdate,
)
from app.services import executions, workflows
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.workflow_list import list_workflows
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_with_undo import DeleteWithUndoMixin
from app.ui.state.display import error_message, iso
from app.ui.state.paging import PAGE_SIZE, PagingMixin


@dataclass
class WorkflowRow:
    """One workflow in the table."""

    id: int
    name: str
    description: str
    node_count: int
    updated_at: str
    can_change: bool
    can_run: bool
    can_delete: bool
    can_share: bool


def read_page(principal: Principal, search: str, offset: int) -> WorkflowsPage:
    """One page of the workflows `principal` may see matching `search` ("" for all) (run
    on a db thread)."""
    with session_scope(read_only=True) as session:
        return list_workflows(
            session, principal=principal, search=search or None, offset=offset, limit=PAGE_SIZE
        )


def create_workflow(principal: Principal, data: WorkflowCreate) -> WorkflowPublic:
    """Create a workflow (run on a db thread)."""
    with session_scope() as session:
        return workflows.create_workflow(session, principal=principal, data=data)


def rename_workflow(principal: Principal, workflow_id: int, data: WorkflowUpdate) -> WorkflowPublic:
    """Rename a workflow (run on a db thread)."""
    with session_scope() as session:
        return workflows.update_workflow(
            session, principal=principal, workflow_id=workflow_id, data=data
        )


def duplicate_workflow(principal: Principal, workflow_id: int) -> WorkflowPublic:
    """Copy a workflow as "<name> (copy)" (run on a db thread)."""
    with session_scope() as session:
        return workflows.duplicate_workflow(session, principal=principal, workflow_id=workflow_id)


def delete_workflow(principal: Principal, workflow_id: int) -> None:
    """Soft-delete a workflow (run on a db thread)."""
    with session_scope() as session:
        workflows.delete_workflow(session, principal=principal, workflow_id=workflow_id)


def workflow_row(item: WorkflowSummary) -> WorkflowRow:
    """The table row of a workflow, with what the caller may do with it."""
    return WorkflowRow(
        id=item.id,
        name=item.name,
        description=item.description,
        node_count=item.node_count,
        updated_at=iso(item.updated_at),
        can_change=Action.CHANGE in item.access,
        can_run=Action.RUN in item.access,
        can_delete=Action.DELETE in item.access,
        can_share=Action.SHARE in item.access,
    )


class WorkflowsState(PagingMixin, DeleteWithUndoMixin, rx.State):
    """State of the workflows page and its dialogs."""

    rows: list[WorkflowRow] = []
    search: str = ""
    create_open: bool = False
    rename_open: bool = False
    rename_id: int = 0
    rename_name: str = ""

    async def _reload(self) -> None:
        page = await run_db(read_page, await acting_principal(self), self.search, self.offset)
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        self.rows = [workflow_row(item) for item in page.items]
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load the current page (on page load)."""
        await self._reload()

    @rx.event
    async def set_search(self, value: str) -> None:
        """Filter by a substring of the name or description."""
        self.search = value.strip()
        self.offset = 0
        await self._reload()

    @rx.event
    def set_create_open(self, value: bool) -> None:
        """Open or close the create dialog."""
        self.create_open = value

    @rx.event
    async def create(self, form: dict[str, Any]) -> EventSpec | None:
        """Create a workflow from the dialog's form and open it."""
        try:
            data = WorkflowCreate(
                name=str(form.get("name", "")), description=str(form.get("description", ""))
            )
        except ValueError:
            return rx.toast.error("Give the workflow a name (at most 200 characters).")
        try:
            created = await run_db(create_workflow, await acting_principal(self), data)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.create_open = False
        await self._reload()
        return rx.toast.success(f"Created “{created.name}”")

    @rx.event
    def open_rename(self, workflow_id: int, name: str) -> None:
        """Open the rename dialog for a workflow."""
        self.rename_id = workflow_id
        self.rename_name = name
        self.rename_open = True

    @rx.event
    def set_rename_open(self, value: bool) -> None:
        """Open or close the rename dialog."""
        self.rename_open = value

    @rx.event
    async def rename(self, form: dict[str, Any]) -> EventSpec | None:
        """Save the new name from the rename dialog."""
        try:
            data = WorkflowUpdate(name=str(form.get("name", "")))
        except ValueError:
            return rx.toast.error("The name must be 1 to 200 characters.")
        try:
            updated = await run_db(
                rename_workflow, await acting_principal(self), self.rename_id, data
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self.rename_open = False
        await self._reload()
        return rx.toast.success(f"Renamed to “{updated.name}”")

    @rx.event
    async def duplicate(self, workflow_id: int) -> EventSpec:
        """Copy a workflow as "<name> (copy)"."""
        try:
            copy = await run_db(duplicate_workflow, await acting_principal(self), workflow_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Created “{copy.name}”")

    async def _delete(self, item_id: int) -> None:
        await run_db(delete_workflow, await acting_principal(self), item_id)

    @rx.event
    async def run(self, workflow_id: int) -> EventSpec | list[EventSpec]:
        """Start a manual execution and open its detail page."""
        try:
            execution = await executions.start_execution_async(
                principal=await acting_principal(self), workflow_id=workflow_id
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return [
            rx.toast.success(f"Started execution #{execution.id}"),
            rx.redirect(f"/executions/{execution.id}"),
        ]
