"""Output node: marks a value as (part of) the workflow's result."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.context import NodeContext
from app.engine.registry import NodeCategory, NodeType


class OutputConfig(BaseModel):
    """Config of the output node."""

    model_config = ConfigDict(extra="forbid")

    value: Any = Field(
        default="{{ input }}",
        title="Value",
        description="What the workflow returns under this node's name; defaults to the input.",
    )


async def run_output(ctx: NodeContext, inputs: dict[str, Any], config: OutputConfig) -> Any:
    """Return the (rendered) value."""
    return config.value


OUTPUT = NodeType(
    type="output",
    label="Output",
    category=NodeCategory.LOGIC,
    description="Return a value as the workflow's result.",
    config_model=OutputConfig,
    run=run_output,
    outputs=(),
    icon="flag",
)
