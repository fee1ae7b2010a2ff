"""No-op node: pass the input on unchanged (a placeholder, a junction, a benchmark baseline)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from app.engine.context import NodeContext
from app.engine.nodes.node_inputs import primary_input
from app.engine.registry import NodeCategory, NodeType


class NoopConfig(BaseModel):
    """The no-op node has no settings."""

    model_config = ConfigDict(extra="forbid")


async def run_noop(ctx: NodeContext, inputs: dict[str, Any], config: NoopConfig) -> Any:
    """Return the primary input as it is."""
    return primary_input(ctx, inputs)


NOOP = NodeType(
    type="noop",
    label="No operation",
    category=NodeCategory.LOGIC,
    description="Do nothing; pass the input on unchanged.",
    config_model=NoopConfig,
    run=run_noop,
    icon="arrow-right",
)
