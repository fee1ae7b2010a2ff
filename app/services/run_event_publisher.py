"""The runner's side of the run event bus: one run's events, each with a small summary.

Callers publish only after the write an event reports is committed (see
`persistence_hooks.py` and `persisted_run.py`).
"""

from __future__ import annotations

from typing import Any

from app.engine.events import NodeRunRecord, NodeStarted, NodeStatus
from app.services.run_events import NodeSummary, RunEvent, get_run_events, preview
from app.services.run_observers import execution_ended, node_ended

ERROR_CHARS = 500
MAX_KEYS = 20


def node_summary(record: NodeRunRecord) -> NodeSummary:
    """What a card shows of an ended node: timing, a short error, a preview of the output."""
    error = record.error
    if error is not None and len(error) > ERROR_CHARS:
        error = error[: ERROR_CHARS - 1] + "…"
    output: Any = record.output
    has_output = record.status in (NodeStatus.SUCCEEDED, NodeStatus.CACHED) or record.pinned
    return NodeSummary(
        attempt=record.attempt,
        duration_ms=0.0 if record.cached else round(record.duration_ms, 3),
        error=error,
        cached=record.cached,
        pinned=record.pinned,
        has_output=has_output,
        output_preview=preview(output) if has_output else "",
        output_keys=tuple(str(k) for k in list(output)[:MAX_KEYS])
        if has_output and isinstance(output, dict)
        else (),
    )


class RunPublisher:
    """Publishes the events of one execution on the process-wide bus.

    Args:
        execution_id: the execution.
        workflow_id: its workflow (subscribers filter on it), when known.
    """

    def __init__(self, execution_id: int, workflow_id: int | None) -> None:
        self.execution_id = execution_id
        self.workflow_id = workflow_id
        self.node_failed = False

    def node_started(self, event: NodeStarted) -> None:
        """An attempt started (its `running` row is committed)."""
        get_run_events().publish(
            RunEvent(
                self.execution_id,
                self.workflow_id,
                "node_started",
                node_id=event.node_id,
                status=NodeStatus.RUNNING.value,
            )
        )

    def node_finished(self, record: NodeRunRecord) -> None:
        """An attempt ended, or a node was skipped, reused, pinned or left stale."""
        if node_ended(record, execution_id=self.execution_id, workflow_id=self.workflow_id):
            self.node_failed = True
        bus = get_run_events()
        # Runs on the writer thread: the summary (a JSON preview of the output) is built
        # only when someone listens.
        if not bus.interested(execution_id=self.execution_id, workflow_id=self.workflow_id):
            return
        bus.publish(
            RunEvent(
                self.execution_id,
                self.workflow_id,
                "node_finished",
                node_id=record.node_id,
                status=record.status.value,
                summary=node_summary(record),
            )
        )

    def execution_finished(self, status: str, error: str | None) -> None:
        """The execution's final status is committed."""
        execution_ended(
            status,
            error,
            execution_id=self.execution_id,
            workflow_id=self.workflow_id,
            node_failed=self.node_failed,
        )
        get_run_events().publish(
            RunEvent(
                self.execution_id,
                self.workflow_id,
                "execution_finished",
                status=status,
                error=error,
            )
        )
