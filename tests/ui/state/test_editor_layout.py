"""Auto-layout: columns by depth, left to right."""

from __future__ import annotations

from app.ui.state.editor_layout import LAYER_GAP_X, auto_layout


def test_nodes_are_placed_in_columns_by_depth() -> None:
    document = {
        "nodes": [{"id": i, "position": {"x": 0, "y": 0}} for i in ("d", "a", "b", "c")],
        "edges": [
            {"source": "a", "target": "b"},
            {"source": "a", "target": "c"},
            {"source": "b", "target": "d"},
            {"source": "c", "target": "d"},
        ],
    }
    placed = {n["id"]: n["position"] for n in auto_layout(document)["nodes"]}
    assert [placed[i]["x"] for i in ("a", "b", "c", "d")] == [0, LAYER_GAP_X, LAYER_GAP_X, 600]
    assert placed["b"]["y"] != placed["c"]["y"]
    assert placed["a"]["y"] == placed["d"]["y"]
