"""The executions page: filter by status (and workflow), paging, auto-refresh while active.

The filters and the page live in the URL (`?status=failed&workflow=3&page=2`): changing one
navigates to the new URL and `load` (the page's on_load) reads it, so a reload, a shared
link and the browser's back button all show the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import reflex as rx
from reflex_base.event import EventSpec

from app.models.execution import ExecutionPublic, ExecutionsPage
from app.services import executions, workflows
from app.services.db_threads import run_db
from app.services.errors import NotFoundError, ServiceError
from app.services.unit_of_work import session_scope
from app.ui.state.display import elapsed_ms, error_message, format_ms, iso
from app.ui.state.editor_run_io import cancel_execution
from app.ui.state.paging import PAGE_SIZE, PagingMixin

ACTIVE_STATUSES = frozenset({"queued", "running"})
# With nothing active on the page, still look for new runs every this many ticks (seconds).
IDLE_REFRESH_TICKS = 5
STATUS_FILTERS = (
    "all",
    "queued",
    "running",
    "paused",
    "succeeded",
    "failed",
    "cancelled",
    "crashed",
)


@dataclass
class ExecutionRow:
    """One execution in the table."""

    id: int
    workflow_id: int
    workflow_name: str
    status: str
    trigger: str
    created_at: str
    duration: str
    error: str
    uses_mock: bool


def executions_url(*, status: str = "all", workflow: int = 0, page: int = 1) -> str:
    """The executions page's URL for these filters (defaults are left out)."""
    params: dict[str, str | int] = {}
    if status != "all":
        params["status"] = status
    if workflow:
        params["workflow"] = workflow
    if page > 1:
        params["page"] = page
    return f"/executions?{urlencode(params)}" if params else "/executions"


def _positive(raw: str) -> int:
    return int(raw) if raw.isdigit() and int(raw) > 0 else 0


def execution_row(item: ExecutionPublic) -> ExecutionRow:
    """The table row of an execution."""
    return ExecutionRow(
        id=item.id,
        workflow_id=item.workflow_id,
        workflow_name=item.workflow_name,
        status=item.status,
        trigger=item.trigger,
        created_at=iso(item.created_at),
        duration=format_ms(elapsed_ms(item.started_at, item.finished_at)),
        error=item.error or "",
        uses_mock=item.uses_mock,
    )


def read_page(workflow_id: int, status: str, offset: int) -> ExecutionsPage:
    """One page of executions, filtered (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return executions.list_executions(
            session,
            workflow_id=workflow_id or None,
            status=None if status == "all" else status,
            offset=offset,
            limit=PAGE_SIZE,
        )


def read_workflow_name(workflow_id: int) -> str:
    """A workflow's name, deleted ones included; "" when there is none (run on a db thread)."""
    try:
        with session_scope(read_only=True) as session:
            found = workflows.get_workflow(session, workflow_id=workflow_id, include_deleted=True)
    except NotFoundError:
        return ""
    return found.name


class ExecutionsState(PagingMixin, rx.State):
    """State of the executions page."""

    rows: list[ExecutionRow] = []
    status_filter: str = "all"
    workflow_filter: int = 0
    workflow_filter_name: str = ""
    _ticks: int = 0

    @rx.var
    def has_active(self) -> bool:
        """Whether a row on this page is still queued or running (drives auto-refresh)."""
        return any(row.status in ACTIVE_STATUSES for row in self.rows)

    async def _reload(self) -> None:
        page = await run_db(read_page, self.workflow_filter, self.status_filter, self.offset)
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        rows = [execution_row(item) for item in page.items]
        # Assigning marks the var dirty and re-sends it; skip that when nothing changed.
        if rows != list(self.rows):
            self.rows = rows
        self.loading = False

    def _url(
        self, *, status: str | None = None, workflow: int | None = None, page: int | None = None
    ) -> str:
        """This page's URL with some filters changed."""
        return executions_url(
            status=self.status_filter if status is None else status,
            workflow=self.workflow_filter if workflow is None else workflow,
            page=self.offset // PAGE_SIZE + 1 if page is None else page,
        )

    @rx.event
    async def load(self) -> None:
        """Show what the URL asks for: `?status=`, `?workflow=` (an id) and `?page=`."""
        query = self.router.url.query_parameters
        status = str(query.get("status", "all"))
        self.status_filter = status if status in STATUS_FILTERS else "all"
        workflow_id = _positive(str(query.get("workflow", "")))
        if workflow_id != self.workflow_filter or not self.workflow_filter_name:
            self.workflow_filter_name = (
                await run_db(read_workflow_name, workflow_id) if workflow_id else ""
            )
        self.workflow_filter = workflow_id
        self.offset = (max(_positive(str(query.get("page", ""))), 1) - 1) * PAGE_SIZE
        await self._reload()

    @rx.event
    def set_status_filter(self, value: str | list[str]) -> EventSpec:
        """Show only executions in one status ("all" for every status), from page 1."""
        chosen = value[0] if isinstance(value, list) and value else value
        return rx.redirect(self._url(status=chosen if chosen in STATUS_FILTERS else "all", page=1))

    @rx.event
    def clear_workflow_filter(self) -> EventSpec:
        """Show the executions of every workflow."""
        return rx.redirect(self._url(workflow=0, page=1))

    @rx.event
    async def next_page(self) -> EventSpec | None:
        """Show the next page (a new URL, so back returns to this one)."""
        if not self.has_next:
            return None
        return rx.redirect(self._url(page=self.offset // PAGE_SIZE + 2))

    @rx.event
    async def prev_page(self) -> EventSpec | None:
        """Show the previous page."""
        if not self.offset:
            return None
        return rx.redirect(self._url(page=max(1, self.offset // PAGE_SIZE)))

    @rx.event
    async def tick(self, _now: str = "") -> None:
        """Called every second while the page is open.

        Refreshes at once while something on the page is active, and every few seconds
        otherwise so that runs started elsewhere (API, another tab) show up.
        """
        self._ticks += 1
        if self.has_active or self._ticks % IDLE_REFRESH_TICKS == 0:
            await self._reload()

    @rx.event
    async def refresh(self) -> None:
        """Reload the page on request."""
        await self._reload()

    @rx.event
    async def cancel(self, execution_id: int) -> EventSpec:
        """Cancel a queued or running execution."""
        try:
            await run_db(cancel_execution, execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Cancelled execution #{execution_id}")
