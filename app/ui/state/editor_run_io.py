"""What the run state needs outside itself: service calls for worker threads, the pending
run, and reading run events in batches."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from app.services import executions, reactive_runs, workflows
from app.services.principal import Principal
from app.services.reactive_runs import RunMode
from app.services.run_events import RunEvent, Subscription
from app.services.unit_of_work import session_scope
from app.ui.state.editor_live import latest_run
from app.ui.state.editor_models import NodeRunState

MAX_BATCH = 2000


@dataclass(frozen=True)
class PendingRun:
    """A run asked for and not yet started (the follower starts it once subscribed)."""

    mode: RunMode = "all"
    node_id: str | None = None
    auto: bool = False
    payload: Any = None


def read_states(principal: Principal, workflow_id: int) -> dict[str, NodeRunState]:
    """Every node's stored latest state, as the editor keeps it (run on a db thread)."""
    with session_scope(read_only=True) as session:
        states = reactive_runs.workflow_node_states(
            session, principal=principal, workflow_id=workflow_id
        )
    return {n: latest_run(s) for n, s in states.items() if s.status != "pending"}


def save_input(principal: Principal, workflow_id: int, value: Any) -> None:
    """Store a workflow's test input (run on a db thread)."""
    with session_scope() as session:
        workflows.save_test_input(
            session, principal=principal, workflow_id=workflow_id, test_input=value
        )


def cancel_execution(principal: Principal, execution_id: int) -> None:
    """Cancel an execution (run on a db thread)."""
    # Read-only: the service only reads here and writes through the run path's writer;
    # a write transaction held meanwhile would keep that writer from SQLite's lock.
    with session_scope(read_only=True) as session:
        executions.cancel_execution(session, principal=principal, execution_id=execution_id)


def ended(event: RunEvent, execution_id: int) -> bool:
    """Whether the event says the run `execution_id` ended."""
    return event.kind == "execution_finished" and event.execution_id == execution_id


async def next_batch(sub: Subscription, wait_s: float) -> list[RunEvent]:
    """The next event (waiting up to `wait_s`) and every event already queued after it."""
    first = await sub.get(wait_s)
    if first is None:
        return []
    batch = [first]
    while len(batch) < MAX_BATCH:
        try:
            batch.append(sub.queue.get_nowait())
        except asyncio.QueueEmpty:
            break
    return batch
