"""Run a workflow: topological, with independent branches running concurrently.

A node starts once every incoming edge has settled (or, for nodes that wait for the
first input, as soon as one live input arrives). An edge is live when its source produced a
value on that edge's handle and dead otherwise; a node whose inputs are all dead is skipped,
which kills its own outgoing edges, so untaken condition branches end `skipped`.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from app.engine.context import RunServices
from app.engine.events import ExecutionHooks, ExecutionResult, NodeStatus, RunStatus
from app.engine.node_attempt import NodeOutcome, RunShared, make_record, run_node
from app.engine.registry import NodeRegistry, NodeType
from app.engine.spec import EdgeSpec, OnError, WorkflowSpec
from app.engine.validation import (
    ERROR_HANDLE,
    Problem,
    WorkflowAnalysis,
    WorkflowInvalid,
    analyze_workflow,
)

Arrival = tuple[EdgeSpec, bool, Any]
_CANCEL = object()


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

    Returns:
        The result. When the task running this is cancelled, running and pending nodes end
        cancelled, `on_finish` gets a cancelled result, and the CancelledError propagates.

    Raises:
        WorkflowInvalid: when the workflow has problems or the trigger is not a trigger.
    """
    if registry is None:
        from app.engine.nodes import default_registry

        registry = default_registry()
    analysis = analyze_workflow(spec, registry)
    if analysis.problems:
        raise WorkflowInvalid(analysis.problems)
    trigger_id = _choose_trigger(spec, registry, trigger_node_id)
    shared = RunShared(
        services=services or RunServices(),
        hooks=hooks or ExecutionHooks(),
        execution_id=execution_id,
        trigger=trigger_payload,
        default_timeout_s=default_timeout_s,
        node_names={n.id: n.name for n in spec.nodes if n.name},
    )
    return await _Run(spec, registry, analysis, shared).execute(trigger_id, cancel_event)


def _choose_trigger(spec: WorkflowSpec, registry: NodeRegistry, requested: str | None) -> str:
    triggers = [n for n in spec.nodes if (t := registry.get(n.type)) is not None and t.is_trigger]
    if requested is not None:
        if requested not in {t.id for t in triggers}:
            message = f"node {requested!r} is not a trigger of this workflow"
            raise WorkflowInvalid([Problem("unknown_trigger", message, node_id=requested)])
        return requested
    manual = [t for t in triggers if t.type == "manual_trigger"]
    return (manual or triggers)[0].id


def _carries(edge: EdgeSpec, taken: frozenset[str] | None) -> bool:
    """Whether a succeeded node's edge is live: its handle was taken (all but "error")."""
    return edge.source_handle in taken if taken is not None else edge.source_handle != ERROR_HANDLE


