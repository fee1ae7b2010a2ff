"""'Run this node', 'Run up to here' and `only`: what a targeted run covers and reuses."""

from __future__ import annotations

from collections import Counter

import pytest

from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.node_cache import MemoryNodeCache
from app.engine.registry import NodeRegistry
from app.engine.spec import WorkflowSpec
from app.engine.validation import WorkflowInvalid
from tests.engine.builders import RecordingHooks, make_spec
from tests.engine.reactive_builders import counting_registry

CACHED = NodeStatus.CACHED
SUCCEEDED = NodeStatus.SUCCEEDED


@pytest.fixture
def counts() -> Counter[str]:
    return Counter()


@pytest.fixture
def reg(counts: Counter[str]) -> NodeRegistry:
    return counting_registry(counts)


@pytest.fixture
def spec() -> WorkflowSpec:
    """t -> a -> b -> c, and a side branch t -> x."""
    return make_spec(
        [("t", "manual_trigger"), ("a", "count"), ("b", "count"), ("c", "count"), ("x", "count")],
        [("t", "a"), ("a", "b"), ("b", "c"), ("t", "x")],
    )


async def test_up_to_runs_the_target_and_its_ancestors_only(
    spec: WorkflowSpec, reg: NodeRegistry, counts: Counter[str]
) -> None:
    hooks = RecordingHooks()
    result = await run_workflow(
        spec, registry=reg, trigger_payload=1, target="b", target_mode="up_to", hooks=hooks
    )
    assert result.status is RunStatus.SUCCEEDED
    assert result.node_status == {"t": SUCCEEDED, "a": SUCCEEDED, "b": SUCCEEDED}
    assert set(counts) == {"a", "b"}
    assert {r.node_id for r in hooks.records} == {"t", "a", "b"}
    assert result.output == {"b": 1}


async def test_up_to_reuses_fresh_ancestors_and_always_runs_the_target(
    spec: WorkflowSpec, reg: NodeRegistry, counts: Counter[str]
) -> None:
    cache = MemoryNodeCache()
    await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache)
    counts.clear()
    result = await run_workflow(
        spec, registry=reg, trigger_payload=1, cache=cache, target="b", target_mode="up_to",
        rerun=frozenset({"a"}),
    )  # fmt: skip
    assert result.node_status == {"t": CACHED, "a": SUCCEEDED, "b": SUCCEEDED}
    assert set(counts) == {"a", "b"}


async def test_run_this_node_takes_upstream_outputs_as_given(
    spec: WorkflowSpec, reg: NodeRegistry, counts: Counter[str]
) -> None:
    hooks = RecordingHooks()
    result = await run_workflow(
        spec, registry=reg, trigger_payload=1, target="c", seed_outputs={"b": "seen", "x": 9},
        hooks=hooks,
    )  # fmt: skip
    assert result.node_status == {"b": CACHED, "c": SUCCEEDED}
    assert result.outputs["c"] == "seen"
    assert set(counts) == {"c"}
    (seeded,) = hooks.records_of("b")
    assert seeded.cached and seeded.cache_key is None


async def test_run_this_node_uses_the_cache_and_runs_missing_ancestors(
    spec: WorkflowSpec, reg: NodeRegistry, counts: Counter[str]
) -> None:
    cache = MemoryNodeCache()
    cold = await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache, target="b")
    assert cold.node_status == {"t": SUCCEEDED, "a": SUCCEEDED, "b": SUCCEEDED}
    counts.clear()
    warm = await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache, target="c")
    assert warm.node_status == {"t": CACHED, "a": CACHED, "b": CACHED, "c": SUCCEEDED}
    counts.clear()
    again = await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache, target="c")
    assert again.node_status["c"] is SUCCEEDED  # the target runs even when cached
    assert set(counts) == {"c"}


async def test_only_covers_the_given_nodes_and_their_ancestors(
    spec: WorkflowSpec, reg: NodeRegistry
) -> None:
    result = await run_workflow(spec, registry=reg, only=frozenset({"a", "x"}))
    assert set(result.node_status) == {"t", "a", "x"}


async def test_bad_targets_are_refused(spec: WorkflowSpec, reg: NodeRegistry) -> None:
    with pytest.raises(WorkflowInvalid) as raised:
        await run_workflow(spec, registry=reg, target="nope")
    assert raised.value.problems[0].code == "unknown_node"
    with pytest.raises(ValueError):
        await run_workflow(spec, registry=reg, target="b", only=frozenset({"a"}))
    with pytest.raises(ValueError):
        await run_workflow(
            spec, registry=reg, target="b", target_mode="up_to", seed_outputs={"a": 1}
        )
