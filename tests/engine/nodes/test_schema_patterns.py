"""Schema patterns are bounded before the `regex` engine compiles them: it writes counted
repeats out, so `(?:a{65535}b){200}` alone took more than 1.4 GB (review of issue 8)."""

from __future__ import annotations

import resource
import time

import pytest
from pydantic import ValidationError

from app.engine.nodes import schema_patterns
from app.engine.nodes.agent import AgentConfig

EXPANDING = [
    pytest.param("(?:a{65535}b){200}", id="a65535b-x200"),
    pytest.param("a{65535}" * 20, id="a65535-x20"),
    # Without the bound regex.compile got OOM-killed on this one.
    pytest.param("(?:(?:(?:a{65535}){65535}){65535})", id="a65535-cubed"),
]


def _config(pattern: str, where: str) -> AgentConfig:
    if where == "pattern":
        schema = {"type": "string", "pattern": pattern}
    else:
        schema = {"type": "object", "patternProperties": {pattern: {"type": "string"}}}
    return AgentConfig(json_output=True, json_schema=schema)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.timing
@pytest.mark.parametrize("where", ["pattern", "patternProperties"])
@pytest.mark.parametrize("pattern", EXPANDING)
def test_a_pattern_regex_would_write_out_is_refused_fast_and_small(
    pattern: str, where: str
) -> None:
    peak_before = _peak_rss_mb()
    started = time.monotonic()
    with pytest.raises(ValidationError, match="more than 10,000 elements"):
        _config(pattern, where)
    # Unbounded, regex.compile took ~1 s and > 1.4 GB for the first two patterns.
    assert time.monotonic() - started < 0.5
    assert _peak_rss_mb() - peak_before < 100


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(?:" * 300 + "a" + ")" * 300, "1,201 characters long, more than 1,000"),
        ("(?:" * 200 + "a" + ")" * 200, "nest more than 32 deep"),
        # Python's own parser runs out of stack on this one: still a 422, not a 500.
        ("(" * 500 + ")" * 500, "nest more than 32 deep"),
        ("a{10000}a{10000}", "more than 10,000 elements"),
        ("a{10001,}", "more than 10,000 elements"),
        ("[", "not a valid regular expression"),
    ],
)
def test_long_deep_or_invalid_patterns_are_refused_with_a_reason(
    pattern: str, message: str
) -> None:
    for where in ("pattern", "patternProperties"):
        with pytest.raises(ValidationError, match=message):
            _config(pattern, where)


@pytest.mark.parametrize(
    "pattern",
    [r"^\d{1,10}$", "a{10000}", "^.{0,9990}$", "(?:" * 32 + "a" + ")" * 32, r"^[\w.-]+@\w+$"],
)
def test_patterns_within_the_bounds_are_accepted(pattern: str) -> None:
    _config(pattern, "pattern")


def test_a_pattern_over_the_length_bound_is_not_kept_in_the_cache() -> None:
    """The parse result is cached per pattern; megabytes of pattern text must not be."""
    before = schema_patterns._parsed_size_problem.cache_info().currsize
    for length in (2_000_000, 2_000_001):
        assert schema_patterns.size_problem("a" * length) is not None
    assert schema_patterns._parsed_size_problem.cache_info().currsize == before
