"""Expressions: lookups, native values, the sandbox and its limits."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from app.engine.context import NodeContext, RunServices
from app.engine.expressions import (
    ExpressionError,
    ExpressionLimits,
    contains_expression,
    render_string,
    render_value,
)
from app.engine.scope import expression_scope
from app.engine.spec import NodeSpec

FETCH_OUTPUT = {"body": {"items": [{"name": "first"}, {"name": "second"}], "count": 2}}


@pytest.fixture
def scope() -> dict[str, Any]:
    ctx = NodeContext(
        node=NodeSpec(id="use", type="pass"),
        execution_id=None,
        trigger={"user": "ada", "n": 3},
        outputs={"fetch": FETCH_OUTPUT, "t": {"user": "ada", "n": 3}},
        variables={"region": "eu"},
        services=RunServices(clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    )
    return expression_scope(ctx, {"fetch": FETCH_OUTPUT}, node_names={"fetch": "Fetch"})


def test_lookup_by_node_id_and_by_name(scope: dict[str, Any]) -> None:
    assert render_string("{{ nodes.fetch.output.body.items[0] }}", scope) == {"name": "first"}
    assert render_string("{{ nodes.Fetch.output.body.items[1].name }}", scope) == "second"
    assert render_string("{{ nodes['Fetch'].output.body.count }}", scope) == 2


def test_single_expression_gives_native_values_and_templates_give_text(
    scope: dict[str, Any],
) -> None:
    assert render_string("{{ trigger.n * 2 }}", scope) == 6
    assert render_string("  {{ input.body.items | length > 1 }}\n", scope) is True
    assert render_string("n={{ trigger.n }}", scope) == "n=3"
    assert render_string("{{ a }}{{ b }}", {"a": 1, "b": 2}) == "12"
    assert render_string("{% if trigger.n > 2 %}big{% endif %}", scope) == "big"
    assert render_string("{{ trigger.missing }}", scope) is None


def test_scope_names(scope: dict[str, Any]) -> None:
    assert render_string("{{ input.body.count }}", scope) == 2
    assert render_string("{{ inputs.fetch.body.count }}", scope) == 2
    assert render_string("{{ vars.region }}", scope) == "eu"
    assert render_string("{{ trigger.user }}", scope) == "ada"
    assert render_string("{{ now }}", scope) == "2026-01-02T03:04:05+00:00"


def test_a_trigger_input_is_the_trigger_payload() -> None:
    ctx = NodeContext(
        node=NodeSpec(id="t", type="manual_trigger"),
        execution_id=None,
        trigger={"k": 1},
        outputs={},
        variables={},
        services=RunServices(),
    )
    assert render_string("{{ input.k }}", expression_scope(ctx, {})) == 1


def test_render_value_walks_dicts_and_lists(scope: dict[str, Any]) -> None:
    value = {"a": ["{{ trigger.n }}", "plain", 5], "b": {"c": "x{{ vars.region }}"}, "d": None}
    assert render_value(value, scope) == {"a": [3, "plain", 5], "b": {"c": "xeu"}, "d": None}
    assert contains_expression(value)
    assert not contains_expression({"a": ["plain", 1, {"b": "{ not }"}]})


def test_missing_node_is_an_error(scope: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError, match="nope"):
        render_string("{{ nodes.nope.output }}", scope)
    with pytest.raises(ExpressionError):
        render_string("{{ 1 / 0 }}", scope)
    with pytest.raises(ExpressionError):
        render_string("{{ unclosed ", scope)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ cycler.__init__.__globals__ }}",
        '{{ "{0.__class__}".format(1) }}',
        "{{ ''|attr('format') }}",
        "{{ ''|attr('__class__') }}",
        '{{ "{0.__class__.__mro__}"|attr("format")(1) }}',
        "{{ '{0}'.format_map({}) }}",
        "{{ input.update({'x': 1}) }}",
        "{{ joiner.__class__ }}",
        "{{ trigger.user.__class__.__base__.__subclasses__() }}",
        "{{ range.__globals__ }}",
        "text {{ ''.__class__ }} text",
    ],
)
def test_sandbox_escapes_are_refused(scope: dict[str, Any], template: str) -> None:
    with pytest.raises(ExpressionError):
        render_string(template, scope)


@pytest.mark.parametrize(
    "template",
    [
        "{{ 'x' * 10**8 }}",
        "{{ [1] * 10**8 }}",
        "{{ 2 ** 100000 }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (5, 1) }}",
        "{{ '%999999999d'|format(1) }}",
        "{{ 'a'|center(999999999) }}",
        "{{ 'a'.ljust(999999999) }}",
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        "{% for a in range(100000) %}{{ 'y' * 1000 }}{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
    ],
)
def test_limits_are_enforced(scope: dict[str, Any], template: str) -> None:
    with pytest.raises(ExpressionError):
        render_string(template, scope)


def test_template_length_limit(scope: dict[str, Any]) -> None:
    limits = ExpressionLimits(max_template_chars=50)
    assert render_string("{{ 1 }}" + " " * 40, scope, limits=limits) == 1
    with pytest.raises(ExpressionError, match="longer than 50"):
        render_string("{{ 1 }}" + " " * 50, scope, limits=limits)


@pytest.mark.timing
def test_render_time_limit_stops_a_busy_template(scope: dict[str, Any]) -> None:
    limits = ExpressionLimits(max_seconds=0.1, max_iterations=10**12)
    busy = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(ExpressionError, match=r"longer than 0\.1s"):
        render_string(busy, scope, limits=limits)
    assert time.monotonic() - started < 1.0


def test_loop_iteration_budget_counts_every_loop_of_a_render(scope: dict[str, Any]) -> None:
    # A generous deadline, so only the iteration budget can stop these loops.
    limits = ExpressionLimits(max_iterations=1000, max_seconds=60)
    assert render_string("{% for i in range(1000) %}{% endfor %}ok", scope, limits=limits) == "ok"
    with pytest.raises(ExpressionError, match="loops ran more than 1000 times"):
        render_string("{% for i in range(1001) %}{% endfor %}", scope, limits=limits)
    nested = "{% for a in range(40) %}{% for b in range(25) %}{% endfor %}{% endfor %}"
    with pytest.raises(ExpressionError, match="loops ran more than 1000 times"):
        render_string(nested, scope, limits=limits)


def test_output_size_limit(scope: dict[str, Any]) -> None:
    limits = ExpressionLimits(max_output_chars=100)
    assert render_string("{{ 'x' * 100 }}", scope, limits=limits) == "x" * 100
    with pytest.raises(ExpressionError, match="larger than 100"):
        render_string("{% for i in range(101) %}x{% endfor %}", scope, limits=limits)


def test_ordinary_filters_and_methods_still_work(scope: dict[str, Any]) -> None:
    assert render_string("{{ '%05d'|format(42) }}", scope) == "00042"
    assert render_string("{{ 'ab'|center(6) }}", scope) == "  ab  "
    assert render_string("{{ trigger.user.upper() }}", scope) == "ADA"
    assert render_string("{{ {'a': 1}.items()|list }}", scope) == [("a", 1)]
    names = "{{ input.body['items']|map(attribute='name')|join(',') }}"
    assert render_string(names, scope) == "first,second"
