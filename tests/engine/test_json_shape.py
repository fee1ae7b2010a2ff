"""JSON values too deep or holding lone surrogates are refused without recursion."""

from __future__ import annotations

from typing import Any

from app.engine.json_shape import (
    DEPTH_MARKER,
    MAX_JSON_DEPTH,
    clip_depth,
    json_flaw,
    json_text_depth_exceeds,
    json_text_flaw,
    null_non_finite,
)
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


def test_non_finite_numbers_huge_integers_and_non_json_values_are_refused() -> None:
    assert "not finite" in (json_flaw({"x": [float("inf")]}) or "")
    assert "not finite" in (json_flaw(float("nan")) or "")
    assert json_flaw([2**63 - 1, -(2**63)]) is None
    assert "64-bit" in (json_flaw({"x": 2**63}) or "")
    assert "not JSON" in (json_flaw({"x": b"bytes"}) or "")
    assert "not a string" in (json_flaw({1: "x"}) or "")


def test_clip_depth_marks_what_is_too_deep_and_keeps_the_rest() -> None:
    shallow = {"a": [1, {"b": 2}]}
    assert clip_depth(shallow) is shallow
    assert clip_depth({"keep": [1], "deep": [[["x"]]]}, max_depth=2) == {
        "keep": [1],
        "deep": [DEPTH_MARKER],
    }
    clipped = clip_depth(nested(5000))
    assert json_flaw(clipped) is None
    assert DEPTH_MARKER in str(clipped)


def test_null_non_finite_replaces_only_nan_and_infinity() -> None:
    value = {"a": [float("nan"), 1.5, "NaN"], "b": {"c": float("-inf")}}
    assert null_non_finite(value) == {"a": [None, 1.5, "NaN"], "b": {"c": None}}
    finite = {"a": [1.5]}
    assert null_non_finite(finite) is finite


def test_the_text_depth_check_agrees_with_the_walk_and_ignores_brackets_in_strings() -> None:
    import json

    for depth in (1, 32, 33, 63, 64, 65, 300):
        value = nested(depth)
        assert json_text_depth_exceeds(json.dumps(value)) == (json_flaw(value) is not None), depth
    tricky = json.dumps(["[" * 100, {'k\\"[[': "{" * 100}, '"]]]' * 3])
    assert not json_text_depth_exceeds(tricky, max_depth=2)
    assert json_text_depth_exceeds(tricky, max_depth=1)
    assert json_text_flaw(json.dumps(["\ud800"], ensure_ascii=False)) is not None
