"""Semantic diff of workflow documents: each kind of change, apply, invert and the summary."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from app.engine.diff import DuplicateIdError, PatchError, apply, diff, invert, normalize, summary
from app.engine.diff_fields import ChangeKind, FieldChange
from tests.documents import chain, edge, greeting, node


def base() -> dict[str, Any]:
    """start -> greet -> result, normalised, with a nested config on `greet`."""
    document = normalize(greeting())
    document["nodes"][1]["config"]["headers"] = {"Accept": "text/plain", "X-Id": 1}
    return document


def changed(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    """The node of `document` with this id (for editing a copy in place)."""
    return next(n for n in document["nodes"] if n["id"] == node_id)


def round_trips(a: dict[str, Any], b: dict[str, Any]) -> None:
    changes = diff(a, b)
    assert apply(a, changes) == normalize(b)
    assert invert(changes) == diff(b, a)
    json.dumps(changes.to_json())


def test_identical_documents_have_no_changes() -> None:
    changes = diff(base(), base())

    assert changes.is_empty
    assert summary(changes) == "No changes"
    assert changes.counts.total == 0


def test_config_changes_are_listed_by_path_with_old_and_new_values() -> None:
    a = base()
    b = copy.deepcopy(a)
    greet = changed(b, "greet")
    greet["config"]["template"] = "Hi"
    greet["config"]["headers"]["Accept"] = "application/json"
    del greet["config"]["headers"]["X-Id"]
    greet["config"]["retries_note"] = ["a", "b"]

    (change,) = diff(a, b).nodes

    assert change.id == "greet"
    assert change.kind is ChangeKind.MODIFIED
    assert change.fields == (
        FieldChange(
            ("config", "headers", "Accept"), ChangeKind.MODIFIED, "text/plain", "application/json"
        ),
        FieldChange(("config", "headers", "X-Id"), ChangeKind.REMOVED, old=1),
        FieldChange(("config", "retries_note"), ChangeKind.ADDED, new=["a", "b"]),
        FieldChange(("config", "template"), ChangeKind.MODIFIED, "Hello {{ trigger.name }}", "Hi"),
    )
    assert change.fields[0].label == "config.headers.Accept"
    round_trips(a, b)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Greeter"),
        ("type", "output"),
        ("disabled", True),
        ("pinned_output", {"text": "Hello Ada"}),
        ("position", {"x": 120.0, "y": -40.5}),
        ("retries", 3),
    ],
)
def test_node_fields_are_compared_as_whole_values(field: str, value: Any) -> None:
    a = base()
    b = copy.deepcopy(a)
    old = changed(b, "greet")[field]
    changed(b, "greet")[field] = value

    (change,) = diff(a, b).nodes

    assert change.fields == (FieldChange((field,), ChangeKind.MODIFIED, old, value),)
    assert summary(diff(a, b)) == "1 node changed"
    round_trips(a, b)


def test_values_compare_as_json_so_one_and_true_differ() -> None:
    a = base()
    b = copy.deepcopy(a)
    changed(a, "greet")["config"]["flag"] = 1
    changed(b, "greet")["config"]["flag"] = True

    (change,) = diff(a, b).nodes

    assert change.fields == (FieldChange(("config", "flag"), ChangeKind.MODIFIED, 1, True),)


def test_added_and_removed_nodes_carry_the_whole_node() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["nodes"].append(normalize(chain(node("extra", "output", value=1)))["nodes"][0])
    b["nodes"] = [n for n in b["nodes"] if n["id"] != "start"]
    b["edges"] = [e for e in b["edges"] if e["source"] != "start"]

    changes = diff(a, b)

    assert [(c.id, c.kind) for c in changes.nodes] == [
        ("extra", ChangeKind.ADDED),
        ("start", ChangeKind.REMOVED),
    ]
    assert changes.nodes[0].after == changed(b, "extra")
    assert changes.nodes[1].before == changed(a, "start")
    assert summary(changes) == "1 node added, 1 removed, 1 edge removed"
    round_trips(a, b)


def test_an_edge_drawn_again_with_a_new_id_is_recreated_not_changed() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["edges"][0]["id"] = "redrawn"

    (change,) = diff(a, b).edges

    assert change.kind is ChangeKind.RECREATED
    assert (change.before, change.after) == (a["edges"][0], b["edges"][0])
    assert change.fields == ()
    assert summary(diff(a, b)) == "No changes"
    assert not diff(a, b).is_empty
    round_trips(a, b)


def test_an_edge_moved_to_another_handle_is_modified() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["edges"][0]["source_handle"] = "error"
    b["edges"][1]["target"] = "start"

    changes = diff(a, b)

    assert [(c.id, c.kind, c.fields) for c in changes.edges] == [
        (
            "greet-result",
            ChangeKind.MODIFIED,
            (FieldChange(("target",), ChangeKind.MODIFIED, "result", "start"),),
        ),
        (
            "start-greet",
            ChangeKind.MODIFIED,
            (FieldChange(("source_handle",), ChangeKind.MODIFIED, "out", "error"),),
        ),
    ]
    assert summary(changes) == "2 edges changed"
    round_trips(a, b)


def test_edges_added_and_removed() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["edges"] = [{**edge("start", "result"), "target_handle": "in"}]

    changes = diff(a, b)

    assert sorted((c.id, c.kind) for c in changes.edges) == [
        ("greet-result", ChangeKind.REMOVED),
        ("start-greet", ChangeKind.REMOVED),
        ("start-result", ChangeKind.ADDED),
    ]
    assert summary(changes) == "1 edge added, 2 removed"
    round_trips(a, b)


def test_settings_changes_are_document_fields() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["settings"]["timezone"] = "Europe/Paris"

    changes = diff(a, b)

    assert changes.document == (
        FieldChange(("settings", "timezone"), ChangeKind.MODIFIED, "UTC", "Europe/Paris"),
    )
    assert changes.counts.sections == ("settings",)
    assert summary(changes) == "Settings changed"
    round_trips(a, b)


def test_summary_counts_with_the_noun_on_the_first_count_of_each_group() -> None:
    a = normalize(chain(*(node(f"n{i}", "transform", value=i) for i in range(6))))
    b = copy.deepcopy(a)
    for node_id in ("n1", "n2", "n3"):
        changed(b, node_id)["config"]["value"] = -1
    b["nodes"].append(normalize(chain(node("new", "output")))["nodes"][0])
    b["edges"] = b["edges"][2:]

    changes = diff(a, b)

    assert summary(changes) == "3 nodes changed, 1 added, 2 edges removed"
    assert changes.counts.to_json() == {
        "nodes": {"modified": 3, "added": 1, "removed": 0},
        "edges": {"modified": 0, "added": 0, "removed": 2},
        "sections": [],
    }
    assert changes.to_json()["summary"] == summary(changes)


def test_a_new_order_is_applied_but_not_counted() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["nodes"].reverse()

    changes = diff(a, b)

    assert changes.node_order is not None
    assert summary(changes) == "No changes"
    assert apply(a, changes) == b


def test_documents_are_normalised_before_comparing() -> None:
    sparse = greeting()
    full = normalize(sparse)

    assert diff(sparse, full).is_empty
    assert apply(sparse, diff(sparse, full)) == full


def test_apply_refuses_a_diff_made_from_another_document() -> None:
    a = base()
    b = copy.deepcopy(a)
    changed(b, "greet")["name"] = "Greeter"
    other = copy.deepcopy(a)
    changed(other, "greet")["name"] = "Someone else"

    with pytest.raises(PatchError, match="name"):
        apply(other, diff(a, b))


def test_duplicate_ids_are_refused() -> None:
    a = base()
    b = copy.deepcopy(a)
    b["nodes"].append(copy.deepcopy(b["nodes"][0]))

    with pytest.raises(DuplicateIdError):
        diff(a, b)
