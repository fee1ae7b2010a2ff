"""What the monitoring side takes from each run, told by the run's publisher: node durations
and execution outcomes for /metrics, failures for the error log. Cheap on the run path: a
few counter additions, and a queued write only when something failed."""

from __future__ import annotations

from app.engine.events import NodeRunRecord, NodeStatus
from app.models.execution import ExecutionStatus
from app.services.error_capture import capture_error
from app.services.metrics import EXECUTIONS, NODE_DURATION

RAN = (NodeStatus.SUCCEEDED, NodeStatus.FAILED)
FAILED = (ExecutionStatus.FAILED.value, ExecutionStatus.CRASHED.value)


def node_ended(record: NodeRunRecord, *, execution_id: int, workflow_id: int | None) -> bool:
    """Count an attempt that ran; capture it when it failed. Whether it failed."""
    if record.cached or record.pinned or record.status not in RAN:
        return False
    NODE_DURATION.labels(node_type=record.node_type, status=record.status.value).observe(
        record.duration_ms / 1000
    )
    if record.status is not NodeStatus.FAILED:
        return False
    capture_error(
        "node",
        message=record.error or "the node failed",
        execution_id=execution_id,
        workflow_id=workflow_id,
        node_id=record.node_id,
        context={
            "node_type": record.node_type,
            "node_name": record.node_name,
            "attempt": record.attempt,
        },
    )
    return True


def execution_ended(
    status: str,
    error: str | None,
    *,
    execution_id: int,
    workflow_id: int | None,
    node_failed: bool,
) -> None:
    """Count the finished execution; capture its failure unless a node's failure (already
    captured) explains it."""
    EXECUTIONS.labels(workflow_id=str(workflow_id or ""), status=status).inc()
    if status in FAILED and not node_failed:
        capture_error(
            "execution",
            message=error or f"the execution {status}",
            execution_id=execution_id,
            workflow_id=workflow_id,
        )
