"""The inspector form generated from config schemas, and typed values read back."""

from __future__ import annotations

from app.engine.nodes import default_registry
from app.ui.state.editor_form import build_fields, parse_field


def test_fields_follow_the_schema() -> None:
    schema = default_registry().get("http_request").config_model.model_json_schema()  # type: ignore[union-attr]
    fields = {
        f.name: f
        for f in build_fields(schema, {"headers": {"X-Key": "1"}}, {"url": "Field required"})
    }
    assert fields["method"].kind == "select"
    assert "POST" in fields["method"].options
    assert fields["follow_redirects"].kind == "toggle"
    assert fields["follow_redirects"].checked is True
    assert fields["timeout_s"].kind == "number"
    assert fields["max_redirects"].kind == "integer"
    assert fields["headers"].kind == "kv"
    assert [(r.key, r.value) for r in fields["headers"].rows] == [("X-Key", "1")]
    assert fields["body"].kind == "code"
    assert fields["url"].error == "Field required"
    assert fields["url"].required


def test_values_are_parsed_by_kind_and_bad_text_is_kept() -> None:
    assert parse_field("number", "2.5") == (2.5, False)
    assert parse_field("integer", "3") == (3, False)
    assert parse_field("number", "soon") == ("soon", False)
    assert parse_field("number", " ") == (None, True)
    assert parse_field("json", "[1, 2]") == ([1, 2], False)
    assert parse_field("json", "[1,") == ("[1,", False)
    assert parse_field("code", '{"a": 1}') == ({"a": 1}, False)
    assert parse_field("code", "Hi {{ input }}") == ("Hi {{ input }}", False)


def test_json_fields_show_an_example_of_their_shape() -> None:
    registry = default_registry()
    agents = registry.get("orchestration").config_model.model_json_schema()  # type: ignore[union-attr]
    fields = {f.name: f for f in build_fields(agents, {}, {})}
    # Required keys as "…", string defaults as themselves; other defaults are left out.
    assert fields["agents"].placeholder == '[{"name": "…", "model": "gpt-4o-mini"}]'
    agent = registry.get("agent").config_model.model_json_schema()  # type: ignore[union-attr]
    assert {f.name: f for f in build_fields(agent, {}, {})}["fallbacks"].placeholder == '["…"]'
