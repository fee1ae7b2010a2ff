"""Per-node settings and run control: retries, timeouts, on_error, disabled, pinned, hooks,
cancellation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from app.engine.context import RunServices
from app.engine.events import ExecutionHooks, NodeRunRecord, NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.registry import NodeRegistry
from tests.engine.builders import RecordingHooks, make_spec


def fast_sleep_services(slept: list[float]) -> RunServices:
    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    return RunServices(sleep=sleep)


def failing(node_id: str, fail_times: int, **settings: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "fail", "config": {"fail_times": fail_times}, **settings}


async def test_retries_back_off_exponentially_with_one_record_per_attempt(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    slept: list[float] = []
    spec = make_spec(
        [("t", "manual_trigger"), failing("f", 2, retries=3, retry_backoff_s=0.5)], [("t", "f")]
    )
    result = await run_workflow(
        spec, registry=registry, hooks=hooks, services=fast_sleep_services(slept)
    )
    assert result.status is RunStatus.SUCCEEDED
    assert result.outputs["f"] == "ok on attempt 3"
    records = hooks.records_of("f")
    assert [(r.attempt, r.status) for r in records] == [
        (1, NodeStatus.FAILED),
        (2, NodeStatus.FAILED),
        (3, NodeStatus.SUCCEEDED),
    ]
    assert records[0].error == "RuntimeError: boom on attempt 1"
    assert slept == [0.5, 1.0]


async def test_exhausted_retries_fail_the_run(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    slept: list[float] = []
    spec = make_spec(
        [("t", "manual_trigger"), failing("f", 10, retries=2, retry_backoff_s=0.1), ("a", "pass")],
        [("t", "f"), ("f", "a")],
    )
    result = await run_workflow(
        spec, registry=registry, hooks=hooks, services=fast_sleep_services(slept)
    )
    assert result.status is RunStatus.FAILED
    assert result.error_node_id == "f"
    assert result.error == "RuntimeError: boom on attempt 3"
    assert len(hooks.records_of("f")) == 3
    assert slept == [0.1, 0.2]
    assert result.node_status["a"] is NodeStatus.CANCELLED


@pytest.mark.timing
async def test_a_hanging_node_times_out(registry: NodeRegistry, hooks: RecordingHooks) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "s", "type": "sleep", "config": {"seconds": 30}, "timeout_s": 0.2},
        ],
        [("t", "s")],
    )
    began = time.perf_counter()
    result = await run_workflow(spec, registry=registry, hooks=hooks)
    assert time.perf_counter() - began < 1.2
    assert result.status is RunStatus.FAILED
    assert result.error == "timed out after 0.2s"
    assert hooks.records_of("s")[0].status is NodeStatus.FAILED


@pytest.mark.timing
async def test_the_default_timeout_applies_to_nodes_without_one(registry: NodeRegistry) -> None:
    spec = make_spec([("t", "manual_trigger"), ("s", "sleep", {"seconds": 30})], [("t", "s")])
    began = time.perf_counter()
    result = await run_workflow(spec, registry=registry, default_timeout_s=0.1)
    assert time.perf_counter() - began < 1.1
    assert result.error == "timed out after 0.1s"


@pytest.mark.timing
async def test_on_error_stop_cancels_running_and_pending_nodes(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            failing("f", 10),
            ("slow", "sleep", {"seconds": 30}),
            ("after_slow", "pass"),
        ],
        [("t", "f"), ("t", "slow"), ("slow", "after_slow")],
    )
    began = time.perf_counter()
    result = await run_workflow(spec, registry=registry, hooks=hooks)
    assert time.perf_counter() - began < 1.0
    assert result.status is RunStatus.FAILED
    assert result.node_status["f"] is NodeStatus.FAILED
    assert result.node_status["slow"] is NodeStatus.CANCELLED
    assert result.node_status["after_slow"] is NodeStatus.CANCELLED
    assert [r.status for r in hooks.records_of("slow")] == [NodeStatus.CANCELLED]
    assert hooks.calls[-1] == ("finish", "failed")


async def test_on_error_continue_passes_the_error_downstream(registry: NodeRegistry) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), failing("f", 10, on_error="continue"), ("a", "pass")],
        [("t", "f"), ("f", "a")],
    )
    result = await run_workflow(spec, registry=registry)
    assert result.status is RunStatus.SUCCEEDED
    assert result.node_status["f"] is NodeStatus.FAILED
    assert result.outputs["a"] == {"error": "RuntimeError: boom on attempt 1"}


async def test_on_error_error_output_routes_to_the_error_handle(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            failing("f", 10, on_error="error_output"),
            ("normal", "pass"),
            ("handler", "pass"),
        ],
        [("t", "f"), ("f", "normal"), ("f", "handler", "error")],
    )
    result = await run_workflow(spec, registry=registry)
    assert result.status is RunStatus.SUCCEEDED
    assert result.node_status["normal"] is NodeStatus.SKIPPED
    assert result.outputs["handler"] == {"error": "RuntimeError: boom on attempt 1", "node": "f"}


async def test_error_handle_is_dead_when_the_node_succeeds(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            failing("f", 0, on_error="error_output"),
            ("normal", "pass"),
            ("handler", "pass"),
        ],
        [("t", "f"), ("f", "normal"), ("f", "handler", "error")],
    )
    result = await run_workflow(spec, registry=registry)
    assert result.node_status["normal"] is NodeStatus.SUCCEEDED
    assert result.node_status["handler"] is NodeStatus.SKIPPED


async def test_a_disabled_node_passes_its_input_through(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "d", "type": "fail", "disabled": True},
            ("a", "pass"),
        ],
        [("t", "d"), ("d", "a")],
    )
    result = await run_workflow(spec, registry=registry, trigger_payload="p", hooks=hooks)
    assert result.status is RunStatus.SUCCEEDED
    assert result.node_status["d"] is NodeStatus.SKIPPED
    assert result.outputs["a"] == "p"
    assert "d" not in [c[1] for c in hooks.calls if c[0] == "before"]


async def test_pinned_output_is_used_without_running(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            {"id": "p", "type": "fail", "pinned_output": {"frozen": True}},
            ("a", "pass"),
        ],
        [("t", "p"), ("p", "a")],
    )
    result = await run_workflow(spec, registry=registry, hooks=hooks)
    assert result.node_status["p"] is NodeStatus.SUCCEEDED
    assert result.outputs["a"] == {"frozen": True}
    (record,) = hooks.records_of("p")
    assert record.pinned and record.output == {"frozen": True}
    assert "p" not in [c[1] for c in hooks.calls if c[0] == "before"]


async def test_hooks_are_called_in_order(registry: NodeRegistry, hooks: RecordingHooks) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), failing("f", 1, retries=1, retry_backoff_s=0), ("a", "pass")],
        [("t", "f"), ("f", "a")],
    )
    await run_workflow(spec, registry=registry, hooks=hooks)
    assert hooks.calls == [
        ("before", "t", 1),
        ("after", "t", 1, "succeeded"),
        ("before", "f", 1),
        ("after", "f", 1, "failed"),
        ("before", "f", 2),
        ("after", "f", 2, "succeeded"),
        ("before", "a", 1),
        ("after", "a", 1, "succeeded"),
        ("finish", "succeeded"),
    ]


async def test_a_failing_hook_fails_the_run(registry: NodeRegistry) -> None:
    finished: list[Any] = []

    class Broken(ExecutionHooks):
        async def after_node(self, record: NodeRunRecord) -> None:
            if record.node_id == "a":
                raise OSError("disk full")

        async def on_finish(self, result: Any) -> None:
            finished.append(result)

    spec = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "pass")], [("t", "a"), ("a", "b")]
    )
    result = await run_workflow(spec, registry=registry, hooks=Broken())
    assert result.status is RunStatus.FAILED
    assert "disk full" in (result.error or "")
    assert result.error_node_id == "a"
    assert result.node_status["a"] is NodeStatus.FAILED
    assert result.node_status["b"] is NodeStatus.CANCELLED
    assert finished == [result]


def slow_workflow() -> Any:
    return make_spec(
        [("t", "manual_trigger"), ("s", "sleep", {"seconds": 30}), ("after", "pass")],
        [("t", "s"), ("s", "after")],
    )


@pytest.mark.timing
async def test_cancel_event_cancels_the_run(registry: NodeRegistry, hooks: RecordingHooks) -> None:
    cancel = asyncio.Event()
    run = asyncio.create_task(
        run_workflow(slow_workflow(), registry=registry, hooks=hooks, cancel_event=cancel)
    )
    await asyncio.sleep(0.1)
    began = time.perf_counter()
    cancel.set()
    result = await asyncio.wait_for(run, 2)
    assert time.perf_counter() - began < 1.0
    assert result.status is RunStatus.CANCELLED
    assert result.node_status == {
        "t": NodeStatus.SUCCEEDED,
        "s": NodeStatus.CANCELLED,
        "after": NodeStatus.CANCELLED,
    }
    assert [r.status for r in hooks.records_of("s")] == [NodeStatus.CANCELLED]
    assert hooks.results == [result]


async def test_a_run_cancelled_before_it_starts_runs_nothing(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    cancel = asyncio.Event()
    cancel.set()
    result = await run_workflow(
        slow_workflow(), registry=registry, hooks=hooks, cancel_event=cancel
    )
    assert result.status is RunStatus.CANCELLED
    assert set(result.node_status.values()) == {NodeStatus.CANCELLED}
    assert hooks.calls == [("finish", "cancelled")]


async def test_cancelling_the_task_cancels_the_run(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    run = asyncio.create_task(run_workflow(slow_workflow(), registry=registry, hooks=hooks))
    await asyncio.sleep(0.1)
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    (result,) = hooks.results
    assert result.status is RunStatus.CANCELLED
    assert result.node_status["s"] is NodeStatus.CANCELLED
    assert result.node_status["after"] is NodeStatus.CANCELLED
    assert [r.status for r in hooks.records_of("s")] == [NodeStatus.CANCELLED]
    assert hooks.calls[-1] == ("finish", "cancelled")
