"""Delay node: wait, then pass the input on unchanged."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.context import NodeContext
from app.engine.nodes.node_inputs import primary_input
from app.engine.registry import NodeCategory, NodeType


class DelayConfig(BaseModel):
    """Config of the delay node."""

    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(
        default=1.0, ge=0, le=3600, title="Seconds", description="How long to wait (0 to 3600)."
    )


async def run_delay(ctx: NodeContext, inputs: dict[str, Any], config: DelayConfig) -> Any:
    """Sleep with the run's sleep service, then return the primary input."""
    if config.seconds > 0:
        await ctx.services.sleep(config.seconds)
    return primary_input(ctx, inputs)


DELAY = NodeType(
    type="delay",
    label="Delay",
    category=NodeCategory.LOGIC,
    description="Wait a number of seconds, then pass the input on.",
    config_model=DelayConfig,
    run=run_delay,
    icon="timer",
)
