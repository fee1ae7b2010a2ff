"""The executor with the built-in node types (default registry)."""

from __future__ import annotations

import time

from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from tests.engine.builders import make_spec


async def test_condition_if_else_skips_the_untaken_branch() -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("c", "condition", {"condition": "{{ input.amount > 100 }}"}),
            ("big", "transform", {"template": "big {{ input.amount }}"}),
            ("small", "transform", {"template": "small {{ input.amount }}"}),
            ("after_big", "output"),
        ],
        [("t", "c"), ("c", "big", "true"), ("c", "small", "false"), ("big", "after_big")],
    )
    result = await run_workflow(spec, trigger_payload={"amount": 5})
    assert result.status is RunStatus.SUCCEEDED
    assert result.node_status["big"] is NodeStatus.SKIPPED
    assert result.node_status["after_big"] is NodeStatus.SKIPPED
    assert result.outputs["small"] == "small 5"

    result = await run_workflow(spec, trigger_payload={"amount": 500})
    assert result.node_status["small"] is NodeStatus.SKIPPED
    assert result.output == {"after_big": "big 500"}


async def test_merge_all_waits_for_both_branches_and_keeps_edge_order() -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("slow", "delay", {"seconds": 0.2}),
            ("fast", "transform", {"template": "fast"}),
            ("m", "merge", {"mode": "all"}),
        ],
        [("t", "slow"), ("t", "fast"), ("slow", "m"), ("fast", "m")],
    )
    result = await run_workflow(spec, trigger_payload="payload")
    assert result.outputs["m"] == ["payload", "fast"]


async def test_merge_first_continues_with_the_first_branch() -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("slow", "delay", {"seconds": 0.5}),
            ("fast", "transform", {"template": "fast"}),
            ("m", "merge", {"mode": "first"}),
            ("o", "output"),
        ],
        [("t", "slow"), ("t", "fast"), ("slow", "m"), ("fast", "m"), ("m", "o")],
    )
    began = time.perf_counter()
    result = await run_workflow(spec, trigger_payload="payload")
    assert result.outputs["m"] == "fast"
    assert result.output == {"o": "fast"}
    assert time.perf_counter() - began >= 0.5  # the slow branch still finishes


async def test_merge_after_a_condition_gets_only_the_live_branch() -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("c", "condition", {"condition": "{{ trigger.ok }}"}),
            ("yes", "transform", {"template": "yes"}),
            ("no", "transform", {"template": "no"}),
            ("m", "merge"),
        ],
        [("t", "c"), ("c", "yes", "true"), ("c", "no", "false"), ("yes", "m"), ("no", "m")],
    )
    result = await run_workflow(spec, trigger_payload={"ok": False})
    assert result.outputs["m"] == ["no"]
