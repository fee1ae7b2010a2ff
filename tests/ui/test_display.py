"""How the UI shows times, durations, values and service errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.engine.validation import Problem
from app.services.errors import InvalidWorkflowError, NotFoundError
from app.ui.state.display import MAX_TEXT, elapsed_ms, error_message, format_ms, iso, pretty

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_iso_adds_utc_to_naive_times_and_is_empty_for_none() -> None:
    assert iso(None) == ""
    assert iso(T0) == "2026-01-02T03:04:05+00:00"
    assert iso(T0.replace(tzinfo=None)) == "2026-01-02T03:04:05+00:00"


def test_elapsed_ms_between_times_and_without_a_start() -> None:
    assert elapsed_ms(None, T0) is None
    assert elapsed_ms(T0, T0 + timedelta(milliseconds=1500)) == 1500
    assert elapsed_ms(T0.replace(tzinfo=None), (T0 + timedelta(seconds=2)).replace(tzinfo=None))
    running = elapsed_ms(datetime.now(UTC) - timedelta(seconds=5), None)
    assert running is not None and 4_000 < running < 60_000


def test_format_ms_picks_a_readable_unit() -> None:
    assert format_ms(None) == "—"
    assert format_ms(0.25) == "0.25 ms"
    assert format_ms(12.4) == "12 ms"
    assert format_ms(1250) == "1.25 s"
    assert format_ms(42_000) == "42.0 s"
    assert format_ms(125_000) == "2 m 05 s"
    assert format_ms(3_780_000) == "1 h 03 m"


def test_pretty_keeps_text_and_indents_json() -> None:
    assert pretty(None) == ""
    assert pretty("Hello, Ada!") == "Hello, Ada!"
    assert pretty({"a": [1, "é"]}) == '{\n  "a": [\n    1,\n    "é"\n  ]\n}'
    assert pretty(T0) == '"2026-01-02 03:04:05+00:00"'


def test_pretty_caps_huge_values() -> None:
    text = pretty("x" * (MAX_TEXT + 10))
    assert text.startswith("x" * MAX_TEXT)
    assert text.endswith("(10 more characters)")


def test_error_message_lists_the_first_problems_of_an_invalid_workflow() -> None:
    problems = [Problem(code="c", message=f"problem {i}") for i in range(5)]
    message = error_message(InvalidWorkflowError("Cannot run", problems))
    assert message == "Cannot run: problem 0; problem 1; problem 2 (+2 more)"
    assert error_message(NotFoundError("Workflow 9 not found")) == "Workflow 9 not found"
