"""Canvas edits as document functions: adding, connecting (cycles refused), pasting."""

from __future__ import annotations

from typing import Any

import pytest

from app.ui.state.editor_document import (
    EditRefused,
    add_node,
    add_node_linked,
    add_node_near,
    connect,
    copy_items,
    move_nodes,
    node_handles,
    paste_items,
    remove_items,
    set_config_value,
)


def chain() -> dict[str, Any]:
    document: dict[str, Any] = {"schema": 1, "nodes": [], "edges": []}
    document, start = add_node(document, "manual_trigger", 0, 0)
    document, first = add_node_near(document, "transform", start)
    document, _ = add_node_near(document, "transform", first)
    return document


def test_added_nodes_get_unique_ids_and_names_and_click_adds_connect() -> None:
    document = chain()
    assert [n["id"] for n in document["nodes"]] == ["manual_1", "transform_1", "transform_2"]
    assert [n["name"] for n in document["nodes"]] == ["Manual trigger", "Transform", "Transform 2"]
    assert [(e["source"], e["target"]) for e in document["edges"]] == [
        ("manual_1", "transform_1"),
        ("transform_1", "transform_2"),
    ]
    assert document["nodes"][2]["position"] == {"x": 600, "y": 0}


def test_connect_refuses_cycles_self_loops_duplicates_and_unknown_handles() -> None:
    document = chain()
    with pytest.raises(EditRefused, match="cycle"):
        connect(document, "transform_2", "out", "transform_1", "in")
    with pytest.raises(EditRefused, match="itself"):
        connect(document, "transform_1", "out", "transform_1", "in")
    with pytest.raises(EditRefused, match="already"):
        connect(document, "manual_1", "out", "transform_1", "in")
    with pytest.raises(EditRefused, match="no output"):
        connect(document, "manual_1", "true", "transform_2", "in")
    with pytest.raises(EditRefused, match="no input"):
        connect(document, "transform_2", "out", "manual_1", "in")
    joined = connect(document, "manual_1", "out", "transform_2", "in")
    assert len(joined["edges"]) == 3
    assert len(document["edges"]) == 2  # the argument is left as it was


def test_handles_follow_the_config_and_on_error() -> None:
    switch = {"type": "condition", "config": {"mode": "switch", "value": "x", "cases": [1, 2]}}
    assert node_handles(switch) == (["in"], ["case_1", "case_2", "default"])
    assert node_handles({"type": "condition", "config": {}}) == (["in"], ["true", "false"])
    assert node_handles({"type": "output", "config": {}}) == (["in"], [])
    assert node_handles({"type": "manual_trigger", "on_error": "error_output"}) == (
        [],
        ["out", "error"],
    )


def test_copy_paste_renames_and_keeps_inner_edges_and_remove_drops_edges() -> None:
    document = chain()
    clipboard = copy_items(document, ["transform_1", "transform_2"])
    assert len(clipboard["edges"]) == 1
    pasted, new_ids = paste_items(document, clipboard)
    assert new_ids == ["transform_3", "transform_4"]
    assert pasted["edges"][-1]["source"] == "transform_3"
    assert [n["name"] for n in pasted["nodes"][-2:]] == ["Transform 3", "Transform 4"]
    removed = remove_items(pasted, ["transform_1"], [])
    assert "transform_1" not in {n["id"] for n in removed["nodes"]}
    assert all("transform_1" not in (e["source"], e["target"]) for e in removed["edges"])


def test_moves_and_config_values() -> None:
    document = move_nodes(chain(), [{"id": "transform_1", "x": 10, "y": 20}])
    assert document["nodes"][1]["position"] == {"x": 10.0, "y": 20.0}
    document = set_config_value(document, "transform_1", "template", "{{ 1 }}")
    assert document["nodes"][1]["config"] == {"template": "{{ 1 }}"}
    document = set_config_value(document, "transform_1", "template", None, remove=True)
    assert document["nodes"][1]["config"] == {}


def test_quick_add_links_the_new_node_to_the_handle_a_dropped_connection_came_from() -> None:
    document = chain()
    fed, fed_id = add_node_linked(document, "agent", 900, 40, source=("transform_2", "out"))
    assert fed_id == "agent_1"
    assert node_handles(fed["nodes"][-1]) == (["in"], ["out"])
    assert fed["nodes"][-1]["position"] == {"x": 900, "y": 40}
    assert ("transform_2", "out", "agent_1", "in") in {
        (e["source"], e["source_handle"], e["target"], e["target_handle"]) for e in fed["edges"]
    }
    feeding, feeder_id = add_node_linked(document, "noop", -300, 0, target=("transform_1", "in"))
    assert (feeder_id, "transform_1") in {(e["source"], e["target"]) for e in feeding["edges"]}
    alone, _ = add_node_linked(document, "transform", 0, 400)
    assert len(alone["edges"]) == len(document["edges"])


def test_quick_add_refuses_links_the_new_node_cannot_take() -> None:
    document = chain()
    with pytest.raises(EditRefused, match="takes no input"):
        add_node_linked(document, "manual_trigger", 0, 0, source=("transform_2", "out"))
    with pytest.raises(EditRefused, match="no output"):
        add_node_linked(document, "output", 0, 0, target=("transform_1", "in"))
    with pytest.raises(EditRefused, match="no output 'nope'"):
        add_node_linked(document, "noop", 0, 0, source=("transform_2", "nope"))
