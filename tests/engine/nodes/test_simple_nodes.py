"""Triggers, delay, set variables and output nodes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from app.engine.context import NodeContext, RunServices
from app.engine.nodes.delay import DelayConfig, run_delay
from app.engine.nodes.noop import NOOP
from app.engine.nodes.output import OutputConfig, run_output
from app.engine.nodes.set_variables import SetVariablesConfig, run_set_variables
from app.engine.nodes.triggers import (
    MANUAL_TRIGGER,
    SCHEDULE_TRIGGER,
    WEBHOOK_TRIGGER,
    ScheduleTriggerConfig,
)
from app.engine.registry import NodeType


@pytest.mark.parametrize("trigger", [MANUAL_TRIGGER, WEBHOOK_TRIGGER, SCHEDULE_TRIGGER])
async def test_triggers_output_the_payload(
    make_ctx: Callable[..., NodeContext], trigger: NodeType
) -> None:
    assert trigger.is_trigger
    assert trigger.inputs == ()
    config = trigger.parse_config({})
    payload = {"body": [1, 2]}
    assert await trigger.run(make_ctx(trigger=payload), {}, config) == payload


def test_schedule_config_is_empty_and_ignores_the_old_cron_and_timezone() -> None:
    # Schedules live in the schedules table; documents saved when the node held them load.
    assert SCHEDULE_TRIGGER.parse_config({}).model_dump() == {}
    old = SCHEDULE_TRIGGER.parse_config({"cron": "61 * * * *", "timezone": "Mars/Olympus"})
    assert old.model_dump() == {}
    assert ScheduleTriggerConfig.model_json_schema().get("properties", {}) == {}


async def test_delay_sleeps_then_passes_the_input(make_ctx: Callable[..., NodeContext]) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    ctx = make_ctx(services=RunServices(sleep=fake_sleep), trigger="t")
    assert await run_delay(ctx, {"up": {"v": 1}}, DelayConfig(seconds=2.5)) == {"v": 1}
    assert await run_delay(ctx, {}, DelayConfig(seconds=0)) == "t"
    assert slept == [2.5]


def test_delay_is_bounded() -> None:
    with pytest.raises(ValidationError):
        DelayConfig(seconds=3601)
    with pytest.raises(ValidationError):
        DelayConfig(seconds=-1)


async def test_set_variables_merges_into_the_run(make_ctx: Callable[..., NodeContext]) -> None:
    ctx = make_ctx()
    ctx.variables["kept"] = 1
    config = SetVariablesConfig(variables={"a": 1, "b": [2]})
    assert await run_set_variables(ctx, {}, config) == {"a": 1, "b": [2]}
    await run_set_variables(ctx, {}, SetVariablesConfig(variables={"a": "new"}))
    assert ctx.variables == {"kept": 1, "a": "new", "b": [2]}


async def test_output_returns_its_value(make_ctx: Callable[..., NodeContext]) -> None:
    assert OutputConfig().value == "{{ input }}"
    assert await run_output(make_ctx(), {"x": 1}, OutputConfig(value={"done": True})) == {
        "done": True
    }


async def test_noop_passes_the_primary_input_unchanged(
    make_ctx: Callable[..., NodeContext],
) -> None:
    config = NOOP.parse_config({})
    ctx = make_ctx(trigger="from trigger")
    assert await NOOP.run(ctx, {"up": {"v": [1, 2]}}, config) == {"v": [1, 2]}
    assert await NOOP.run(ctx, {}, config) == "from trigger"
    with pytest.raises(ValidationError):
        NOOP.parse_config({"unexpected": 1})
