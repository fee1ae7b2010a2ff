"""Auto-layout: columns by depth, left to right."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

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


CARD_WIDTH = 240
CARD_HEIGHT = 200  # a card with an inline output preview


def _chain(length: int) -> dict[str, Any]:
    ids = [f"n{i}" for i in range(length)]
    return {
        "nodes": [{"id": i, "position": {"x": 0, "y": 0}} for i in ids],
        "edges": [{"source": a, "target": b} for a, b in pairwise(ids)],
    }


def test_a_150_node_chain_wraps_into_bands_with_a_screen_like_shape() -> None:
    placed = [n["position"] for n in auto_layout(_chain(150))["nodes"]]
    width = max(p["x"] for p in placed) + CARD_WIDTH - min(p["x"] for p in placed)
    height = max(p["y"] for p in placed) + CARD_HEIGHT - min(p["y"] for p in placed)
    assert width / height < 4
    assert height / width < 4
    boxes = sorted((p["x"], p["y"]) for p in placed)
    for index, (x, y) in enumerate(boxes):
        for other_x, other_y in boxes[index + 1 :]:
            overlaps = abs(other_x - x) < CARD_WIDTH and abs(other_y - y) < CARD_HEIGHT
            assert not overlaps, ((x, y), (other_x, other_y))


def test_each_band_reads_left_to_right_and_the_next_starts_at_the_left() -> None:
    placed = [n["position"] for n in auto_layout(_chain(40))["nodes"]]
    for before, after in pairwise(placed):
        same_band = after["y"] == before["y"]
        assert (same_band and after["x"] == before["x"] + LAYER_GAP_X) or (
            after["y"] > before["y"] and after["x"] == 0
        )
    assert len({p["y"] for p in placed}) > 1


def test_a_short_chain_stays_on_one_row() -> None:
    placed = [n["position"] for n in auto_layout(_chain(6))["nodes"]]
    assert len({p["y"] for p in placed}) == 1
