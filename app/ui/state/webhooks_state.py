"""State of the `/webhooks` page: every webhook the user may see, filtered by workflow
(`?workflow=<id>` in the URL), with enable/disable and delete."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from reflex_base.event import EventSpec

from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message
from app.ui.state.webhook_views import WebhookRow, hooks_base_url, webhook_row
from app.ui.state.webhooks_io import delete, read_webhooks, set_enabled

ALL = "all"


@dataclass
class WorkflowChoice:
    """A workflow the filter offers: the id sent and the name shown."""

    value: str
    label: str


def webhooks_url(workflow: str) -> str:
    """The page's URL for a workflow filter ("all": no filter)."""
    return "/webhooks" if workflow in ("", ALL) else f"/webhooks?workflow={workflow}"


class WebhooksState(DeleteConfirmMixin, rx.State):
    """The webhooks listed, the workflow filter and the delete confirmation."""

    rows: list[WebhookRow] = []
    workflows: list[WorkflowChoice] = []
    workflow_filter: str = ALL
    loading: bool = True
    _all: list[WebhookRow] = []

    @rx.var
    def filtered(self) -> bool:
        """Whether a workflow filter is set."""
        return self.workflow_filter != ALL

    async def _reload(self) -> None:
        found = await run_db(read_webhooks, await acting_principal(self), None)
        base = hooks_base_url(str(self.router.url))
        self._all = [webhook_row(hook, base, status) for hook, status in found]
        names = {row.workflow_id: row.workflow_name for row in self._all}
        self.workflows = [
            WorkflowChoice(str(wid), name)
            for wid, name in sorted(names.items(), key=lambda item: item[1].lower())
        ]
        self._apply()
        self.loading = False

    def _apply(self) -> None:
        chosen = self.workflow_filter
        self.rows = [row for row in self._all if chosen == ALL or str(row.workflow_id) == chosen]

    @rx.event
    async def load(self) -> None:
        """Show what the URL asks for (`?workflow=<id>`)."""
        workflow = str(self.router.url.query_parameters.get("workflow", ""))
        self.workflow_filter = workflow if workflow.isdigit() else ALL
        await self._reload()

    @rx.event
    def set_workflow_filter(self, value: str) -> EventSpec:
        """Show one workflow's webhooks ("all": every one), as a new URL."""
        return rx.redirect(webhooks_url(value))

    @rx.event
    async def set_enabled(self, webhook_id: int, enabled: bool) -> EventSpec | None:
        """Enable or disable a webhook."""
        try:
            await run_db(set_enabled, await acting_principal(self), webhook_id, enabled)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success("Enabled" if enabled else "Disabled", duration=1200)

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Delete the webhook asked about."""
        webhook_id = self.take_delete_id()
        try:
            await run_db(delete, await acting_principal(self), webhook_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Deleted {self.delete_name}")
