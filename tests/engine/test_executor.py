"""The executor: order, concurrency, routing and skips, node settings, output and triggers."""

from __future__ import annotations

import time

import pytest

from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.registry import NodeRegistry
from app.engine.validation import WorkflowInvalid
from tests.engine.builders import RecordingHooks, make_spec


def started(hooks: RecordingHooks) -> list[str]:
    return [call[1] for call in hooks.calls if call[0] == "before"]


async def test_nodes_run_in_topological_order(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [("c", "collect"), ("b", "pass"), ("a", "pass"), ("t", "manual_trigger")],
        [("t", "a"), ("a", "b"), ("b", "c"), ("a", "c")],
    )
    result = await run_workflow(spec, registry=registry, trigger_payload=7, hooks=hooks)
    assert result.status is RunStatus.SUCCEEDED
    assert started(hooks) == ["t", "a", "b", "c"]
    assert result.outputs["c"] == {"b": 7, "a": 7}
    assert list(result.outputs["c"]) == ["b", "a"]  # incoming-edge order


@pytest.mark.timing
async def test_independent_branches_run_concurrently(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("a", "sleep", {"seconds": 0.3}),
            ("b", "sleep", {"seconds": 0.3}),
            ("c", "collect"),
        ],
        [("t", "a"), ("t", "b"), ("a", "c"), ("b", "c")],
    )
    began = time.perf_counter()
    result = await run_workflow(spec, registry=registry, trigger_payload=1)
    elapsed = time.perf_counter() - began
    assert result.status is RunStatus.SUCCEEDED
    assert result.outputs["c"] == {"a": 1, "b": 1}
    assert elapsed < 0.45


async def test_untaken_branches_are_skipped_and_skips_propagate(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("r", "route", {"take": ["no"]}),
            ("yes1", "pass"),
            ("yes2", "pass"),
            ("no1", "pass"),
            ("join", "collect"),
        ],
        [
            ("t", "r"),
            ("r", "yes1", "yes"),
            ("yes1", "yes2"),
            ("r", "no1", "no"),
            ("yes2", "join"),
            ("no1", "join"),
        ],
    )
    result = await run_workflow(spec, registry=registry, trigger_payload="v", hooks=hooks)
    status = result.node_status
    assert status["yes1"] is NodeStatus.SKIPPED
    assert status["yes2"] is NodeStatus.SKIPPED
    assert status["no1"] is NodeStatus.SUCCEEDED
    assert status["join"] is NodeStatus.SUCCEEDED
    assert result.outputs["join"] == {"no1": "v"}
    assert [r.status for r in hooks.records_of("yes2")] == [NodeStatus.SKIPPED]
    assert "yes1" not in started(hooks)
    assert hooks.records_of("r")[0].taken_handles == frozenset({"no"})


async def test_a_node_reached_only_by_dead_edges_is_skipped(registry: NodeRegistry) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("r", "route", {"take": []}), ("a", "pass"), ("b", "collect")],
        [("t", "r"), ("r", "a", "yes"), ("r", "b", "no"), ("a", "b")],
    )
    result = await run_workflow(spec, registry=registry)
    assert result.node_status["a"] is NodeStatus.SKIPPED
    assert result.node_status["b"] is NodeStatus.SKIPPED
    assert result.status is RunStatus.SUCCEEDED


async def test_a_first_input_node_starts_before_slow_branches_finish(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("fast", "pass", {"value": "fast"}),
            ("slow", "sleep", {"seconds": 0.2}),
            ("f", "first"),
        ],
        [("t", "slow"), ("t", "fast"), ("slow", "f"), ("fast", "f")],
    )
    result = await run_workflow(spec, registry=registry, hooks=hooks)
    assert result.outputs["f"] == {"fast": "fast"}
    assert hooks.calls.index(("after", "f", 1, "succeeded")) < hooks.calls.index(
        ("after", "slow", 1, "succeeded")
    )


