"""Run a workflow: validate, plan which part runs and what is reused, then drive the run loop.

Independent branches run concurrently (see `run_loop.py` for how nodes become ready, skip,
reuse cached outputs or end stale; `run_plan.py` for targets and reuse).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from app.engine.context import RunServices
from app.engine.events import ExecutionHooks, ExecutionResult
from app.engine.node_attempt import RunShared
from app.engine.node_cache import NodeCache
from app.engine.registry import NodeRegistry
from app.engine.run_loop import WorkflowRun
from app.engine.run_plan import TargetMode, plan_run
from app.engine.spec import WorkflowSpec
from app.engine.validation import Problem, WorkflowAnalysis, WorkflowInvalid, analyze_workflow


async def run_workflow(
    spec: WorkflowSpec,
    *,
    registry: NodeRegistry | None = None,
    trigger_payload: Any = None,
    trigger_node_id: str | None = None,
    services: RunServices | None = None,
    hooks: ExecutionHooks | None = None,
    cancel_event: asyncio.Event | None = None,
    execution_id: int | None = None,
    default_timeout_s: float = 300.0,
    cache: NodeCache | None = None,
    rerun: frozenset[str] | None = None,
    only: frozenset[str] | None = None,
    allow_side_effects: bool = True,
    target: str | None = None,
    target_mode: TargetMode = "node",
    seed_outputs: Mapping[str, Any] | None = None,
    analysis: WorkflowAnalysis | None = None,
) -> ExecutionResult:
    """Validate and run a workflow in memory, reporting through hooks.

    Args:
        spec: the workflow.
        registry: node types; None uses `app.engine.nodes.default_registry()`.
        trigger_payload: what the trigger outputs (`{{ trigger }}` in expressions).
        trigger_node_id: the trigger that fires; None picks the first manual trigger, else
            the first trigger. Other triggers end skipped.
        services: injected collaborators (clock, sleep, HTTP, LLM).
        hooks: before_node/after_node per attempt (and after_node per skip), on_finish once.
        cancel_event: setting it cancels the run (running nodes end cancelled).
        execution_id: passed to nodes through their context.
        default_timeout_s: timeout of nodes without their own `timeout_s`.
        cache: reuse outputs by cache key (`cache_key.py`) and store succeeded outputs;
            failed, cancelled and timed-out runs are never stored. None: no keys computed.
        rerun: nodes that run even when the cache has their output (e.g. the stale ones).
        only: run just these nodes and the ancestors they need; others are left out.
        allow_side_effects: False (auto-run): side-effect nodes that would have to run end
            `stale` instead, with everything needing their output.
        target: the node of "Run this node" / "Run up to here"; it always runs.
        target_mode: "up_to" runs the target's ancestors as needed (cache, `rerun`);
            "node" also takes upstream outputs from `seed_outputs` (see `run_plan.py`).
        seed_outputs: upstream outputs for "node" mode, used as they are (status cached).
        analysis: `analyze_workflow(spec, registry)` when the caller already validated the
            spec (it must have no problems); None validates here.

    Returns:
        The result. When the task running this is cancelled, running and pending nodes end
        cancelled, `on_finish` gets a cancelled result, and the CancelledError propagates.

    Raises:
        WorkflowInvalid: when the workflow has problems or the trigger is not a trigger.
    """
    if registry is None:
        from app.engine.nodes import default_registry

        registry = default_registry()
    if analysis is None:
        analysis = analyze_workflow(spec, registry)
    if analysis.problems:
        raise WorkflowInvalid(analysis.problems)
    trigger_id = _choose_trigger(spec, registry, trigger_node_id)
    graph, policy = plan_run(
        analysis.graph,
        cache=cache,
        rerun=rerun,
        only=only,
        allow_side_effects=allow_side_effects,
        target=target,
        target_mode=target_mode,
        seed_outputs=seed_outputs,
    )
    shared = RunShared(
        services=services or RunServices(),
        hooks=hooks or ExecutionHooks(),
        execution_id=execution_id,
        trigger=trigger_payload,
        default_timeout_s=default_timeout_s,
        node_names={n.id: n.name for n in spec.nodes if n.name},
    )
    run = WorkflowRun(registry, analysis, graph, policy, shared)
    return await run.execute(trigger_id, cancel_event)


def _choose_trigger(spec: WorkflowSpec, registry: NodeRegistry, requested: str | None) -> str:
    triggers = [n for n in spec.nodes if (t := registry.get(n.type)) is not None and t.is_trigger]
    if requested is not None:
        if requested not in {t.id for t in triggers}:
            message = f"node {requested!r} is not a trigger of this workflow"
            raise WorkflowInvalid([Problem("unknown_trigger", message, node_id=requested)])
        return requested
    manual = [t for t in triggers if t.type == "manual_trigger"]
    return (manual or triggers)[0].id
