"""What part of a workflow a run covers, and which outputs it may reuse instead of running.

- A full run covers every node.
- `only` covers those nodes and the ancestors they need; other nodes are left out of the run
  (not run, not reported, absent from the result).
- A target in "up_to" mode is `only={target}` with the target always run.
- A target in "node" mode also always runs the target, and its upstream outputs may be given
  (`seed_outputs`, e.g. the outputs shown on the canvas): a node with a given output is not
  run and its own ancestors are not needed. Upstream nodes without a given output are
  resolved as in any run: from the cache where possible, else run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from app.engine.graph import WorkflowGraph
from app.engine.node_cache import NodeCache
from app.engine.validation import Problem, WorkflowInvalid

TargetMode = Literal["node", "up_to"]


@dataclass(frozen=True)
class ReusePolicy:
    """How a run reuses outputs and treats side effects.

    Attributes:
        cache: where outputs are looked up by cache key and stored after success.
        forced: nodes that run even when the cache has their output.
        allow_side_effects: False in auto-run mode: a side-effect node that would have to
            run ends `stale` instead, and so does everything that needs its output.
        seeds: given outputs of upstream nodes ("node" mode), used as they are.
    """

    cache: NodeCache | None = None
    forced: frozenset[str] = frozenset()
    allow_side_effects: bool = True
    seeds: Mapping[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        """Whether nodes need a cache key or a side-effect check before they run."""
        return self.cache is not None or not self.allow_side_effects


def plan_run(
    graph: WorkflowGraph,
    *,
    cache: NodeCache | None,
    rerun: frozenset[str] | None,
    only: frozenset[str] | None,
    allow_side_effects: bool,
    target: str | None,
    target_mode: TargetMode,
    seed_outputs: Mapping[str, Any] | None,
) -> tuple[WorkflowGraph, ReusePolicy]:
    """The graph a run covers and its reuse policy (see the module docstring).

    Raises:
        WorkflowInvalid: when `target` or an `only` node is not in the workflow.
        ValueError: when the arguments do not fit together.
    """
    if target is not None and only is not None:
        raise ValueError("give either a target or `only`, not both")
    if seed_outputs and (target is None or target_mode != "node"):
        raise ValueError("seed_outputs are only used with a target in 'node' mode")
    goals = frozenset([target]) if target is not None else only
    if goals is None:
        return graph, ReusePolicy(cache, rerun or frozenset(), allow_side_effects)
    missing = sorted(goals - graph.nodes.keys())
    if missing:
        raise WorkflowInvalid(
            [Problem("unknown_node", f"no node {n!r} in this workflow", node_id=n) for n in missing]
        )
    seeds = {k: v for k, v in (seed_outputs or {}).items() if k not in goals}
    forced = (rerun or frozenset()) | (goals if target is not None else frozenset())
    scoped = _scope(graph, goals, seeds)
    seeds = {k: v for k, v in seeds.items() if k in scoped.nodes}
    return scoped, ReusePolicy(cache, forced, allow_side_effects, seeds)


def _scope(graph: WorkflowGraph, goals: frozenset[str], seeds: Mapping[str, Any]) -> WorkflowGraph:
    """The goals, the ancestors they need (up to given outputs), and the edges between them."""
    needed = set(goals)
    stack = list(goals)
    while stack:
        node_id = stack.pop()
        if node_id in seeds:
            continue
        for source in graph.upstream(node_id):
            if source not in needed:
                needed.add(source)
                stack.append(source)
    nodes = [node for node_id, node in graph.nodes.items() if node_id in needed]
    edges = [
        e
        for e in graph.edges
        if e.source in needed and e.target in needed and e.target not in seeds
    ]
    return WorkflowGraph.from_parts(nodes, edges)
