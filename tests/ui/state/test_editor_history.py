"""Undo/redo keeps patches: small steps, exact round trips, coalescing, a bounded length."""

from __future__ import annotations

import copy
import json
from typing import Any

from app.ui.state.editor_history import HISTORY_CAP, EditHistory, apply_patch, diff


def chain(length: int) -> dict[str, Any]:
    nodes = [
        {"id": f"n{i}", "type": "transform", "name": f"Step {i}", "config": {"template": "x" * 80}}
        for i in range(length)
    ]
    edges = [{"id": f"e{i}", "source": f"n{i}", "target": f"n{i + 1}"} for i in range(length - 1)]
    return {"schema": 1, "nodes": nodes, "edges": edges, "settings": {"timezone": "UTC"}}


def renamed(document: dict[str, Any], index: int, name: str) -> dict[str, Any]:
    new = copy.deepcopy(document)
    new["nodes"][index]["name"] = name
    return new


def test_patches_round_trip_adds_removes_reorders_and_other_keys() -> None:
    before = chain(4)
    after = copy.deepcopy(before)
    after["nodes"].pop(1)
    after["nodes"].insert(0, {"id": "new", "type": "manual_trigger"})
    after["edges"] = after["edges"][1:]
    after["settings"] = {"timezone": "Europe/Paris"}
    del after["schema"]
    assert apply_patch(before, diff(before, after)) == after
    assert apply_patch(after, diff(after, before)) == before


def test_history_holds_what_changed_not_copies() -> None:
    document = chain(150)
    history = EditHistory()
    for step in range(HISTORY_CAP):
        edited = renamed(document, step % 150, f"Renamed {step}")
        history = history.recorded(document, edited)
        document = edited
    one_copy = len(json.dumps(document))
    assert len(history.undo_steps) == HISTORY_CAP
    # Full copies would hold 100 documents; patches of one node each hold about two.
    assert history.size() < 3 * one_copy
    longer = history.recorded(document, renamed(document, 0, "again"))
    assert len(longer.undo_steps) == HISTORY_CAP  # bounded: the oldest step falls off
    assert longer.undo_steps[0] == history.undo_steps[1]


def test_undo_redo_restore_each_document_and_a_new_edit_drops_redo() -> None:
    first = chain(3)
    second = renamed(first, 0, "A")
    third = renamed(second, 2, "C")
    history = EditHistory().recorded(first, second).recorded(second, third)
    undone = history.undone(third)
    assert undone is not None and undone[1] == second
    twice = undone[0].undone(second)
    assert twice is not None and twice[1] == first and not twice[0].can_undo
    redone = twice[0].redone(first)
    assert redone is not None and redone[1] == second and redone[0].can_redo
    assert not redone[0].recorded(second, renamed(second, 1, "B")).can_redo


def test_edits_with_one_coalescing_key_make_one_step() -> None:
    first = chain(2)
    typed = [renamed(first, 0, "S"), renamed(first, 0, "Sh"), renamed(first, 0, "Sho")]
    history = EditHistory()
    before = first
    for document in typed:
        history = history.recorded(before, document, coalesce="name:n0")
        before = document
    assert len(history.undo_steps) == 1
    undone = history.undone(typed[-1])
    assert undone is not None and undone[1] == first
