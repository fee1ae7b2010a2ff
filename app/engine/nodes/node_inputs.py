"""How a node reads its inputs: the primary input is what most nodes act on."""

from __future__ import annotations

from typing import Any

from app.engine.context import NodeContext


def primary_input(ctx: NodeContext, inputs: dict[str, Any]) -> Any:
    """The output of the first live upstream node (by incoming edge order).

    Args:
        ctx: the running node's context.
        inputs: live upstream outputs keyed by node id, in incoming edge order.

    Returns:
        That output, or the run's trigger payload when the node has no live input.
    """
    for value in inputs.values():
        return value
    return ctx.trigger
