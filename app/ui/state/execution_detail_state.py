"""The execution detail page: header, timeline and one card per node run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import reflex as rx
from reflex_base.event import EventSpec

from app.engine.nodes import default_registry
from app.models.execution import ExecutionDetail, NodeRunPublic
from app.services import executions, workflows
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import NotFoundError, ServiceError
from app.services.execution_reads import get_execution_detail
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import elapsed_ms, error_message, format_ms, iso, pretty
from app.ui.state.editor_run_io import cancel_execution

ACTIVE_STATUSES = frozenset({"queued", "running", "paused"})
# Node runs are expanded by default when there are this many or fewer.
OPEN_ALL_UP_TO = 8
# A node run in this status has started and not finished (its row is written at the start).
UNFINISHED_RUN_STATUSES = frozenset({"running"})
MIN_BAR_PERCENT = 0.8


@dataclass
class NodeRunView:
    """One node attempt as a card."""

    id: int
    node_id: str
    node_name: str
    node_type: str
    icon: str
    status: str
    attempt: int
    started_at: str
    duration: str
    inputs: str
    output: str
    error: str
    pinned: bool
    open: bool


@dataclass
class TimelineBar:
    """One node attempt on the timeline, positioned in percent of the run's span."""

    id: int
    label: str
    status: str
    left: str
    width: str
    duration: str


def run_duration_ms(run: NodeRunPublic, live: bool) -> float | None:
    """How long the attempt took, or (`live`: its execution is active) has run so far."""
    if live and run.status in UNFINISHED_RUN_STATUSES:
        return elapsed_ms(run.started_at, None)
    return run.duration_ms


def _node_icon(node_type: str) -> str:
    node = default_registry().get(node_type)
    return node.icon if node is not None else "box"


def _run_view(run: NodeRunPublic, open_all: bool, live: bool) -> NodeRunView:
    return NodeRunView(
        id=run.id,
        node_id=run.node_id,
        node_name=run.node_name,
        node_type=run.node_type,
        icon=_node_icon(run.node_type),
        status=run.status,
        attempt=run.attempt,
        started_at=iso(run.started_at),
        duration=format_ms(run_duration_ms(run, live)),
        inputs=pretty(run.inputs),
        output=pretty(run.output),
        error=run.error or "",
        pinned=run.pinned,
        open=open_all or run.status == "failed",
    )


def timeline_bars(detail: ExecutionDetail) -> tuple[list[TimelineBar], str]:
    """Bars spanning from the first node start to the last node end, and that span."""
    starts = [t for t in (r.started_at or r.finished_at for r in detail.node_runs) if t]
    if not starts:
        return [], format_ms(None)
    origin: datetime = min(starts)
    ends = [t for t in (r.finished_at for r in detail.node_runs) if t]
    live = detail.status in ACTIVE_STATUSES
    end = None if live or not ends else max(ends)
    span = max(elapsed_ms(origin, end) or 0.0, 0.001)
    bars = []
    for run in detail.node_runs:
        start = run.started_at or run.finished_at
        offset = (elapsed_ms(origin, start) or 0.0) if start else 0.0
        length = run_duration_ms(run, live) or 0.0
        left = min(max(offset / span * 100, 0.0), 100 - MIN_BAR_PERCENT)
        width = min(max(length / span * 100, MIN_BAR_PERCENT), 100 - left)
        bars.append(
            TimelineBar(
                id=run.id,
                label=run.node_name if run.attempt == 1 else f"{run.node_name} #{run.attempt}",
                status=run.status,
                left=f"{left:.2f}%",
                width=f"{width:.2f}%",
                duration=format_ms(run_duration_ms(run, live)),
            )
        )
    return bars, format_ms(span)


