"""Condition node: if/else and switch routing through taken handles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.context import NodeContext
from app.engine.nodes.condition import CONDITION, ConditionConfig, is_truthy, run_condition


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (None, False),
        (0, False),
        (3, True),
        ("", False),
        ("  ", False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("NO ", False),
        ("yes", True),
        ("true", True),
        ("anything", True),
        ([], False),
        ({"a": 1}, True),
    ],
)
def test_truthiness(value: Any, expected: bool) -> None:
    assert is_truthy(value) is expected


@pytest.mark.parametrize(("condition", "handle"), [(True, "true"), ("false", "false")])
async def test_if_routes_the_input(
    make_ctx: Callable[..., NodeContext], condition: Any, handle: str
) -> None:
    config = ConditionConfig(condition=condition)
    result = await run_condition(make_ctx(), {"a": {"x": 1}, "b": 2}, config)
    assert result.value == {"x": 1}
    assert result.taken_handles == frozenset({handle})


async def test_if_without_inputs_passes_the_trigger(make_ctx: Callable[..., NodeContext]) -> None:
    result = await run_condition(make_ctx(trigger={"t": 1}), {}, ConditionConfig(condition=1))
    assert result.value == {"t": 1}


@pytest.mark.parametrize(
    ("value", "handle"),
    [
        ("b", "case_2"),
        ("a", "case_1"),
        (1, "case_3"),
        ("1", "case_3"),
        (1.0, "case_3"),
        (True, "case_5"),
        ({"k": 1}, "case_6"),
        ("zzz", "default"),
        (None, "default"),
    ],
)
async def test_switch_takes_the_first_matching_case(
    make_ctx: Callable[..., NodeContext], value: Any, handle: str
) -> None:
    config = ConditionConfig(mode="switch", value=value, cases=["a", "b", 1, "a", "true", {"k": 1}])
    result = await run_condition(make_ctx(), {"up": "payload"}, config)
    assert result.value == "payload"
    assert result.taken_handles == frozenset({handle})


def test_output_handles_follow_the_mode() -> None:
    assert CONDITION.output_handles(ConditionConfig()) == ("true", "false")
    switch = ConditionConfig(mode="switch", value="x", cases=["a", "b", "c"])
    assert CONDITION.output_handles(switch) == ("case_1", "case_2", "case_3", "default")


def test_switch_needs_cases() -> None:
    with pytest.raises(ValidationError, match="switch mode needs at least one case"):
        ConditionConfig(mode="switch", value="x")
    with pytest.raises(ValidationError, match="at most 20"):
        ConditionConfig(mode="switch", value="x", cases=list(range(21)))
