"""The run loop: settles node tasks as they finish and starts the nodes that become ready.

A node starts once every incoming edge has settled (or, for nodes that wait for the
first input, as soon as one live input arrives). An edge is live when its source produced a
value on that edge's handle and dead otherwise; a node whose inputs are all dead is skipped,
which kills its own outgoing edges, so untaken condition branches end `skipped`.

Before running a node in a reactive run (see `run_plan.py`), its cache key is looked up and a
hit reused (status `cached`, no attempt). A node that may not run ends `stale`, and a node
that needs a stale node's output ends `stale` too (a first-input node still runs on a live
input).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from pydantic import BaseModel

from app.engine.cache_key import node_cache_key
from app.engine.context import NodeContext
from app.engine.events import ExecutionResult, NodeStatus, RunStatus
from app.engine.graph import WorkflowGraph
from app.engine.node_attempt import (
    ConfigFailed,
    NodeOutcome,
    RunShared,
    make_record,
    render_config,
    run_node,
)
from app.engine.node_cache import CachedOutput
from app.engine.registry import NodeRegistry, NodeType
from app.engine.run_plan import ReusePolicy
from app.engine.spec import EdgeSpec, OnError
from app.engine.validation import ERROR_HANDLE, WorkflowAnalysis

Arrival = tuple[EdgeSpec, bool, Any]
_CANCEL = object()
_STALE = object()
_DONE = (NodeStatus.SUCCEEDED, NodeStatus.CACHED)


def _carries(edge: EdgeSpec, taken: frozenset[str] | None) -> bool:
    """Whether a succeeded node's edge is live: its handle was taken (all but "error")."""
    return edge.source_handle in taken if taken is not None else edge.source_handle != ERROR_HANDLE


