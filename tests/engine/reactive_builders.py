"""Node types that count their real executions, for cache and reactive-run tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.engine.context import NodeContext
from app.engine.events import NodeStatus
from app.engine.registry import NodeCategory, NodeRegistry, NodeType
from app.engine.spec import WorkflowSpec
from tests.engine.builders import build_registry, make_spec


class CountConfig(BaseModel):
    """`tag` only exists to be edited; `fail_first` fails the node's first execution."""

    model_config = ConfigDict(extra="forbid")

    tag: Any = None
    fail_first: bool = False
    add_counter: bool = False


def counting_registry(counts: Counter[str]) -> NodeRegistry:
    """The test registry plus `count` (pass-through) and `side` (a side effect), both
    counting executions per node id in `counts`."""
    registry = build_registry()

    async def run_count(ctx: NodeContext, inputs: dict[str, Any], config: CountConfig) -> Any:
        counts[ctx.node.id] += 1
        if config.fail_first and counts[ctx.node.id] == 1:
            raise RuntimeError("first execution fails")
        value = next(iter(inputs.values())) if inputs else ctx.trigger
        if config.add_counter:
            return {"counter": ctx.trigger["counter"], "from": value}
        return value

    for type_id, side_effect in (("count", False), ("side", True)):
        registry.register(
            NodeType(
                type_id,
                type_id,
                NodeCategory.ACTION,
                type_id,
                CountConfig,
                run_count,
                side_effect=side_effect,
            )
        )
    return registry


def chain(length: int, configs: dict[int, dict[str, Any]] | None = None) -> WorkflowSpec:
    """n1 (manual trigger) -> n2 -> ... -> n<length>, all `count` nodes after the trigger."""
    configs = configs or {}
    nodes: list[Any] = [("n1", "manual_trigger")]
    nodes += [(f"n{i}", "count", configs.get(i, {})) for i in range(2, length + 1)]
    edges: list[Any] = [(f"n{i}", f"n{i + 1}") for i in range(1, length)]
    return make_spec(nodes, edges)


def executed(statuses: dict[str, NodeStatus]) -> set[str]:
    """Nodes that ran (succeeded or failed) rather than being reused."""
    return {n for n, s in statuses.items() if s in (NodeStatus.SUCCEEDED, NodeStatus.FAILED)}
