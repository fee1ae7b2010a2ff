"""What the cards show: inline outputs, handles and problems on nodes."""

from __future__ import annotations

from app.engine.validation import Problem
from app.ui.components.canvas.flow_canvas import quick_add_types
from app.ui.state.editor_views import canvas_edges, canvas_nodes, inline_output, palette_groups


def test_records_become_a_table_objects_json_and_short_text_a_preview() -> None:
    records = [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}] * 3
    preview, inline = inline_output(records)
    assert preview == "6 records"
    assert inline is not None
    assert inline["columns"] == ["name", "age"]
    assert inline["rows"][0] == ["Ada", "36"]
    assert inline["more"] == 2
    preview, inline = inline_output({"a": 1})
    assert preview == "{a}"
    assert inline == {"kind": "json", "text": '{\n  "a": 1\n}'}
    assert inline_output("AAA") == ("AAA", None)
    assert inline_output(None) == ("null", None)


def test_nodes_carry_handles_and_problems_and_edges_their_handles() -> None:
    document = {
        "nodes": [
            {"id": "t", "type": "manual_trigger", "position": {"x": 1, "y": 2}},
            {"id": "c", "type": "condition", "name": "Check"},
        ],
        "edges": [{"id": "e1", "source": "t", "target": "c", "source_handle": "out"}],
    }
    problems = [Problem("invalid_config", "condition: bad", node_id="c", field="condition")]
    nodes = canvas_nodes(document, problems, ["c"])
    assert nodes[0]["data"]["inputs"] == []
    assert nodes[1]["data"]["outputs"] == ["true", "false"]
    assert nodes[1]["data"]["problem"] == "condition: bad"
    assert nodes[1]["selected"] is True
    edges = canvas_edges(document, [Problem("dangling_edge", "x", edge_id="e1")])
    assert edges[0]["className"] == "fb-edge-problem"
    assert edges[0]["targetHandle"] == "in"


def test_palette_groups_and_search() -> None:
    titles = [g.title for g in palette_groups("")]
    assert titles == ["Triggers", "Actions", "Logic", "AI"]
    found = palette_groups("jmespath")
    assert [t.type for g in found for t in g.node_types] == ["transform"]


def test_triggers_that_nothing_fires_yet_are_marked_in_the_palette_and_left_out_of_quick_add() -> (
    None
):
    triggers = {item.type: item for item in palette_groups("")[0].node_types}
    for type_id in ("manual_trigger", "webhook_trigger", "schedule_trigger"):
        assert triggers[type_id].available
    waiting = {t for t, item in triggers.items() if not item.available}
    for type_id in waiting:
        assert triggers[type_id].not_yet_available.endswith("yet.")
    offered = {choice["type"] for choice in quick_add_types()}
    assert {"manual_trigger", "webhook_trigger", "schedule_trigger"} <= offered
    assert not offered & waiting
