"""The names an expression in a node's config can use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.engine.context import NodeContext


def expression_scope(
    ctx: NodeContext,
    inputs: Mapping[str, Any],
    *,
    node_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Build the expression scope of one node run.

    Args:
        ctx: the running node's context.
        inputs: live upstream outputs keyed by node id, in incoming-edge order.
        node_names: node id -> name, so `nodes.<name>` works as well as `nodes.<id>`.

    Returns:
        `{"trigger", "input", "inputs", "nodes", "vars", "now"}`: `input` is the first live
        upstream's output (the trigger payload for a trigger), `nodes` maps ids and names of
        finished nodes to `{"output": ...}`; an id wins over another node's equal name.
    """
    nodes: dict[str, Any] = {}
    if node_names:
        for node_id, name in node_names.items():
            if name and node_id in ctx.outputs:
                nodes[name] = {"output": ctx.outputs[node_id]}
    for node_id, output in ctx.outputs.items():
        nodes[node_id] = {"output": output}
    primary = next(iter(inputs.values())) if inputs else ctx.trigger
    return {
        "trigger": ctx.trigger,
        "input": primary,
        "inputs": dict(inputs),
        "nodes": nodes,
        "vars": ctx.variables,
        "now": ctx.services.clock().isoformat(),
    }


def upstream_values(scope: Mapping[str, Any]) -> list[Any]:
    """The values in an expression scope that upstream produced (outputs, the trigger
    payload, variables), each already bounded where it was produced."""
    nodes = scope["nodes"].values()
    return [
        scope["trigger"],
        scope["input"],
        *scope["inputs"].values(),
        *(entry["output"] for entry in nodes),
        *scope["vars"].values(),
    ]
