"""Three-way merge of workflow documents: combined changes and listed conflicts."""

from __future__ import annotations

import copy
import json
from typing import Any

from app.engine.diff import normalize
from app.engine.merge import Conflict, ConflictKind, merge
from tests.documents import chain, greeting, node


def base() -> dict[str, Any]:
    """start -> greet -> result, normalised, with a nested config on `greet`."""
    document = normalize(greeting())
    document["nodes"][1]["config"]["headers"] = {"Accept": "text/plain"}
    return document


def node_of(document: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in document["nodes"] if n["id"] == node_id)


def edits() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    a = base()
    return a, copy.deepcopy(a), copy.deepcopy(a)


def test_changes_to_different_fields_of_one_node_combine() -> None:
    a, ours, theirs = edits()
    node_of(ours, "greet")["config"]["template"] = "Hi"
    node_of(theirs, "greet")["config"]["headers"]["Accept"] = "application/json"
    node_of(theirs, "greet")["position"] = {"x": 10.0, "y": 20.0}

    result = merge(a, ours, theirs)

    assert result.conflicts == ()
    greet = node_of(result.document, "greet")
    assert greet["config"] == {"template": "Hi", "headers": {"Accept": "application/json"}}
    assert greet["position"] == {"x": 10.0, "y": 20.0}


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    a, ours, theirs = edits()
    for side in (ours, theirs):
        node_of(side, "greet")["name"] = "Greeter"

    result = merge(a, ours, theirs)

    assert result.conflicts == ()
    assert result.document == normalize(ours)


def test_the_same_field_changed_differently_is_a_conflict_resolved_to_ours() -> None:
    a, ours, theirs = edits()
    node_of(ours, "greet")["config"]["template"] = "Hi"
    node_of(theirs, "greet")["config"]["template"] = "Hey"
    node_of(theirs, "greet")["name"] = "Greeter"

    result = merge(a, ours, theirs)

    assert result.conflicts == (
        Conflict(
            "node",
            "greet",
            ("config", "template"),
            ConflictKind.FIELD,
            "Hello {{ trigger.name }}",
            "Hi",
            "Hey",
        ),
    )
    assert result.conflicts[0].what == "node 'greet' config.template"
    greet = node_of(result.document, "greet")
    assert (greet["config"]["template"], greet["name"]) == ("Hi", "Greeter")
    json.dumps(result.to_json())


def test_a_field_changed_inside_one_the_other_side_replaced_is_a_conflict() -> None:
    a, ours, theirs = edits()
    node_of(ours, "greet")["config"]["headers"] = "none"
    node_of(theirs, "greet")["config"]["headers"]["Accept"] = "application/json"

    (conflict,) = merge(a, ours, theirs).conflicts

    assert conflict.path == ("config", "headers")
    assert (conflict.base, conflict.ours, conflict.theirs) == (
        {"Accept": "text/plain"},
        "none",
        {"Accept": "application/json"},
    )


def test_a_node_deleted_by_theirs_and_modified_by_ours_stays() -> None:
    a, ours, theirs = edits()
    node_of(ours, "result")["name"] = "Answer"
    theirs["nodes"] = [n for n in theirs["nodes"] if n["id"] != "result"]
    theirs["edges"] = [e for e in theirs["edges"] if e["target"] != "result"]

    result = merge(a, ours, theirs)

    (conflict,) = result.conflicts
    assert (conflict.element_id, conflict.kind) == ("result", ConflictKind.DELETED_AND_MODIFIED)
    assert conflict.theirs is None and conflict.ours["name"] == "Answer"
    assert node_of(result.document, "result")["name"] == "Answer"


def test_a_node_deleted_by_ours_and_modified_by_theirs_stays_deleted() -> None:
    a, ours, theirs = edits()
    ours["nodes"] = [n for n in ours["nodes"] if n["id"] != "result"]
    ours["edges"] = [e for e in ours["edges"] if e["target"] != "result"]
    node_of(theirs, "result")["disabled"] = True

    result = merge(a, ours, theirs)

    (conflict,) = result.conflicts
    assert (conflict.element_id, conflict.kind) == ("result", ConflictKind.DELETED_AND_MODIFIED)
    assert conflict.ours is None
    assert "result" not in {n["id"] for n in result.document["nodes"]}


