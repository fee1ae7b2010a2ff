"""The execution page counts a node whose run is still going as not finished."""

from __future__ import annotations

from app.models.execution import ExecutionDetail, NodeRunPublic
from app.ui.state.execution_detail_state import unfinished_node_count


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