def unfinished_node_count(detail: ExecutionDetail) -> int:
    """Nodes of the run's workflow whose latest attempt has not finished (or not started)."""
    latest = {run.node_id: run.status for run in detail.node_runs}  # in the order they started
    finished = {n for n, status in latest.items() if status not in UNFINISHED_RUN_STATUSES}
    nodes = {str(node.get("id")) for node in detail.definition.get("nodes", [])}
    return len(nodes - finished)


def read_detail(principal: Principal, execution_id: int) -> tuple[ExecutionDetail, bool]:
    """An execution with its node runs, and whether `principal` may run its workflow (and
    so cancel or repeat it) (run on a db thread)."""
    with session_scope(read_only=True) as session:
        detail = get_execution_detail(session, principal=principal, execution_id=execution_id)
        _, access = workflows.authorized_workflow(
            session, principal, detail.workflow_id, Action.READ, include_deleted=True
        )
    return detail, Action.RUN in access


class ExecutionDetailState(rx.State):
    """State of one execution's page."""

    execution_id: int = 0
    found: bool = True
    loading: bool = True
    workflow_id: int = 0
    workflow_name: str = ""
    status: str = ""
    uses_mock: bool = False
    trigger: str = ""
    created_at: str = ""
    started_at: str = ""
    duration: str = "—"
    error: str = ""
    error_node_id: str = ""
    input_text: str = ""
    output_text: str = ""
    runs: list[NodeRunView] = []
    bars: list[TimelineBar] = []
    span: str = "—"
    unfinished_nodes: int = 0
    # Whether the caller may run the workflow: cancel and run again need it.
    can_run: bool = False

    @rx.var
    def is_active(self) -> bool:
        """Whether the execution has not finished yet."""
        return self.status in ACTIVE_STATUSES

    async def _reload(self) -> None:
        try:
            detail, self.can_run = await run_db(
                read_detail, await acting_principal(self), self.execution_id
            )
        except NotFoundError:
            self.found = False
            self.workflow_name = ""  # not the last execution's, shown under the title
            self.loading = False
            return
        self.found = True
        self.workflow_id = detail.workflow_id
        self.workflow_name = detail.workflow_name
        self.status = detail.status
        self.uses_mock = detail.uses_mock
        self.trigger = detail.trigger
        self.created_at = iso(detail.created_at)
        self.started_at = iso(detail.started_at)
        self.duration = format_ms(elapsed_ms(detail.started_at, detail.finished_at))
        self.error = detail.error or ""
        self.error_node_id = detail.error_node_id or ""
        self.input_text = pretty(detail.input)
        self.output_text = pretty(detail.output)
        open_all = len(detail.node_runs) <= OPEN_ALL_UP_TO
        live = detail.status in ACTIVE_STATUSES
        self.runs = [_run_view(run, open_all, live) for run in detail.node_runs]
        self.bars, self.span = timeline_bars(detail)
        self.unfinished_nodes = unfinished_node_count(detail)
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """Load the execution named by the URL (`/executions/<id>`)."""
        last = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        self.execution_id = int(last) if last.isdigit() else 0
        self.loading = True
        self.runs = []
        self.bars = []
        await self._reload()

    @rx.event
    async def tick(self, _now: str = "") -> None:
        """Called every second while the page is open: refresh while the run is active."""
        if self.is_active:
            await self._reload()

    @rx.event
    async def cancel(self) -> EventSpec:
        """Cancel this execution."""
        try:
            await run_db(cancel_execution, await acting_principal(self), self.execution_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Cancelled execution #{self.execution_id}")

    @rx.event
    async def run_again(self) -> EventSpec | list[EventSpec]:
        """Start a new execution of the same workflow with the same input."""
        try:
            principal = await acting_principal(self)
            previous, _ = await run_db(read_detail, principal, self.execution_id)
            execution = await executions.start_execution_async(
                principal=principal, workflow_id=previous.workflow_id, input=previous.input
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        return [
            rx.toast.success(f"Started execution #{execution.id}"),
            rx.redirect(f"/executions/{execution.id}"),
        ]
