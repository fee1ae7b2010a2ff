"""One node's latest input and output in full, read when a view shows that node.

Live views get small run events (`run_events`); the full values are read here only for the
node a person opens (the editor's output drawer, pinning an output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.services import execution_store as store
from app.services.errors import NotFoundError
from app.services.execution_reads import execution_workflow_id
from app.services.node_states import workflow_node_states
from app.services.principal import Principal


@dataclass(frozen=True)
class NodeDetail:
    """A node's latest state with its full recorded input and output.

    Attributes:
        status: its latest status (`pending` when no run covered it).
        input: the input of its last attempt (None when it did not run: reused or pinned).
        output: its latest output (None when it has none).
        has_output: there is an output (succeeded, reused or pinned).
    """

    status: str
    input: Any = None
    output: Any = None
    has_output: bool = False
    error: str | None = None
    duration_ms: float | None = None
    attempts: int = 0
    cached: bool = False
    pinned: bool = False


def _last_attempt(session: Session, execution_id: int, node_id: str) -> Any:
    runs = store.NODE_RUNS
    return (
        session.connection()
        .execute(
            select(
                runs.c.status,
                runs.c.inputs,
                runs.c.output,
                runs.c.error,
                runs.c.duration_ms,
                runs.c.attempt,
            )
            .where(runs.c.execution_id == execution_id, runs.c.node_id == node_id)
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        .first()
    )


def node_detail(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    node_id: str,
    execution_id: int | None = None,
) -> NodeDetail:
    """The node's latest state, input and output in full.

    Args:
        execution_id: a run still going on whose attempt of the node, if it has ended,
            counts as the latest (the stored states cover finished runs only).

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it; or
            the execution is not one of this workflow.
    """
    states = workflow_node_states(session, principal=principal, workflow_id=workflow_id)
    if execution_id is not None:
        if execution_workflow_id(session, execution_id) != workflow_id:
            raise NotFoundError(f"Execution {execution_id} not found in workflow {workflow_id}")
        row = _last_attempt(session, execution_id, node_id)
        if row is not None and row.status not in ("queued", "running"):
            done = row.status == "succeeded"
            return NodeDetail(
                status=row.status,
                input=row.inputs,
                output=row.output if done else None,
                has_output=done,
                error=row.error,
                duration_ms=row.duration_ms,
                attempts=row.attempt,
            )
    state = states.get(node_id)
    if state is None:
        return NodeDetail(status="pending")
    row = _last_attempt(session, state.execution_id, node_id) if state.execution_id else None
    has_output = state.status in ("succeeded", "cached") or state.pinned
    return NodeDetail(
        status=state.status,
        input=row.inputs if row is not None else None,
        output=state.output if has_output else None,
        has_output=has_output,
        error=state.error,
        duration_ms=state.duration_ms,
        attempts=state.attempts,
        cached=state.cached,
        pinned=state.pinned,
    )
