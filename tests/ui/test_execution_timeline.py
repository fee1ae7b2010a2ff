"""The execution detail timeline: bars placed by start time and sized by duration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.models.execution import ExecutionDetail, NodeRunPublic
from app.ui.state.execution_detail_state import MIN_BAR_PERCENT, timeline_bars

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def run(run_id: int, start_ms: float, duration_ms: float, **extra: Any) -> NodeRunPublic:
    started = T0 + timedelta(milliseconds=start_ms)
    return NodeRunPublic(
        id=run_id,
        node_id=f"n{run_id}",
        node_type="transform",
        node_name=f"Node {run_id}",
        status=extra.pop("status", "succeeded"),
        attempt=extra.pop("attempt", 1),
        started_at=started,
        finished_at=started + timedelta(milliseconds=duration_ms),
        duration_ms=duration_ms,
        **extra,
    )


def detail(runs: list[NodeRunPublic], status: str = "succeeded") -> ExecutionDetail:
    return ExecutionDetail(
        id=1,
        workflow_id=1,
        workflow_name="w",
        status=status,
        trigger="manual",
        created_at=T0,
        started_at=T0 - timedelta(milliseconds=50),
        finished_at=T0 + timedelta(seconds=1),
        definition={"schema": 1, "nodes": [], "edges": []},
        node_runs=runs,
    )


def test_bars_span_from_the_first_node_start_to_the_last_node_end() -> None:
    bars, span = timeline_bars(
        detail([run(1, 0, 100), run(2, 100, 300), run(3, 100, 100, attempt=2)])
    )
    assert span == "400 ms"
    assert [(b.left, b.width) for b in bars] == [
        ("0.00%", "25.00%"),
        ("25.00%", "75.00%"),
        ("25.00%", "25.00%"),
    ]
    assert [b.label for b in bars] == ["Node 1", "Node 2", "Node 3 #2"]


def test_instant_nodes_still_get_a_visible_bar_inside_the_track() -> None:
    bars, _ = timeline_bars(detail([run(1, 0, 0), run(2, 1000, 0)]))
    assert bars[0].width == f"{MIN_BAR_PERCENT:.2f}%"
    left = float(bars[1].left.rstrip("%"))
    width = float(bars[1].width.rstrip("%"))
    assert left + width <= 100.0


def test_no_node_runs_means_no_bars() -> None:
    assert timeline_bars(detail([], status="queued")) == ([], "—")
