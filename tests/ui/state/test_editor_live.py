"""Card statuses: stored states, unsaved edits, and pushed run events."""

from __future__ import annotations

from app.models.node_cache import NodeState
from app.services.run_events import NodeSummary, RunEvent
from app.ui.state.editor_live import (
    apply_run_event,
    card_statuses,
    edited_nodes,
    latest_run,
    queued_nodes,
)
from app.ui.state.editor_models import NodeStatus

DOCUMENT = {
    "schema": 1,
    "nodes": [
        {"id": "start", "type": "manual_trigger", "name": "Start"},
        {"id": "a", "type": "transform", "name": "A", "config": {"template": "A"}},
        {"id": "b", "type": "transform", "name": "B", "config": {"template": "B"}},
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "a"},
        {"id": "e2", "source": "a", "target": "b"},
    ],
}


def test_a_started_node_says_running_and_a_finished_one_shows_its_summary() -> None:
    nodes = {"a": latest_run(NodeState(status="succeeded", output="old", execution_id=1))}
    statuses = card_statuses(DOCUMENT, nodes, set())
    started = RunEvent(7, 1, "node_started", "a", "running")
    apply_run_event(nodes, statuses, started)
    assert statuses["a"].status == "running"
    summary = NodeSummary(attempt=1, duration_ms=12.0, has_output=True, output_preview="AAA")
    finished = RunEvent(7, 1, "node_finished", "a", "succeeded", summary)
    apply_run_event(nodes, statuses, finished)
    assert (statuses["a"].status, statuses["a"].preview, statuses["a"].duration) == (
        "succeeded",
        "AAA",
        "12 ms",
    )
    assert nodes["a"].execution_id == 7 and nodes["a"].has_output
    failed = RunEvent(7, 1, "node_finished", "b", "failed", NodeSummary(error="boom\nstack"))
    apply_run_event(nodes, statuses, failed)
    assert (statuses["b"].status, statuses["b"].error, statuses["b"].preview) == (
        "failed",
        "boom",
        "",
    )


def test_events_of_unknown_nodes_are_ignored() -> None:
    statuses = {"a": NodeStatus()}
    apply_run_event({}, statuses, RunEvent(7, 1, "node_started", "gone", "running"))
    assert statuses == {"a": NodeStatus()}


def test_an_unsaved_edit_makes_the_node_and_its_downstream_stale() -> None:
    ran = NodeState(status="succeeded", output="x", execution_id=1)
    nodes = {n: latest_run(ran) for n in ("start", "a", "b")}
    edited = {**DOCUMENT, "nodes": [*DOCUMENT["nodes"][:1], *DOCUMENT["nodes"][1:]]}
    edited["nodes"][1] = {**edited["nodes"][1], "config": {"template": "A2"}}
    changed = edited_nodes(DOCUMENT, edited)
    assert changed == {"a", "b"}
    statuses = card_statuses(edited, nodes, changed)
    assert [statuses[n].stale for n in ("start", "a", "b")] == [False, True, True]


def test_queued_nodes_per_mode() -> None:
    statuses = {
        "start": NodeStatus(status="succeeded"),
        "a": NodeStatus(status="succeeded", stale=True),
        "b": NodeStatus(status="pending"),
    }
    assert queued_nodes("all", statuses, None) == ["start", "a", "b"]
    assert queued_nodes("stale", statuses, None) == ["a", "b"]
    assert queued_nodes("node", statuses, "a") == ["a"]
