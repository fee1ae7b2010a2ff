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
from sqlmodel import Session

from app.models.execution import ExecutionPublic, ExecutionsPage
from app.services import workflows
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import NotFoundError, ServiceError
from app.services.execution_reads import list_executions
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
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
    # Whether the caller may run (so cancel) the execution's workflow.
    can_cancel: bool


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


def execution_row(item: ExecutionPublic, can_run: bool = True) -> ExecutionRow:
    """The table row of an execution (`can_run`: the caller may run its workflow)."""
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
        can_cancel=can_run,
    )


def runnable_workflow_ids(
    session: Session, principal: Principal, workflow_ids: set[int]
) -> set[int]:
    """Which of these workflows `principal` may run (and so cancel the runs of)."""
    runnable = set()
    for workflow_id in workflow_ids:
        try:
            _, access = workflows.authorized_workflow(
                session, principal, workflow_id, Action.READ, include_deleted=True
            )
        except NotFoundError:
            continue
        if Action.RUN in access:
            runnable.add(workflow_id)
    return runnable


def read_page(
    principal: Principal, workflow_id: int, status: str, offset: int
) -> tuple[ExecutionsPage, set[int]]:
    """One page of the executions `principal` may see, filtered, and the ids of their
    workflows it may run (run on a db thread)."""
    with session_scope(read_only=True) as session:
        page = list_executions(
            session,
            principal=principal,
            workflow_id=workflow_id or None,
            status=None if status == "all" else status,
            offset=offset,
            limit=PAGE_SIZE,
        )
        return page, runnable_workflow_ids(
            session, principal, {item.workflow_id for item in page.items}
        )


def read_workflow_name(principal: Principal, workflow_id: int) -> str:
    """A workflow's name, deleted ones included; "" when there is none or `principal` may
    not see it (run on a db thread)."""
    try:
        with session_scope(read_only=True) as session:
            found = workflows.get_workflow(
                session, principal=principal, workflow_id=workflow_id, include_deleted=True
            )
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
        page, runnable = await run_db(
            read_page,
            await acting_principal(self),
            self.workflow_filter,
            self.status_filter,
            self.offset,
        )
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        rows = [execution_row(item, item.workflow_id in runnable) for item in page.items]
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
                await run_db(read_workflow_name, await acting_principal(self), workflow_id)
                if workflow_id
                else ""
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
            await run_db(cancel_execution, await acting_principal(self), execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Cancelled execution #{execution_id}")