class _Run:
    """The state of one run; the main loop settles node tasks as they finish."""

    def __init__(
        self,
        spec: WorkflowSpec,
        registry: NodeRegistry,
        analysis: WorkflowAnalysis,
        shared: RunShared,
    ) -> None:
        self.spec = spec
        self.registry = registry
        self.analysis = analysis
        self.graph = analysis.graph
        self.shared = shared
        self.status = dict.fromkeys(self.graph.nodes, NodeStatus.PENDING)
        self.remaining = {n: len(self.graph.incoming_edges(n)) for n in self.graph.nodes}
        self.wait_first = {
            n: self._type(n).waits_for(analysis.configs.get(n)) == "first" for n in self.graph.nodes
        }
        self.edge_values: dict[str, Any] = {}
        self.tasks: dict[str, asyncio.Task[NodeOutcome]] = {}
        self.finished: asyncio.Queue[Any] = asyncio.Queue()
        self.trigger_id = ""
        self.cancelled = False
        self.error: str | None = None
        self.error_node_id: str | None = None

    def _type(self, node_id: str) -> NodeType:
        return self.registry.types[self.graph.nodes[node_id].type]

    async def execute(self, trigger_id: str, cancel_event: asyncio.Event | None) -> ExecutionResult:
        """Run to the end and report `on_finish`."""
        self.trigger_id = trigger_id
        started_at = self.shared.services.clock()
        watcher = asyncio.create_task(self._watch(cancel_event)) if cancel_event else None
        try:
            await self._drive(cancel_event)
        except asyncio.CancelledError:
            self.cancelled = True
            await self._stop_running()
            await self.shared.hooks.on_finish(self._result(started_at))
            raise
        finally:
            if watcher:
                watcher.cancel()
        await self._stop_running()
        result = self._result(started_at)
        await self.shared.hooks.on_finish(result)
        return result

    async def _watch(self, cancel_event: asyncio.Event) -> None:
        await cancel_event.wait()
        self.finished.put_nowait(_CANCEL)

    async def _drive(self, cancel_event: asyncio.Event | None) -> None:
        if cancel_event is not None and cancel_event.is_set():
            self.cancelled = True
            return
        current: str | None = None
        try:
            arrivals: list[Arrival] = []
            for node_id in self.graph.nodes:
                if node_id != self.trigger_id and self._type(node_id).is_trigger:
                    arrivals.extend(await self._skip(node_id))
            arrivals.extend(await self._begin(self.trigger_id))
            await self._advance(arrivals)
            while self.tasks:
                item = await self.finished.get()
                if item is _CANCEL:
                    self.cancelled = True
                    return
                current = item.get_name()
                if await self._settle(current, item):
                    return
        except Exception as exc:  # a hook failed: the run must not pretend it went well
            self.error = f"hook failed: {type(exc).__name__}: {exc}"
            self.error_node_id = current

    async def _settle(self, node_id: str, task: asyncio.Task[NodeOutcome]) -> bool:
        """Apply a finished node task; True when the run must stop."""
        del self.tasks[node_id]
        try:
            outcome = task.result()
        except Exception:
            self.status[node_id] = NodeStatus.FAILED
            raise
        node = self.graph.nodes[node_id]
        self.status[node_id] = outcome.status
        edges = self.graph.outgoing_edges(node_id)
        if outcome.status is NodeStatus.SUCCEEDED:
            self.shared.outputs[node_id] = outcome.output
            taken = outcome.taken_handles
            arrivals = [(e, _carries(e, taken), outcome.output) for e in edges]
        elif node.on_error is OnError.STOP:
            self.error, self.error_node_id = outcome.error, node_id
            return True
        elif node.on_error is OnError.CONTINUE:
            value = {"error": outcome.error}
            self.shared.outputs[node_id] = value
            arrivals = [(e, e.source_handle != ERROR_HANDLE, value) for e in edges]
        else:
            value = {"error": outcome.error, "node": node_id}
            self.shared.outputs[node_id] = value
            arrivals = [(e, e.source_handle == ERROR_HANDLE, value) for e in edges]
        await self._advance(arrivals)
        return False

    async def _advance(self, arrivals: list[Arrival]) -> None:
        """Deliver edge results; start or skip the nodes that become ready."""
        queue = deque(arrivals)
        while queue:
            edge, live, value = queue.popleft()
            target = edge.target
            if self.status[target] is not NodeStatus.PENDING:
                continue
            self.remaining[target] -= 1
            if live:
                self.edge_values[edge.id] = value
            if (live and self.wait_first[target]) or self.remaining[target] == 0:
                queue.extend(await self._begin(target))

    async def _begin(self, node_id: str) -> list[Arrival]:
        """Start a ready node (or settle it at once); returns what its edges now carry."""
        node = self.graph.nodes[node_id]
        values = self.edge_values
        inputs = {
            e.source: values[e.id] for e in self.graph.incoming_edges(node_id) if e.id in values
        }
        if not inputs and node_id != self.trigger_id:
            return await self._skip(node_id)
        edges = self.graph.outgoing_edges(node_id)
        if node.disabled:
            passed = next(iter(inputs.values())) if inputs else self.shared.trigger
            await self._record(node_id, NodeStatus.SKIPPED, inputs, output=passed)
            return [(e, e.source_handle != ERROR_HANDLE, passed) for e in edges]
        if node.pinned_output is not None:
            self.shared.outputs[node_id] = node.pinned_output
            await self._record(
                node_id, NodeStatus.SUCCEEDED, inputs, output=node.pinned_output, pinned=True
            )
            return [(e, e.source_handle != ERROR_HANDLE, node.pinned_output) for e in edges]
        self.status[node_id] = NodeStatus.RUNNING
        task = asyncio.create_task(
            run_node(
                self.shared,
                node,
                self._type(node_id),
                inputs,
                config=self.analysis.configs.get(node_id),
                template=self.analysis.templates.get(node_id),
            ),
            name=node_id,
        )
        self.tasks[node_id] = task
        task.add_done_callback(self.finished.put_nowait)
        return []

    async def _skip(self, node_id: str) -> list[Arrival]:
        await self._record(node_id, NodeStatus.SKIPPED, {})
        return [(e, False, None) for e in self.graph.outgoing_edges(node_id)]

    async def _record(
        self,
        node_id: str,
        status: NodeStatus,
        inputs: dict[str, Any],
        output: Any = None,
        pinned: bool = False,
    ) -> None:
        """Settle a node that does not run (skipped, disabled or pinned) and report it."""
        node = self.graph.nodes[node_id]
        self.status[node_id] = status
        services = self.shared.services
        record = make_record(
            node,
            attempt=1,
            status=status,
            inputs=inputs,
            started_at=services.clock(),
            started=time.perf_counter(),
            services=services,
            output=output,
            pinned=pinned,
        )
        await self.shared.hooks.after_node(record)

    async def _stop_running(self) -> None:
        """Cancel node tasks still running and wait for them to report."""
        tasks = list(self.tasks.items())
        for _, task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*(task for _, task in tasks), return_exceptions=True)
        for node_id, task in tasks:
            outcome = None if task.cancelled() or task.exception() else task.result()
            self.status[node_id] = outcome.status if outcome else NodeStatus.CANCELLED
            if outcome and outcome.status is NodeStatus.SUCCEEDED:
                self.shared.outputs[node_id] = outcome.output
        self.tasks.clear()
        ended = NodeStatus.CANCELLED if self.cancelled or self.error else NodeStatus.SKIPPED
        for node_id, status in self.status.items():
            if status is NodeStatus.PENDING:
                self.status[node_id] = ended

    def _result(self, started_at: Any) -> ExecutionResult:
        if self.cancelled:
            status = RunStatus.CANCELLED
        elif self.error is not None:
            status = RunStatus.FAILED
        else:
            status = RunStatus.SUCCEEDED
        return ExecutionResult(
            status=status,
            node_status=dict(self.status),
            outputs=dict(self.shared.outputs),
            output=self._run_output(),
            error="cancelled" if self.cancelled else self.error,
            error_node_id=None if self.cancelled else self.error_node_id,
            started_at=started_at,
            finished_at=self.shared.services.clock(),
        )

    def _run_output(self) -> dict[str, Any]:
        """Output nodes' values by name, else the succeeded sinks' outputs by name."""
        nodes = self.graph.nodes.values()
        chosen = [n for n in nodes if n.type == "output"] or [
            n for n in nodes if not self.graph.outgoing_edges(n.id)
        ]
        return {
            n.label: self.shared.outputs[n.id]
            for n in chosen
            if self.status[n.id] is NodeStatus.SUCCEEDED
        }
