"""The executions page: filter by status (and workflow), paging, auto-refresh while active."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from reflex_base.event import EventSpec

from app.models.execution import ExecutionPublic
from app.services import executions
from app.services.errors import ServiceError
from app.services.unit_of_work import session_scope
from app.ui.state.display import elapsed_ms, error_message, format_ms, iso
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

    def _reload(self) -> None:
        with session_scope(read_only=True) as session:
            page = executions.list_executions(
                session,
                workflow_id=self.workflow_filter or None,
                status=None if self.status_filter == "all" else self.status_filter,
                offset=self.offset,
                limit=PAGE_SIZE,
            )
        self.total = page.total
        if self._clamp_offset():
            self._reload()
            return
        rows = [execution_row(item) for item in page.items]
        # Assigning marks the var dirty and re-sends it; skip that when nothing changed.
        if rows != list(self.rows):
            self.rows = rows
        if self.workflow_filter and self.rows:
            self.workflow_filter_name = self.rows[0].workflow_name
        self.loading = False

    @rx.event
    def load(self) -> None:
        """Load the first page; `?workflow=ID` in the URL limits it to one workflow."""
        raw = self.router.url.query_parameters.get("workflow", "")
        self.workflow_filter = int(raw) if raw.isdigit() else 0
        self.workflow_filter_name = ""
        self.offset = 0
        self._reload()

    @rx.event
    def set_status_filter(self, value: str | list[str]) -> None:
        """Show only executions in one status ("all" for every status)."""
        chosen = value[0] if isinstance(value, list) and value else value
        self.status_filter = chosen if chosen in STATUS_FILTERS else "all"
        self.offset = 0
        self._reload()

    @rx.event
    def clear_workflow_filter(self) -> EventSpec:
        """Show the executions of every workflow."""
        self.workflow_filter = 0
        self.workflow_filter_name = ""
        return rx.redirect("/executions")

    @rx.event
    def tick(self, _now: str = "") -> None:
        """Called every second while the page is open.

        Refreshes at once while something on the page is active, and every few seconds
        otherwise so that runs started elsewhere (API, another tab) show up.
        """
        self._ticks += 1
        if self.has_active or self._ticks % IDLE_REFRESH_TICKS == 0:
            self._reload()

    @rx.event
    def refresh(self) -> None:
        """Reload the page on request."""
        self._reload()

    @rx.event
    def cancel(self, execution_id: int) -> EventSpec:
        """Cancel a queued or running execution."""
        try:
            with session_scope() as session:
                executions.cancel_execution(session, execution_id=execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self._reload()
        return rx.toast.success(f"Cancelled execution #{execution_id}")
