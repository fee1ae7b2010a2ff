"""Validation returns every problem at once, each tied to its node or edge."""

from __future__ import annotations

from typing import Any

from app.engine.registry import NodeRegistry
from app.engine.spec import WorkflowSpec
from app.engine.validation import (
    Problem,
    WorkflowInvalid,
    analyze_workflow,
    parse_document,
    validate_workflow,
)
from tests.engine.builders import make_spec


def codes(problems: list[Problem]) -> set[tuple[str, str | None, str | None]]:
    return {(p.code, p.node_id, p.edge_id) for p in problems}


def test_a_valid_workflow_has_no_problems(registry: NodeRegistry) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("r", "route"), ("y", "pass"), ("n", "pass")],
        [("t", "r"), ("r", "y", "yes"), ("r", "n", "no")],
    )
    assert validate_workflow(spec, registry) == []


def test_every_problem_is_reported_at_once(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("a", "pass"),
            ("b", "pass"),
            ("a", "pass"),
            ("x", "teleport"),
            ("s", "sleep", {"seconds": -1, "extra": 1}),
            ("lonely", "pass"),
            ("r", "route"),
        ],
        [
            ("t", "a"),
            ("a", "b"),
            ("b", "a"),
            ("t", "ghost"),
            ("t", "r"),
            ("r", "s", "maybe"),
            ("t", "x"),
            ("t", "s"),
        ],
    )
    problems = validate_workflow(spec, registry)
    found = codes(problems)
    assert ("duplicate_id", "a", None) in found
    assert ("unknown_type", "x", None) in found
    assert ("invalid_config", "s", None) in found
    assert ("dangling_edge", None, "t->ghost") in found
    assert ("unknown_handle", "r", "r->s:maybe") in found
    assert ("cycle", "a", None) in found and ("cycle", "b", None) in found
    assert ("unreachable", "lonely", None) in found
    config_fields = {p.field for p in problems if p.code == "invalid_config"}
    assert config_fields == {"seconds", "extra"}


def test_no_trigger(registry: NodeRegistry) -> None:
    spec = make_spec([("a", "pass"), ("b", "pass")], [("a", "b")])
    assert codes(validate_workflow(spec, registry)) == {("no_trigger", None, None)}


def test_unreachable_includes_a_cycle_hanging_off_nothing(registry: NodeRegistry) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "pass")], [("a", "b"), ("b", "a")]
    )
    found = codes(validate_workflow(spec, registry))
    assert {("unreachable", "a", None), ("unreachable", "b", None)} <= found
    assert {("cycle", "a", None), ("cycle", "b", None)} <= found


def test_handles(registry: NodeRegistry) -> None:
    spec = make_spec(
        [
            ("t", "manual_trigger"),
            ("w", "switch", {"cases": 2}),
            ("a", "pass"),
            ("b", "pass"),
            ("c", "pass"),
            {"id": "e", "type": "fail", "on_error": "error_output"},
            ("handler", "pass"),
            ("t2", "other_trigger"),
        ],
        [
            ("t", "w"),
            ("w", "a", "case_2"),
            ("w", "b", "case_3"),
            ("t", "e"),
            ("e", "handler", "error"),
            ("a", "c", "error"),
            ("c", "t2"),
        ],
    )
    found = codes(validate_workflow(spec, registry))
    assert found == {
        ("unknown_handle", "w", "w->b:case_3"),
        ("unknown_handle", "a", "a->c:error"),
        ("unknown_handle", "t2", "c->t2"),
    }
    problem = next(p for p in validate_workflow(spec, registry) if p.node_id == "t2")
    assert problem.field == "target_handle"


def test_configs_with_expressions_are_checked_at_run_time(registry: NodeRegistry) -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("s", "sleep", {"seconds": "{{ trigger.wait }}"})],
        [("t", "s")],
    )
    analysis = analyze_workflow(spec, registry)
    assert analysis.problems == []
    assert analysis.templates == {"s": {"seconds": "{{ trigger.wait }}"}}
    assert "s" not in analysis.configs and "t" in analysis.configs


def test_problem_to_dict_and_workflow_invalid() -> None:
    problem = Problem("cycle", "node is on a cycle", node_id="a")
    assert problem.to_dict() == {
        "code": "cycle",
        "message": "node is on a cycle",
        "node_id": "a",
        "edge_id": None,
        "field": None,
    }
    error = WorkflowInvalid([problem])
    assert error.problems == [problem]
    assert "node is on a cycle" in str(error)


def test_parse_document_ties_structural_problems_to_ids(registry: NodeRegistry) -> None:
    document: dict[str, Any] = {
        "schema": 1,
        "nodes": [
            {"id": "t", "type": "manual_trigger"},
            {"id": "bad", "type": "pass", "retries": 99},
            {"type": "pass"},
        ],
        "edges": [{"id": "e1", "source": "t"}],
    }
    spec, problems = parse_document(document, registry)
    assert spec is None
    by_field = {p.field: p for p in problems}
    assert by_field["nodes.1.retries"].node_id == "bad"
    assert by_field["nodes.2.id"].node_id is None
    assert by_field["edges.0.target"].edge_id == "e1"
    assert {p.code for p in problems} == {"invalid_document"}


def test_parse_document_rejects_non_objects_and_validates_good_ones(
    registry: NodeRegistry,
) -> None:
    assert parse_document([1, 2], registry)[0] is None
    assert parse_document([1, 2], registry)[1][0].code == "invalid_document"
    spec, problems = parse_document({"schema": 1, "nodes": [{"id": "a", "type": "pass"}]}, registry)
    assert isinstance(spec, WorkflowSpec)
    assert [p.code for p in problems] == ["no_trigger"]
