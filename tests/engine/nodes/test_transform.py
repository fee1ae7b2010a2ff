"""Transform node: rendered templates (JSON text parsed) and JMESPath over the input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.context import NodeContext
from app.engine.nodes.transform import TransformConfig, run_transform


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ('{"a": [1, 2]}', {"a": [1, 2]}),
        (' [1, "x"] ', [1, "x"]),
        ("plain text", "plain text"),
        ("{not json}", "{not json}"),
        ("42", "42"),
        ({"kept": "{{ already rendered }}"}, {"kept": "{{ already rendered }}"}),
        (7, 7),
    ],
)
async def test_template_mode_returns_the_rendered_value(
    make_ctx: Callable[..., NodeContext], rendered: Any, expected: Any
) -> None:
    assert await run_transform(make_ctx(), {}, TransformConfig(template=rendered)) == expected


async def test_jmespath_applies_to_the_first_live_input(
    make_ctx: Callable[..., NodeContext],
) -> None:
    config = TransformConfig(mode="jmespath", expression="items[?active].name")
    inputs = {
        "first": {"items": [{"name": "a", "active": True}, {"name": "b", "active": False}]},
        "second": {"items": [{"name": "z", "active": True}]},
    }
    assert await run_transform(make_ctx(), inputs, config) == ["a"]


async def test_jmespath_without_inputs_reads_the_trigger(
    make_ctx: Callable[..., NodeContext],
) -> None:
    config = TransformConfig(mode="jmespath", expression="user.id")
    assert await run_transform(make_ctx(trigger={"user": {"id": 9}}), {}, config) == 9


def test_jmespath_expression_is_checked() -> None:
    with pytest.raises(ValidationError, match="invalid JMESPath expression"):
        TransformConfig(mode="jmespath", expression="items[?")
    with pytest.raises(ValidationError, match="jmespath mode needs an expression"):
        TransformConfig(mode="jmespath")
    assert TransformConfig(mode="jmespath", expression="{{ vars.path }}").expression


async def test_bad_rendered_jmespath_fails_clearly(make_ctx: Callable[..., NodeContext]) -> None:
    config = TransformConfig.model_construct(mode="jmespath", expression="a[?")
    with pytest.raises(ValueError, match=r"JMESPath 'a\[\?' failed"):
        await run_transform(make_ctx(), {"x": {"a": []}}, config)
