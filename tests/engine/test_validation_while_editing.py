"""Problems an editor must see before running: broken templates (with line and column) and
an empty condition, each tied to its node and field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.engine.executor import run_workflow
from app.engine.expressions import template_syntax_issue
from app.engine.nodes import BUILTIN_NODE_TYPES, default_registry
from app.engine.nodes.triggers import SCHEDULE_TRIGGER
from app.engine.registry import NodeRegistry
from app.engine.validation import Problem, WorkflowInvalid, validate_workflow
from tests.engine.builders import make_spec


def _problems(node_type: str, config: dict[str, Any]) -> list[Problem]:
    spec = make_spec([("t", "manual_trigger"), ("n", node_type, config)], [("t", "n")])
    return validate_workflow(spec, default_registry())


@pytest.mark.parametrize(
    ("template", "line", "column", "message"),
    [
        ("{{ input.x }", 1, 12, "unexpected '}'"),
        ("{{ foo bar }}", 1, 8, "expected token 'end of print statement', got 'bar'"),
        ("first line\n  {{ x | }}", 2, 10, "expected token 'name'"),
        ("{{ 'open }}", 1, 4, 'unexpected char "\'"'),
        ("hi {% if x %} never closed", 1, 27, "Unexpected end of template"),
    ],
)
def test_a_template_syntax_error_names_its_line_and_column(
    template: str, line: int, column: int, message: str
) -> None:
    issue = template_syntax_issue(template)
    assert issue is not None
    assert (issue.line, issue.column) == (line, column)
    assert issue.message.startswith(message)
    assert " at " not in issue.message.removeprefix(message)


def test_valid_and_unsafe_looking_templates_parse() -> None:
    assert template_syntax_issue("{{ input.body.items[0] | upper }}") is None
    assert template_syntax_issue("{% for x in input %}{{ x }}{% endfor %}") is None
    # Parsing never evaluates: the sandbox refuses this at run time, not at validation.
    assert template_syntax_issue("{{ ''.__class__ }}") is None


def test_a_broken_template_is_a_problem_on_its_node_and_field() -> None:
    problems = _problems("transform", {"template": "Hello {{ input.name }"})
    assert [(p.code, p.node_id, p.field) for p in problems] == [
        ("invalid_template", "n", "template")
    ]
    assert problems[0].message == (
        "template: template syntax error at line 1, column 21: unexpected '}'"
    )


def test_templates_nested_in_lists_and_dicts_are_checked() -> None:
    problems = _problems(
        "http_request",
        {"url": "https://example.org/{{ input.id }}", "headers": {"X-Id": "{{ input.id ) }}"}},
    )
    assert [(p.code, p.field) for p in problems] == [("invalid_template", "headers.X-Id")]


def test_an_empty_condition_is_a_problem_not_a_silent_false() -> None:
    for config in ({}, {"condition": ""}, {"condition": "   "}, {"mode": "if"}):
        problems = _problems("condition", config)
        assert [(p.code, p.node_id, p.field) for p in problems] == [
            ("invalid_config", "n", "condition")
        ], config
        assert "the condition is empty" in problems[0].message
    assert _problems("condition", {"condition": False}) == []
    assert _problems("condition", {"condition": "{{ input.ok }}"}) == []
    assert _problems("condition", {"mode": "switch", "value": 1, "cases": [1]}) == []


async def test_a_condition_that_renders_empty_still_runs_as_false() -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("c", "condition", {"condition": "{{ input.missing }}"})],
        [("t", "c")],
    )
    result = await run_workflow(spec, trigger_payload={})
    assert result.node_status["c"].value == "succeeded"


async def test_a_workflow_with_a_broken_template_does_not_start() -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("n", "transform", {"template": "{{ 1 + }}"})], [("t", "n")]
    )
    with pytest.raises(WorkflowInvalid, match="line 1, column 8"):
        await run_workflow(spec, trigger_payload={})


@pytest.mark.parametrize("trigger", ["webhook_trigger", "schedule_trigger"])
def test_a_webhook_or_schedule_trigger_can_be_the_only_trigger(trigger: str) -> None:
    spec = make_spec([("start", trigger), ("out", "output")], [("start", "out")])
    assert validate_workflow(spec, default_registry()) == []


def _waiting_registry(reason: str) -> NodeRegistry:
    """The built-in node types with the schedule trigger marked not yet available."""
    registry = NodeRegistry()
    for node_type in BUILTIN_NODE_TYPES:
        waiting = node_type.type == SCHEDULE_TRIGGER.type
        registry.register(replace(node_type, not_yet_available=reason) if waiting else node_type)
    return registry


def test_a_trigger_nothing_fires_yet_cannot_be_the_only_trigger() -> None:
    trigger, reason = SCHEDULE_TRIGGER.type, "nothing fires these yet"
    registry = _waiting_registry(reason)
    spec = make_spec([("start", trigger), ("out", "output")], [("start", "out")])
    problems = validate_workflow(spec, registry)
    assert [(p.code, p.node_id) for p in problems] == [("trigger_not_available", "start")]
    assert "is not yet available" in problems[0].message
    assert reason in problems[0].message
    assert "Add a manual trigger" in problems[0].message

    beside_manual = make_spec(
        [("start", trigger), ("hand", "manual_trigger"), ("out", "output")],
        [("start", "out"), ("hand", "out")],
    )
    assert validate_workflow(beside_manual, registry) == []
