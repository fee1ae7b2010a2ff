"""Transform node: reshape data with a Jinja2 template or a JMESPath expression."""

from __future__ import annotations

import json
from typing import Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.engine.context import NodeContext
from app.engine.nodes.node_inputs import primary_input
from app.engine.registry import NodeCategory, NodeType


class TransformConfig(BaseModel):
    """Config of the transform node."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["template", "jmespath"] = Field(
        default="template",
        title="Mode",
        description="template: output the rendered template; jmespath: query the input.",
    )
    template: Any = Field(
        default="{{ input }}",
        title="Template",
        description="Jinja2 template (text, or an object/list with templates inside). "
        "Text that renders to a JSON object or array is parsed.",
    )
    expression: str = Field(
        default="",
        max_length=2000,
        validate_default=True,
        title="JMESPath expression",
        description="Applied to the primary input in jmespath mode, e.g. 'items[?active].name'.",
    )

    @field_validator("expression")
    @classmethod
    def _expression_compiles(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("mode") != "jmespath":
            return value
        if not value.strip():
            raise ValueError("jmespath mode needs an expression")
        # A templated expression can only be checked once rendered (at run time).
        if "{{" not in value:
            try:
                jmespath.compile(value)
            except JMESPathError as exc:
                raise ValueError(f"invalid JMESPath expression: {exc}") from exc
        return value


def _parse_json_text(value: Any) -> Any:
    """A string holding a JSON object or array becomes that value; anything else is kept."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "[") and text[-1:] in ("}", "]"):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


async def run_transform(ctx: NodeContext, inputs: dict[str, Any], config: TransformConfig) -> Any:
    """Return the rendered template, or the JMESPath result over the primary input."""
    if config.mode == "template":
        return _parse_json_text(config.template)
    try:
        return jmespath.search(config.expression, primary_input(ctx, inputs))
    except JMESPathError as exc:
        raise ValueError(f"JMESPath {config.expression!r} failed: {exc}") from exc


TRANSFORM = NodeType(
    type="transform",
    label="Transform",
    category=NodeCategory.LOGIC,
    description="Reshape data with a Jinja2 template or a JMESPath query.",
    config_model=TransformConfig,
    run=run_transform,
    icon="wand-sparkles",
)
