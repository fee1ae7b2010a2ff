"""JSON values too deep or holding lone surrogates are refused without recursion."""

from __future__ import annotations

from typing import Any

from app.engine.json_shape import MAX_JSON_DEPTH, json_flaw
from app.engine.nodes import default_registry
from app.engine.validation import parse_document


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": [value]} if depth % 2 else [value]
    return value


def test_ordinary_values_pass() -> None:
    assert json_flaw({"name": "Ada 😀", "items": [1, 2.5, None, True], "deep": nested(30)}) is None


def test_nesting_past_the_limit_is_refused_even_far_past_the_recursion_limit() -> None:
    assert json_flaw(nested(MAX_JSON_DEPTH)) is None
    assert json_flaw(nested(MAX_JSON_DEPTH + 1)) == f"nested deeper than {MAX_JSON_DEPTH} levels"
    assert json_flaw(nested(5000)) is not None


def test_lone_surrogates_in_values_and_keys_are_refused() -> None:
    assert "surrogate" in (json_flaw(["\ud800"]) or "")
    assert "surrogate" in (json_flaw({"\udc00": 1}) or "")


def test_parse_document_reports_a_deep_document_as_a_problem_instead_of_crashing() -> None:
    document = {
        "schema": 1,
        "nodes": [
            {"id": "t", "type": "manual_trigger", "pinned_output": nested(600)},
        ],
        "edges": [],
    }
    spec, problems = parse_document(document, default_registry())
    assert spec is None
    assert [p.code for p in problems] == ["invalid_document"]
    assert "nested deeper than" in problems[0].message
