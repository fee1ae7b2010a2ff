"""Reactive runs: reuse from the cache, forced re-runs, strict cache rules, side effects."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.node_cache import MemoryNodeCache
from app.engine.nodes import default_registry
from app.engine.registry import NodeRegistry
from app.engine.spec import WorkflowSpec
from app.engine.staleness import stale_nodes
from tests.engine.builders import RecordingHooks, make_spec
from tests.engine.reactive_builders import chain, counting_registry, executed

CACHED = NodeStatus.CACHED
STALE = NodeStatus.STALE


@pytest.fixture
def counts() -> Counter[str]:
    return Counter()


@pytest.fixture
def reg(counts: Counter[str]) -> NodeRegistry:
    return counting_registry(counts)


@pytest.fixture
def cache() -> MemoryNodeCache:
    return MemoryNodeCache()


@pytest.mark.parametrize("k", [2, 9, 20])
async def test_run_stale_executes_only_the_stale_nodes_of_a_20_node_chain(
    k: int, reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    old = chain(20)
    first = await run_workflow(old, registry=reg, trigger_payload={"v": 1}, cache=cache)
    assert first.status is RunStatus.SUCCEEDED
    counts.clear()

    new = chain(20, configs={k: {"tag": "edited"}})
    stale = stale_nodes(old, new)
    hooks = RecordingHooks()
    second = await run_workflow(
        new, registry=reg, trigger_payload={"v": 1}, cache=cache, rerun=frozenset(stale),
        hooks=hooks,
    )  # fmt: skip
    assert second.status is RunStatus.SUCCEEDED
    assert set(counts) == stale == {f"n{i}" for i in range(k, 21)}
    assert all(counts[n] == 1 for n in stale)
    assert executed(second.node_status) == stale
    assert {n for n, s in second.node_status.items() if s is CACHED} == {
        f"n{i}" for i in range(1, k)
    }
    reused = [r for r in hooks.records if r.cached]
    assert {r.node_id for r in reused} == {f"n{i}" for i in range(1, k)}
    assert all(r.attempt == 0 and r.cache_key for r in reused)
    assert not {call[1] for call in hooks.calls if call[0] == "before"} & {
        r.node_id for r in reused
    }
    assert second.outputs["n20"] == {"v": 1}


async def test_a_full_cache_hit_runs_nothing_and_keeps_the_run_output(
    reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    spec = chain(5)
    first = await run_workflow(spec, registry=reg, trigger_payload=3, cache=cache)
    counts.clear()
    second = await run_workflow(spec, registry=reg, trigger_payload=3, cache=cache)
    assert not counts
    assert set(second.node_status.values()) == {CACHED}
    assert second.outputs == first.outputs and second.output == first.output == {"n5": 3}


async def test_a_failed_upstream_node_is_never_reused(
    reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    spec = chain(8, configs={5: {"fail_first": True}})
    first = await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache)
    assert first.status is RunStatus.FAILED and first.error_node_id == "n5"
    assert first.node_status["n6"] is NodeStatus.CANCELLED
    before = Counter(counts)  # not cleared: n5 fails on its first execution only

    second = await run_workflow(spec, registry=reg, trigger_payload=1, cache=cache)
    assert second.status is RunStatus.SUCCEEDED
    assert set(counts - before) == {"n5", "n6", "n7", "n8"}
    assert {n for n, s in second.node_status.items() if s is CACHED} == {"n1", "n2", "n3", "n4"}


async def test_continue_and_error_output_failures_are_not_cached(
    registry: NodeRegistry, cache: MemoryNodeCache
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "c", "type": "fail", "on_error": "continue"},
            {"id": "e", "type": "fail", "on_error": "error_output"},
            ("after_c", "pass"),
            ("after_e", "pass"),
        ],
        [("t", "c"), ("t", "e"), ("c", "after_c"), ("e", "after_e", "error")],
    )
    await run_workflow(spec, registry=registry, cache=cache)
    hooks = RecordingHooks()
    second = await run_workflow(spec, registry=registry, cache=cache, hooks=hooks)
    assert second.node_status["c"] is NodeStatus.FAILED
    assert second.node_status["e"] is NodeStatus.FAILED
    assert [r.status for r in hooks.records_of("c")] == [NodeStatus.FAILED]


async def test_timed_out_and_cancelled_attempts_are_not_cached(
    registry: NodeRegistry, cache: MemoryNodeCache
) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), {"id": "slow", "type": "sleep", "config": {"seconds": 5},
                                   "timeout_s": 0.05}],
        [("t", "slow")],
    )  # fmt: skip
    timed_out = await run_workflow(spec, registry=registry, cache=cache)
    assert timed_out.node_status["slow"] is NodeStatus.FAILED
    assert len(cache) == 1  # the trigger only

    cancel = asyncio.Event()
    spec = make_spec([("t", "manual_trigger"), ("s", "sleep", {"seconds": 5})], [("t", "s")])
    task = asyncio.create_task(
        run_workflow(spec, registry=registry, cache=cache, cancel_event=cancel)
    )
    await asyncio.sleep(0.05)
    cancel.set()
    cancelled = await task
    assert cancelled.node_status["s"] is NodeStatus.CANCELLED
    assert len(cache) == 1


async def test_a_changed_upstream_output_invalidates_downstream(
    reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("const", "pass", {"value": "same"}),
            ("after_const", "count"),
            ("counter", "count", {"add_counter": True}),
            ("after_counter", "count"),
        ],
        [("t", "const"), ("const", "after_const"), ("t", "counter"), ("counter", "after_counter")],
    )
    await run_workflow(spec, registry=reg, trigger_payload={"counter": 1}, cache=cache)
    counts.clear()
    second = await run_workflow(spec, registry=reg, trigger_payload={"counter": 2}, cache=cache)
    assert set(counts) == {"counter", "after_counter"}
    assert second.node_status["const"] is NodeStatus.SUCCEEDED  # its input changed
    assert second.node_status["after_const"] is CACHED  # its input did not
    assert second.outputs["after_counter"]["counter"] == 2


async def test_pinned_output_is_used_as_is_and_is_part_of_the_key(
    reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    def spec(pinned: object) -> WorkflowSpec:
        return make_spec(
            [("t", "manual_trigger"), {"id": "p", "type": "count", "pinned_output": pinned},
             ("d", "count")],
            [("t", "p"), ("p", "d")],
        )  # fmt: skip

    hooks = RecordingHooks()
    first = await run_workflow(spec({"x": 1}), registry=reg, cache=cache, hooks=hooks)
    assert first.node_status["p"] is NodeStatus.SUCCEEDED
    assert first.outputs["d"] == {"x": 1}
    assert counts["p"] == 0
    (record,) = hooks.records_of("p")
    assert record.pinned and not record.cached and record.cache_key

    again = await run_workflow(spec({"x": 1}), registry=reg, cache=cache)
    assert again.node_status["d"] is CACHED
    repinned = await run_workflow(spec({"x": 2}), registry=reg, cache=cache)
    assert repinned.node_status["d"] is NodeStatus.SUCCEEDED
    assert repinned.outputs["d"] == {"x": 2}
    assert counts == {"d": 2}


async def test_a_side_effect_node_is_never_auto_run(
    reg: NodeRegistry, counts: Counter[str], cache: MemoryNodeCache
) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("s", "side"), ("d", "count"), ("free", "count")],
        [("t", "s"), ("s", "d"), ("t", "free")],
    )
    auto = await run_workflow(spec, registry=reg, cache=cache, allow_side_effects=False)
    assert auto.status is RunStatus.SUCCEEDED
    assert auto.node_status["s"] is STALE and auto.node_status["d"] is STALE
    assert auto.node_status["free"] is NodeStatus.SUCCEEDED
    assert "s" not in counts and "d" not in counts

    await run_workflow(spec, registry=reg, cache=cache)  # the explicit run
    assert counts["s"] == 1
    reused = await run_workflow(spec, registry=reg, cache=cache, allow_side_effects=False)
    assert reused.node_status["s"] is CACHED and reused.node_status["d"] is CACHED
    forced = await run_workflow(
        spec, registry=reg, cache=cache, rerun=frozenset({"s", "d"}), allow_side_effects=False
    )
    assert forced.node_status["s"] is STALE and forced.node_status["d"] is STALE
    assert counts["s"] == 1


async def test_auto_run_without_a_cache_leaves_an_http_post_stale() -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("post", "http_request", {"method": "{{ 'PO' ~ 'ST' }}", "url": "http://10.0.0.1/"}),
            ("out", "output"),
        ],
        [("t", "post"), ("post", "out")],
    )
    result = await run_workflow(spec, registry=default_registry(), allow_side_effects=False)
    assert result.node_status == {"t": NodeStatus.SUCCEEDED, "post": STALE, "out": STALE}


async def test_first_input_nodes_run_on_a_live_input_beside_a_stale_one(
    reg: NodeRegistry,
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("s", "side"),
            ("a", "count"),
            ("f", "first"),
            ("all", "collect"),
        ],
        [("t", "s"), ("t", "a"), ("s", "f"), ("a", "f"), ("s", "all"), ("a", "all")],
    )
    result = await run_workflow(spec, registry=reg, allow_side_effects=False)
    assert result.node_status["f"] is NodeStatus.SUCCEEDED
    assert result.node_status["all"] is STALE


async def test_cached_routing_and_variables_replay(
    registry: NodeRegistry, cache: MemoryNodeCache
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("r", "route", {"take": ["no"]}),
            ("yes", "pass"),
            ("v", "set_var", {"name": "x", "value": 42}),
            ("read", "pass", {"value": "{{ vars.x }}"}),
        ],
        [("t", "r"), ("r", "yes", "yes"), ("r", "v", "no"), ("v", "read")],
    )
    await run_workflow(spec, registry=registry, cache=cache)
    second = await run_workflow(spec, registry=registry, cache=cache, rerun=frozenset({"read"}))
    assert second.node_status["r"] is CACHED
    assert second.node_status["yes"] is NodeStatus.SKIPPED
    assert second.node_status["v"] is CACHED
    assert second.node_status["read"] is NodeStatus.SUCCEEDED
    assert second.outputs["read"] == 42