async def test_expressions_in_config_are_rendered_per_run(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            {"id": "t", "type": "manual_trigger", "name": "Start"},
            ("a", "pass", {"value": {"double": "{{ trigger.n * 2 }}"}}),
            ("b", "pass", {"value": "{{ nodes.Start.output.n }}-{{ input.double }}"}),
            ("s", "sleep", {"seconds": "{{ trigger.wait }}"}),
        ],
        [("t", "a"), ("a", "b"), ("t", "s")],
    )
    result = await run_workflow(spec, registry=registry, trigger_payload={"n": 4, "wait": 0})
    assert result.outputs["a"] == {"double": 8}
    assert result.outputs["b"] == "4-8"


async def test_a_config_that_fails_after_rendering_is_not_retried(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "s", "type": "sleep", "config": {"seconds": "{{ trigger.wait }}"}, "retries": 3},
        ],
        [("t", "s")],
    )
    result = await run_workflow(
        spec, registry=registry, trigger_payload={"wait": "soon"}, hooks=hooks
    )
    assert result.status is RunStatus.FAILED
    assert len(hooks.records_of("s")) == 1
    assert "seconds" in (result.error or "")


async def test_run_output_prefers_output_nodes_keyed_by_name(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "o", "type": "output", "name": "Answer", "config": {"value": 42}},
            ("sink", "pass"),
        ],
        [("t", "o"), ("t", "sink")],
    )
    assert (await run_workflow(spec, registry=registry)).output == {"Answer": 42}


async def test_run_output_falls_back_to_succeeded_sinks(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "a", "type": "pass", "name": "Alpha"},
            ("r", "route", {"take": ["yes"]}),
            ("y", "pass"),
            ("n", "pass"),
        ],
        [("t", "a"), ("t", "r"), ("r", "y", "yes"), ("r", "n", "no")],
    )
    result = await run_workflow(spec, registry=registry, trigger_payload=1)
    assert result.output == {"Alpha": 1, "y": 1}


async def test_the_manual_trigger_fires_by_default_and_others_are_skipped(
    registry: NodeRegistry,
) -> None:
    spec = make_spec(
        [("o", "other_trigger"), ("m", "manual_trigger"), ("from_o", "pass"), ("from_m", "pass")],
        [("o", "from_o"), ("m", "from_m")],
    )
    result = await run_workflow(spec, registry=registry)
    assert result.node_status == {
        "o": NodeStatus.SKIPPED,
        "m": NodeStatus.SUCCEEDED,
        "from_o": NodeStatus.SKIPPED,
        "from_m": NodeStatus.SUCCEEDED,
    }
    chosen = await run_workflow(spec, registry=registry, trigger_node_id="o")
    assert chosen.node_status["from_o"] is NodeStatus.SUCCEEDED
    assert chosen.node_status["m"] is NodeStatus.SKIPPED


async def test_invalid_workflows_and_triggers_are_refused(registry: NodeRegistry) -> None:
    cyclic = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "pass")],
        [("t", "a"), ("a", "b"), ("b", "a")],
    )
    with pytest.raises(WorkflowInvalid) as raised:
        await run_workflow(cyclic, registry=registry)
    assert {p.code for p in raised.value.problems} == {"cycle"}
    fine = make_spec([("t", "manual_trigger"), ("a", "pass")], [("t", "a")])
    with pytest.raises(WorkflowInvalid) as raised:
        await run_workflow(fine, registry=registry, trigger_node_id="a")
    assert raised.value.problems[0].code == "unknown_trigger"


async def test_nodes_share_run_variables_and_see_the_execution_id(
    registry: NodeRegistry,
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("a", "set_var", {"name": "x", "value": 1}),
            ("b", "set_var", {"name": "y", "value": "{{ vars.x + 1 }}"}),
        ],
        [("t", "a"), ("a", "b")],
    )
    result = await run_workflow(spec, registry=registry, execution_id=12)
    assert result.outputs["b"] == {"execution_id": 12, "variables": {"x": 1, "y": 2}}
