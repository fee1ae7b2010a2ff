"""Node outputs are checked when produced: too deep, too large or not JSON is refused on the
node (with an error naming the limit); NaN and ±Infinity become null."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.json_shape import MAX_JSON_DEPTH
from app.engine.output_limits import (
    MAX_OUTPUT_BYTES_ENV,
    OutputLimits,
    OutputRefused,
    checked_output,
    configured_output_limits,
)
from app.engine.registry import NodeRegistry
from tests.engine.builders import RecordingHooks, make_spec


def nested(depth: int, leaf: Any = "leaf") -> Any:
    value = leaf
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


def test_ordinary_outputs_pass_unchanged() -> None:
    output = {"name": "Ada 😀", "items": [1, 2.5, None, True], "deep": nested(MAX_JSON_DEPTH - 1)}
    assert checked_output(output) is output


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        (nested(MAX_JSON_DEPTH + 1), "nested deeper than 64 levels"),
        (nested(900, float("nan")), "nested deeper than 64 levels"),
        (2**70, "outside the 64-bit range on its own"),
        ({"s": {1, 2}}, "type set is not JSON"),
        ({"o": object()}, "type object is not JSON"),
        ({(1, 2): "x"}, "keys must be str"),
        (["\ud800"], "surrogate"),
        ({"id": "12345678901234567890", "n": [1.5e300], "big": [2**70, -(2**80)]}, None),
    ],
)
def test_outputs_breaking_a_limit_are_refused_naming_it(output: Any, reason: str | None) -> None:
    if reason is None:  # long digit strings and large floats are fine
        assert checked_output(output) is output
        return
    with pytest.raises(OutputRefused, match=reason):
        checked_output(output)


def test_an_output_that_refers_to_itself_is_refused() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(OutputRefused, match="refers to itself"):
        checked_output(loop)


def test_outputs_larger_than_the_limit_are_refused() -> None:
    checked_output("x" * 98, OutputLimits(max_bytes=100))
    with pytest.raises(OutputRefused, match="more than the 100 allowed"):
        checked_output("x" * 99, OutputLimits(max_bytes=100))
    with pytest.raises(OutputRefused, match="more than the 100 allowed"):
        checked_output("é" * 60, OutputLimits(max_bytes=100))  # 120 bytes in UTF-8


def test_the_size_limit_is_1_mb_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert configured_output_limits().max_bytes == 1_000_000
    with pytest.raises(OutputRefused):
        checked_output(["a" * 999_999] * 2)
    monkeypatch.setenv(MAX_OUTPUT_BYTES_ENV, "50")
    with pytest.raises(OutputRefused, match="50 allowed"):
        checked_output("a" * 60)


def test_non_finite_numbers_become_null() -> None:
    assert checked_output({"a": [float("nan"), 1.5, float("-inf")], "b": float("inf")}) == {
        "a": [None, 1.5, None],
        "b": None,
    }
    assert checked_output(2**63 - 1) == 2**63 - 1
    assert checked_output([float("nan"), -(2**63) - 1]) == [None, -(2**63) - 1]


async def test_a_node_whose_output_is_too_deep_fails_with_a_clear_error(
    registry: NodeRegistry, hooks: RecordingHooks
) -> None:
    spec = make_spec([("t", "manual_trigger"), ("p", "pass")], [("t", "p")])
    spec.nodes[0].retries = 2
    result = await run_workflow(spec, registry=registry, trigger_payload=nested(300), hooks=hooks)
    assert result.status is RunStatus.FAILED
    [record] = hooks.records_of("t")  # refused outputs are not retried
    assert record.status is NodeStatus.FAILED
    assert record.output is None
    assert record.error == "output refused: nested deeper than 64 levels"
    assert hooks.records_of("p") == [] or hooks.records_of("p")[0].status is NodeStatus.SKIPPED