class WorkflowRun:
    """The state of one run; the main loop settles node tasks as they finish."""

    def __init__(
        self,
        registry: NodeRegistry,
        analysis: WorkflowAnalysis,
        graph: WorkflowGraph,
        policy: ReusePolicy,
        shared: RunShared,
    ) -> None:
        self.registry = registry
        self.analysis = analysis
        self.graph = graph
        self.policy = policy
        self.shared = shared
        self.status = dict.fromkeys(self.graph.nodes, NodeStatus.PENDING)
        self.remaining = {n: len(self.graph.incoming_edges(n)) for n in self.graph.nodes}
        self.wait_first = {
            n: self._type(n).waits_for(analysis.configs.get(n)) == "first" for n in self.graph.nodes
        }
        self.edge_values: dict[str, Any] = {}
        self.tasks: dict[str, asyncio.Task[NodeOutcome]] = {}
        self.keys: dict[str, str] = {}
        self.stale_fed: set[str] = set()
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
            seeds = self.policy.seeds
            for node_id, output in seeds.items():
                arrivals.extend(await self._reuse(node_id, {}, CachedOutput(output), None))
            for node_id in self.graph.nodes:
                if (
                    node_id not in seeds
                    and node_id != self.trigger_id
                    and self._type(node_id).is_trigger
                ):
                    arrivals.extend(await self._skip(node_id))
            if self.trigger_id in self.graph.nodes and self.trigger_id not in seeds:
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
        key = self.keys.pop(node_id, None)
        if outcome.status is NodeStatus.SUCCEEDED:
            self.shared.outputs[node_id] = outcome.output
            taken = outcome.taken_handles
            if key is not None and self.policy.cache is not None:
                cached = CachedOutput(outcome.output, taken, outcome.variables)
                await self.policy.cache.put(key, cached)
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
            elif value is _STALE:
                self.stale_fed.add(target)
            if (live and self.wait_first[target]) or self.remaining[target] == 0:
                queue.extend(await self._begin(target))

    async def _begin(self, node_id: str) -> list[Arrival]:
        """Start a ready node (or settle it at once); returns what its edges now carry."""
        node = self.graph.nodes[node_id]
        values = self.edge_values
        inputs = {
            e.source: values[e.id] for e in self.graph.incoming_edges(node_id) if e.id in values
        }
        if node_id in self.stale_fed and not (inputs and self.wait_first[node_id]):
            return await self._stale(node_id, inputs, None)
        if not inputs and node_id != self.trigger_id:
            return await self._skip(node_id)
        edges = self.graph.outgoing_edges(node_id)
        if node.disabled:
            passed = next(iter(inputs.values())) if inputs else self.shared.trigger
            await self._record(node_id, NodeStatus.SKIPPED, inputs, output=passed)
            return [(e, e.source_handle != ERROR_HANDLE, passed) for e in edges]
        node_type = self._type(node_id)
        config = self.analysis.configs.get(node_id)
        template = self.analysis.templates.get(node_id)
        if node.pinned_output is not None:
            return await self._pinned(node_id, inputs)
        key = None
        config_error: str | None = None
        if self.policy.active:
            if template is not None:
                config, template, config_error = await self._resolve(
                    node_id, node_type, inputs, template
                )
            cache = self.policy.cache
            if cache is not None and template is None:
                key = node_cache_key(node, node_type, config, inputs, trigger=self.shared.trigger)
                hit = None if node_id in self.policy.forced else await cache.get(key)
                if hit is not None:
                    return await self._reuse(node_id, inputs, hit, key)
            if not self.policy.allow_side_effects and node_type.has_side_effect(config):
                return await self._stale(node_id, inputs, key)
        self.status[node_id] = NodeStatus.RUNNING
        task = asyncio.create_task(
            run_node(
                self.shared,
                node,
                node_type,
                inputs,
                config=config,
                template=template,
                cache_key=key,
                config_error=config_error,
            ),
            name=node_id,
        )
        if key is not None:
            self.keys[node_id] = key
        self.tasks[node_id] = task
        task.add_done_callback(self.finished.put_nowait)
        return []

    async def _pinned(self, node_id: str, inputs: dict[str, Any]) -> list[Arrival]:
        """Settle a pinned node with its pinned output (keyed when the run has a cache)."""
        node = self.graph.nodes[node_id]
        self.shared.outputs[node_id] = node.pinned_output
        key = None
        if self.policy.cache is not None:
            config = self.analysis.configs.get(node_id) or self.analysis.templates.get(node_id)
            key = node_cache_key(
                node, self._type(node_id), config, inputs, trigger=self.shared.trigger
            )
        await self._record(
            node_id,
            NodeStatus.SUCCEEDED,
            inputs,
            output=node.pinned_output,
            pinned=True,
            cache_key=key,
        )
        edges = self.graph.outgoing_edges(node_id)
        return [(e, e.source_handle != ERROR_HANDLE, node.pinned_output) for e in edges]

    async def _resolve(
        self, node_id: str, node_type: NodeType, inputs: dict[str, Any], template: dict[str, Any]
    ) -> tuple[BaseModel | None, dict[str, Any] | None, str | None]:
        """Render a templated config before the run, for its cache key and side-effect check.

        Returns `(config, None, None)`, or `(None, template, error)` when rendering fails: the
        attempt then fails with that error the usual way (without rendering again).
        """
        shared = self.shared
        ctx = NodeContext(
            node=self.graph.nodes[node_id],
            execution_id=shared.execution_id,
            trigger=shared.trigger,
            outputs=shared.outputs,
            variables=shared.variables,
            services=shared.services,
        )
        try:
            config = await render_config(ctx, node_type, inputs, template, shared.node_names)
        except ConfigFailed as exc:
            return None, template, str(exc)
        return config, None, None

    async def _reuse(
        self, node_id: str, inputs: dict[str, Any], hit: CachedOutput, key: str | None
    ) -> list[Arrival]:
        """Settle a node from a cached (or given) output without running it."""
        self.shared.outputs[node_id] = hit.output
        self.shared.variables.update(hit.variables)
        await self._record(
            node_id,
            NodeStatus.CACHED,
            inputs,
            output=hit.output,
            cache_key=key,
            cached=True,
            taken_handles=hit.taken_handles,
        )
        edges = self.graph.outgoing_edges(node_id)
        return [(e, _carries(e, hit.taken_handles), hit.output) for e in edges]

    async def _stale(self, node_id: str, inputs: dict[str, Any], key: str | None) -> list[Arrival]:
        """Leave a node for an explicit run; whatever needs its output becomes stale too."""
        await self._record(node_id, NodeStatus.STALE, inputs, cache_key=key)
        return [(e, False, _STALE) for e in self.graph.outgoing_edges(node_id)]

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
        cache_key: str | None = None,
        cached: bool = False,
        taken_handles: frozenset[str] | None = None,
    ) -> None:
        """Settle a node that does not run (skipped, disabled, pinned, cached or stale)."""
        node = self.graph.nodes[node_id]
        self.status[node_id] = status
        services = self.shared.services
        record = make_record(
            node,
            attempt=0 if cached else 1,
            status=status,
            inputs=inputs,
            started_at=services.clock(),
            started=time.perf_counter(),
            services=services,
            output=output,
            pinned=pinned,
            taken_handles=taken_handles,
            cached=cached,
            cache_key=cache_key,
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
        """Output nodes' values by name, else the succeeded (or cached) sinks' outputs by name."""
        nodes = self.graph.nodes.values()
        chosen = [n for n in nodes if n.type == "output"] or [
            n for n in nodes if not self.graph.outgoing_edges(n.id)
        ]
        return {n.label: self.shared.outputs[n.id] for n in chosen if self.status[n.id] in _DONE}
