"""Set variables node: write run-wide variables that later expressions read as `vars`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.engine.context import NodeContext
from app.engine.registry import NodeCategory, NodeType


class SetVariablesConfig(BaseModel):
    """Config of the set variables node."""

    model_config = ConfigDict(extra="forbid")

    variables: dict[str, Any] = Field(
        default_factory=dict,
        title="Variables",
        description="Names and values (expressions allowed); later nodes read them as "
        "'{{ vars.name }}'.",
    )


async def run_set_variables(
    ctx: NodeContext, inputs: dict[str, Any], config: SetVariablesConfig
) -> dict[str, Any]:
    """Merge the variables into the run's variables and output them."""
    ctx.variables.update(config.variables)
    return dict(config.variables)


SET_VARIABLES = NodeType(
    type="set_variables",
    label="Set variables",
    category=NodeCategory.LOGIC,
    description="Set run-wide variables that later nodes read as vars.",
    config_model=SetVariablesConfig,
    run=run_set_variables,
    icon="variable",
)
