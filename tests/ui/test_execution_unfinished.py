"""The execution page shows a node whose run is still going as not finished, live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models.execution import ExecutionDetail, NodeRunPublic
from app.ui.state.display import format_ms
from app.ui.state.execution_detail_state import (
    MIN_BAR_PERCENT,
    timeline_bars,
    unfinished_node_count,
)


def detail(*runs: tuple[str, str]) -> ExecutionDetail:
    nodes = [{"id": "start"}, {"id": "wait"}, {"id": "end"}]
    node_runs = [NodeRunPublic.model_construct(node_id=n, status=s) for n, s in runs]
    return ExecutionDetail.model_construct(definition={"nodes": nodes}, node_runs=node_runs)


def test_a_running_node_is_not_finished_and_a_failed_or_skipped_one_is() -> None:
    assert unfinished_node_count(detail()) == 3
    assert unfinished_node_count(detail(("start", "succeeded"), ("wait", "running"))) == 2
    assert unfinished_node_count(detail(("start", "succeeded"), ("wait", "failed"))) == 1
    # A retried node: the first attempt failed, the second is running.
    assert unfinished_node_count(detail(("wait", "failed"), ("wait", "running"))) == 3


def test_a_running_node_s_bar_and_duration_grow_while_the_execution_is_active() -> None:
    now = datetime.now(UTC)
    done = NodeRunPublic.model_construct(
        id=1,
        node_id="start",
        node_name="Start",
        status="succeeded",
        attempt=1,
        started_at=now - timedelta(seconds=10),
        finished_at=now - timedelta(seconds=10),
        duration_ms=0.1,
    )
    waiting = NodeRunPublic.model_construct(
        id=2,
        node_id="wait",
        node_name="Wait",
        status="running",
        attempt=1,
        started_at=now - timedelta(seconds=10),
        finished_at=None,
        duration_ms=None,
    )
    running = ExecutionDetail.model_construct(status="running", node_runs=[done, waiting])
    bars, _ = timeline_bars(running)
    assert float(bars[1].width.rstrip("%")) > 90
    assert bars[1].duration.endswith(" s")
    # A row left running by an execution that ended does not keep growing.
    ended = ExecutionDetail.model_construct(status="crashed", node_runs=[done, waiting])
    bars, _ = timeline_bars(ended)
    assert bars[1].width == f"{MIN_BAR_PERCENT:.2f}%"
    assert bars[1].duration == format_ms(None)
