"""Reactive, notebook-style runs: run all, run stale, run this node, run up to here, auto-run.

Every mode goes through the in-process runner with the node cache in the database: outputs
whose cache key matches are reused (status cached, no node run), the rest run and fill the
cache. Modes:

- `all`: every node runs (and its output is stored).
- `stale`: the stale nodes (`stale_node_ids`) run; the others reuse the cache where their
  key still matches (a changed upstream output changes the key, so they run too).
- `node`: `node_id` runs; its upstream nodes' latest outputs are used as they are, except
  stale ones, which are resolved from the cache or run.
- `up_to`: `node_id` and its ancestors, stale ones run, the rest from the cache.

`auto=True` (the canvas's auto-run) never runs a node with side effects: such a node ends
`stale`, and so does everything needing its output, until an explicit run.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal, get_args

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import Session

from app.engine.nodes import default_registry
from app.engine.spec import NodeSpec
from app.models.execution import ExecutionPublic
from app.services import execution_store as store
from app.services.db_threads import run_db
from app.services.errors import InvalidInputError, NotFoundError
from app.services.executions import (
    QueuedExecution,
    queue_execution,
    start_loaded_execution_async,
)
from app.services.node_states import (
    DONE_STATUSES,
    current_spec,
    get_node_outputs,
    node_states_of,
    stale_ids_of,
    stale_node_ids,
    workflow_node_states,
)
from app.services.persisted_run import PreparedWorkflow, ReactiveOptions
from app.services.principal import Principal
from app.services.runnable_workflows import runnable
from app.services.unit_of_work import session_scope

RunMode = Literal["all", "stale", "node", "up_to"]
RUN_MODES: tuple[str, ...] = get_args(RunMode)

__all__ = [
    "RUN_MODES",
    "RunMode",
    "get_node_outputs",
    "plan_reactive_run",
    "queue_reactive_run",
    "side_effect_nodes",
    "stale_node_ids",
    "start_reactive_run",
    "start_reactive_run_async",
    "workflow_node_states",
]


def start_reactive_run(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    mode: RunMode,
    node_id: str | None = None,
    input: Any = None,
    auto: bool = False,
) -> ExecutionPublic:
    """Queue a reactive run and start it on the running event loop.

    Async callers use `start_reactive_run_async`, which keeps the database off the loop.

    Args:
        session: committed before the run starts (the runner uses its own connection).
        workflow_id: the workflow.
        mode: "all", "stale", "node" or "up_to" (see the module docstring).
        node_id: the target of "node" and "up_to".
        input: the trigger payload; None reuses the input of the workflow's latest run, so
            re-running after an edit sees the same data.
        auto: an automatic run after an edit: side-effect nodes are left stale.

    Returns:
        The queued execution.

    Raises:
        NotFoundError: no such workflow, or no such node in it.
        InvalidWorkflowError: the workflow has problems.
        InvalidInputError: a bad mode, or a target missing or given where it has no use.
        RuntimeError: called without a running event loop.
    """
    _check_mode(mode, node_id)
    asyncio.get_running_loop()  # fail before writing anything when there is no loop
    queued = queue_reactive_run(
        session,
        principal=principal,
        workflow_id=workflow_id,
        mode=mode,
        node_id=node_id,
        input=input,
        auto=auto,
    )
    session.commit()
    queued.submit()
    return queued.execution


async def start_reactive_run_async(
    *,
    principal: Principal,
    workflow_id: int,
    mode: RunMode,
    node_id: str | None = None,
    input: Any = None,
    auto: bool = False,
) -> ExecutionPublic:
    """`start_reactive_run` for async code (API routes, UI event handlers): the database
    work runs on the database threads, the run on the current event loop.

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_reactive_run`.
    """
    _check_mode(mode, node_id)
    loaded, options, input = await run_db(
        _plan_read_only,
        principal=principal,
        workflow_id=workflow_id,
        mode=mode,
        node_id=node_id,
        input=input,
        auto=auto,
    )
    return await start_loaded_execution_async(
        loaded,
        principal=principal,
        workflow_id=workflow_id,
        trigger="manual",
        input=input,
        options=options,
    )


def _plan_read_only(**kwargs: Any) -> tuple[tuple[Any, PreparedWorkflow], ReactiveOptions, Any]:
    with session_scope(read_only=True) as session:
        return plan_reactive_run(session, **kwargs)


def _check_mode(mode: str, node_id: str | None) -> None:
    if mode not in RUN_MODES:
        raise InvalidInputError(f"mode must be one of {', '.join(RUN_MODES)}, not {mode!r}")
    targeted = mode in ("node", "up_to")
    if targeted and not node_id:
        raise InvalidInputError(f"mode {mode!r} needs a node_id")
    if not targeted and node_id is not None:
        raise InvalidInputError(f"mode {mode!r} takes no node_id")


def queue_reactive_run(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    mode: RunMode,
    node_id: str | None = None,
    input: Any = None,
    auto: bool = False,
) -> QueuedExecution:
    """Plan a reactive run and insert it queued (not committed, not started).

    Raises:
        As `start_reactive_run` (but no RuntimeError).
    """
    loaded, options, input = plan_reactive_run(
        session,
        principal=principal,
        workflow_id=workflow_id,
        mode=mode,
        node_id=node_id,
        input=input,
        auto=auto,
    )
    return queue_execution(
        session,
        principal=principal,
        workflow_id=workflow_id,
        trigger="manual",
        input=input,
        options=options,
        loaded=loaded,
    )


def plan_reactive_run(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    mode: RunMode,
    node_id: str | None = None,
    input: Any = None,
    auto: bool = False,
) -> tuple[tuple[Any, PreparedWorkflow], ReactiveOptions, Any]:
    """What a reactive run needs: the workflow (row and prepared definition), its options,
    and its trigger payload.

    The workflow is loaded, parsed and validated once here; the run gets it as it is.
    Staleness is worked out only for the modes that use it. Reads only.

    Raises:
        As `start_reactive_run` (but no RuntimeError).
    """
    _check_mode(mode, node_id)
    # An auto-run skips side-effect nodes (LLM calls among them): it spends nothing.
    engine: Any = session.get_bind()
    loaded = runnable(engine, session.connection(), workflow_id, principal, spends=not auto)
    spec = loaded[1].spec
    node_ids = frozenset(n.id for n in spec.nodes)
    if node_id is not None and node_id not in node_ids:
        raise NotFoundError(f"Node {node_id!r} not found in workflow {workflow_id}")
    seeds = None
    if mode == "all":
        rerun = node_ids
    elif mode == "node":
        states = node_states_of(session, spec, workflow_id=workflow_id)
        rerun = frozenset(n for n, state in states.items() if state.stale)
        seeds = {
            n: state.output
            for n, state in states.items()
            if state.status in DONE_STATUSES and not state.stale
        }
    else:
        rerun = frozenset(stale_ids_of(session, spec, workflow_id=workflow_id))
    options = ReactiveOptions(
        workflow_id=workflow_id,
        rerun=rerun,
        allow_side_effects=not auto,
        target=node_id,
        target_mode="up_to" if mode == "up_to" else "node",
        seed_outputs=seeds,
    )
    if input is None:
        input = _latest_input(session, workflow_id)
    return loaded, options, input


def side_effect_nodes(session: Session, *, principal: Principal, workflow_id: int) -> list[str]:
    """Nodes that act outside the run when they run (HTTP writes, LLM calls, ...).

    An estimate: a config that cannot be checked before the run (e.g. a templated field
    that must be rendered first) counts as having side effects.

    Raises:
        NotFoundError: no such workflow, or it is deleted.
    """
    spec = current_spec(session, principal=principal, workflow_id=workflow_id)
    return [node.id for node in spec.nodes if _has_side_effect(node)]


def _has_side_effect(node: NodeSpec) -> bool:
    node_type = default_registry().get(node.type)
    if node_type is None:
        return False
    try:
        config = node_type.parse_config(node.config)
    except ValidationError:
        config = None
    return node_type.has_side_effect(config)


def _latest_input(session: Session, workflow_id: int) -> Any:
    table = store.EXECUTIONS
    return (
        session.connection()
        .execute(
            select(table.c.input)
            .where(table.c.workflow_id == workflow_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        .scalar()
    )
