"""Condition node: route the input down one branch (if/else) or one of N cases (switch)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.engine.context import NodeContext
from app.engine.nodes.node_inputs import primary_input
from app.engine.registry import NodeCategory, NodeOutput, NodeType

MAX_CASES = 20
DEFAULT_HANDLE = "default"
IF_HANDLES = ("true", "false")
_TAKE_TRUE = frozenset({"true"})
_TAKE_FALSE = frozenset({"false"})
_TAKE_DEFAULT = frozenset({DEFAULT_HANDLE})
_FALSE_WORDS = frozenset({"false", "0", "no", ""})


class ConditionConfig(BaseModel):
    """Config of the condition node."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["if", "switch"] = Field(
        default="if",
        title="Mode",
        description="if: a true and a false branch; switch: one branch per case plus default.",
    )
    condition: Any = Field(
        default=None,
        title="Condition",
        description="if mode: an expression such as '{{ input.status == 200 }}'. "
        "Text 'false', '0', 'no' and empty text count as false.",
    )
    value: Any = Field(
        default=None,
        title="Value",
        description="switch mode: the value compared with each case, e.g. '{{ input.kind }}'.",
    )
    cases: list[Any] = Field(
        default_factory=list,
        max_length=MAX_CASES,
        validate_default=True,
        title="Cases",
        description="switch mode: case values; the first equal case's branch (case_1, case_2, "
        "...) is taken, else default.",
    )

    @field_validator("cases")
    @classmethod
    def _switch_has_cases(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        if info.data.get("mode") == "switch" and not value:
            raise ValueError("switch mode needs at least one case")
        return value


def empty_condition(config: dict[str, Any]) -> dict[str, str]:
    """An if-condition left empty, which would always take the false branch."""
    condition = config.get("condition")
    blank = condition is None or (isinstance(condition, str) and not condition.strip())
    if config.get("mode", "if") == "if" and blank:
        return {"condition": "the condition is empty; write one, e.g. {{ input.status == 200 }}"}
    return {}


def is_truthy(value: Any) -> bool:
    """Truthiness of a rendered condition: Python's, except that text is read as a word.

    Args:
        value: the rendered condition.

    Returns:
        False for text "false", "0", "no" or blank text (any case); else `bool(value)`.
    """
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS
    return bool(value)


def _scalar_text(value: Any) -> str | None:
    """Text form of a scalar (JSON spelling for booleans), None for other values."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _matches(value: Any, case: Any) -> bool:
    """Equal values; scalars also match by text, so a rendered "1" matches the case 1 and
    True matches "true" (but True does not match 1)."""
    value_text, case_text = _scalar_text(value), _scalar_text(case)
    if value_text is None or case_text is None:
        return bool(value == case)
    if _is_number(value) and _is_number(case):
        return bool(value == case)
    return value_text == case_text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def condition_outputs(config: ConditionConfig) -> tuple[str, ...]:
    """The output handles: true/false, or case_1..case_N and default."""
    if config.mode == "if":
        return IF_HANDLES
    return (*(f"case_{index}" for index in range(1, len(config.cases) + 1)), DEFAULT_HANDLE)


async def run_condition(
    ctx: NodeContext, inputs: dict[str, Any], config: ConditionConfig
) -> NodeOutput:
    """Pass the primary input on through the chosen branch only."""
    value = primary_input(ctx, inputs)
    if config.mode == "if":
        return NodeOutput(value, _TAKE_TRUE if is_truthy(config.condition) else _TAKE_FALSE)
    for index, case in enumerate(config.cases, start=1):
        if _matches(config.value, case):
            return NodeOutput(value, frozenset({f"case_{index}"}))
    return NodeOutput(value, _TAKE_DEFAULT)


CONDITION = NodeType(
    type="condition",
    label="Condition",
    category=NodeCategory.LOGIC,
    description="Route the input: if/else, or a switch with one branch per case.",
    config_model=ConditionConfig,
    run=run_condition,
    outputs=condition_outputs,
    icon="git-branch",
    check_written=empty_condition,
)
