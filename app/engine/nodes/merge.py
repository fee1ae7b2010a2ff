"""Merge node: join branches, waiting for all of them or taking the first that arrives."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.engine.context import NodeContext
from app.engine.registry import NodeCategory, NodeType


class MergeConfig(BaseModel):
    """Config of the merge node."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["all", "first"] = Field(
        default="all",
        title="Mode",
        description="all: wait for every branch and output a list of their outputs; "
        "first: continue with the first branch that arrives.",
    )


async def run_merge(ctx: NodeContext, inputs: dict[str, Any], config: MergeConfig) -> Any:
    """A list of live inputs in incoming-edge order (all), or the first one (first)."""
    if config.mode == "all":
        return list(inputs.values())
    return next(iter(inputs.values()), None)


def _waits_for(config: MergeConfig) -> str:
    return "first" if config.mode == "first" else "all"


MERGE = NodeType(
    type="merge",
    label="Merge",
    category=NodeCategory.LOGIC,
    description="Join branches: wait for all (list of outputs) or take the first.",
    config_model=MergeConfig,
    run=run_merge,
    wait_for=_waits_for,
    icon="merge",
)
