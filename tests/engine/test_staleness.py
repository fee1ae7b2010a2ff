"""Staleness after edits: the edited nodes and everything downstream, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.spec import WorkflowSpec
from app.engine.staleness import stale_after_edit, stale_nodes
from tests.engine.builders import make_spec
from tests.engine.reactive_builders import chain


def edited(spec: WorkflowSpec, node_id: str, **changes: object) -> WorkflowSpec:
    document = spec.to_document()
    for node in document["nodes"]:
        if node["id"] == node_id:
            node.update(changes)
    return WorkflowSpec.from_document(document)


@pytest.mark.parametrize("k", [2, 7, 13, 20])
def test_editing_node_k_of_a_20_node_chain_makes_exactly_k_to_20_stale(k: int) -> None:
    old = chain(20)
    new = edited(old, f"n{k}", config={"tag": "edited"})
    assert stale_nodes(old, new) == {f"n{i}" for i in range(k, 21)}


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "pass"},
        {"pinned_output": {"x": 1}},
        {"disabled": True},
        {"timeout_s": 3.0},
        {"retries": 2},
        {"retry_backoff_s": 2.0},
        {"on_error": "continue"},
    ],
)
def test_every_definition_field_counts(changes: dict[str, object]) -> None:
    old = chain(5)
    assert stale_nodes(old, edited(old, "n3", **changes)) == {"n3", "n4", "n5"}


def test_name_position_and_breakpoint_do_not_make_anything_stale() -> None:
    old = chain(5)
    new = edited(old, "n3", name="Renamed", position={"x": 50, "y": 9}, breakpoint="before")
    assert stale_nodes(old, new) == set()
    assert stale_nodes(old, old) == set()


def test_new_nodes_and_new_edges_are_stale_with_their_descendants() -> None:
    old = make_spec([("t", "manual_trigger"), ("a", "pass"), ("b", "pass")], [("t", "a")])
    new = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "pass"), ("c", "pass")],
        [("t", "a"), ("a", "b"), ("t", "c")],
    )
    assert stale_nodes(old, new) == {"b", "c"}


def test_deleted_nodes_disappear_and_their_former_downstream_is_stale() -> None:
    old = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "collect"), ("c", "pass")],
        [("t", "a"), ("a", "b"), ("t", "b"), ("b", "c")],
    )
    new = make_spec(
        [("t", "manual_trigger"), ("b", "collect"), ("c", "pass")], [("t", "b"), ("b", "c")]
    )
    assert stale_nodes(old, new) == {"b", "c"}


def test_reordering_incoming_edges_makes_the_target_stale() -> None:
    nodes: list[Any] = [("t", "manual_trigger"), ("a", "pass"), ("b", "pass"), ("m", "collect")]
    old = make_spec(nodes, [("t", "a"), ("t", "b"), ("a", "m"), ("b", "m")])
    new = make_spec(nodes, [("t", "a"), ("t", "b"), ("b", "m"), ("a", "m")])
    assert stale_nodes(old, new) == {"m"}


def test_branches_beside_the_edit_stay_fresh() -> None:
    old = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("a2", "pass"), ("b", "pass"), ("b2", "pass")],
        [("t", "a"), ("a", "a2"), ("t", "b"), ("b", "b2")],
    )
    new = edited(old, "a", config={"value": 3})
    assert stale_nodes(old, new) == {"a", "a2"}


def test_stale_after_edit_ignores_unknown_ids() -> None:
    spec = chain(6)
    assert stale_after_edit(spec, ["n4", "gone"]) == {"n4", "n5", "n6"}
    assert stale_after_edit(spec, []) == set()