def test_a_node_deleted_by_theirs_that_ours_connected_stays() -> None:
    a, ours, theirs = edits()
    ours["edges"].append(normalize(chain(node("start", "t"), node("result", "t")))["edges"][0])
    theirs["nodes"] = [n for n in theirs["nodes"] if n["id"] != "result"]
    theirs["edges"] = [e for e in theirs["edges"] if e["target"] != "result"]

    result = merge(a, ours, theirs)

    (conflict,) = result.conflicts
    assert (conflict.element_id, conflict.kind) == ("result", ConflictKind.DELETED_AND_CONNECTED)
    assert "result" in {n["id"] for n in result.document["nodes"]}


def test_an_edge_theirs_drew_to_a_node_ours_deleted_is_dropped() -> None:
    a, ours, theirs = edits()
    ours["nodes"] = [n for n in ours["nodes"] if n["id"] != "result"]
    ours["edges"] = [e for e in ours["edges"] if e["target"] != "result"]
    theirs["edges"].append(normalize(chain(node("start", "t"), node("result", "t")))["edges"][0])

    result = merge(a, ours, theirs)

    (conflict,) = result.conflicts
    assert (conflict.element, conflict.kind) == ("edge", ConflictKind.DELETED_AND_CONNECTED)
    assert result.document["edges"] == normalize(ours)["edges"]


def test_the_same_node_added_twice_differently_is_a_conflict() -> None:
    a, ours, theirs = edits()
    ours["nodes"].append(normalize(chain(node("new", "output", value=1)))["nodes"][0])
    theirs["nodes"].append(normalize(chain(node("new", "output", value=2)))["nodes"][0])

    result = merge(a, ours, theirs)

    (conflict,) = result.conflicts
    assert (conflict.kind, conflict.base) == (ConflictKind.ADDED_TWICE, None)
    assert node_of(result.document, "new")["config"] == {"value": 1}


def test_an_edge_both_sides_drew_between_the_same_handles_is_kept_once() -> None:
    a, ours, theirs = edits()
    drawn = normalize(chain(node("start", "t"), node("result", "t")))["edges"][0]
    ours["edges"].append({**drawn, "id": "mine"})
    theirs["edges"].append({**drawn, "id": "yours"})

    result = merge(a, ours, theirs)

    assert result.conflicts == ()
    assert [e["id"] for e in result.document["edges"]] == ["start-greet", "greet-result", "mine"]


def test_an_edge_moved_differently_on_both_sides_is_a_conflict() -> None:
    a, ours, theirs = edits()
    ours["edges"][1]["target"] = "start"
    theirs["edges"][1]["target"] = "greet"

    (conflict,) = merge(a, ours, theirs).conflicts

    assert conflict.what == "edge 'greet-result' target"
    assert (conflict.base, conflict.ours, conflict.theirs) == ("result", "start", "greet")


def test_settings_changes_merge_by_key() -> None:
    a, ours, theirs = edits()
    ours["settings"]["timezone"] = "Europe/Paris"
    theirs["settings"]["error_workflow_id"] = 7

    result = merge(a, ours, theirs)

    assert result.conflicts == ()
    assert result.document["settings"] == {"timezone": "Europe/Paris", "error_workflow_id": 7}


def test_merging_a_side_that_changed_nothing_gives_the_other_side() -> None:
    a, ours, theirs = edits()
    node_of(theirs, "greet")["name"] = "Greeter"
    theirs["edges"][0]["id"] = "redrawn"
    theirs["nodes"].reverse()

    assert merge(a, ours, theirs).document == normalize(theirs)
    assert merge(a, theirs, ours).document == normalize(theirs)


def test_merging_normalised_documents_leaves_them_untouched() -> None:
    a, ours, theirs = edits()
    node_of(ours, "greet")["config"]["template"] = "Hi"
    node_of(theirs, "greet")["config"]["headers"]["Accept"] = "application/json"
    theirs["edges"][0]["target"] = "result"
    theirs["edges"][1]["id"] = "redrawn"
    copies = copy.deepcopy((a, ours, theirs))

    result = merge(a, ours, theirs, normalized=True)

    assert (a, ours, theirs) == copies
    assert result == merge(a, ours, theirs)
