"""Agent JSON schemas fetch nothing, read nothing, and cannot freeze the server with a
pattern (issue 8's reproductions, against a real listener on 127.0.0.1 and a real file)."""

from __future__ import annotations

import json
import resource
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.context import NodeContext, RunServices
from app.engine.nodes import agent_schema
from app.engine.nodes.agent import AgentConfig, AgentOutputInvalid, parse_json_answer, run_agent
from tests.engine.nodes.fake_llm import ScriptedLLM
from tests.llm.recording_server import recording_server

SLOW_PATTERN = r"^\[mock x\] (a|aa)+$"
SLOW_ANSWER = json.dumps("[mock x] " + "a" * 60 + "b")


def schema_config(schema: dict[str, Any]) -> AgentConfig:
    """A config holding `schema` without the config check, as a document stored before the
    check existed would load."""
    return AgentConfig.model_construct(
        prompt="hi", model="mock/x", json_output=True, json_schema=schema, fallbacks=[]
    )


async def run_with_schema(
    make_ctx: Callable[..., NodeContext], schema: dict[str, Any], answer: str
) -> AgentOutputInvalid:
    llm = ScriptedLLM(replies={"mock/x": answer})
    with pytest.raises(AgentOutputInvalid) as caught:
        await run_agent(make_ctx(services=RunServices(llm=llm)), {}, schema_config(schema))
    return caught.value


@pytest.mark.parametrize("nested", [False, True])
async def test_a_remote_ref_is_refused_and_nothing_is_fetched(
    make_ctx: Callable[..., NodeContext], nested: bool
) -> None:
    with recording_server(status=200, body='{"type": "string"}') as listener:
        ref = {"$ref": f"http://127.0.0.1:{listener.port}/schema.json"}
        schema = {"type": "object", "properties": {"a": ref}} if nested else ref
        with pytest.raises(ValidationError, match=r"\$ref 'http://127\.0\.0\.1:\d+/schema\.json'"):
            AgentConfig(json_output=True, json_schema=schema)
        error = await run_with_schema(make_ctx, schema, '{"a": 1}' if nested else "1")
    assert listener.seen == []
    assert "is not allowed" in str(error)


async def test_a_file_ref_is_refused_and_leaks_nothing(
    make_ctx: Callable[..., NodeContext], tmp_path: Path
) -> None:
    secret = tmp_path / "local_secret.json"
    secret.write_text(json.dumps({"const": "TOP-SECRET-VALUE", "title": "TOP-SECRET-TITLE"}))
    schema = {"$ref": secret.as_uri()}
    with pytest.raises(ValidationError) as refused:
        AgentConfig(json_output=True, json_schema=schema)
    assert "is not allowed" in str(refused.value) and "TOP-SECRET" not in str(refused.value)
    error = await run_with_schema(make_ctx, schema, '"something else"')
    assert "is not allowed" in str(error)
    assert "TOP-SECRET" not in str(error)


def test_references_inside_the_schema_still_work() -> None:
    schema = {
        "$defs": {"age": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {"age": {"$ref": "#/$defs/age"}},
    }
    config = AgentConfig(json_output=True, json_schema=schema)
    assert parse_json_answer('{"age": 3}', config.json_schema) == {"age": 3}
    with pytest.raises(AgentOutputInvalid, match="at age: -1 is less than the minimum of 0"):
        parse_json_answer('{"age": -1}', config.json_schema)


@pytest.mark.parametrize(
    "pattern", [SLOW_PATTERN, r"(a+)+$", r"^(a*)*b", r"(x|x)*y", r"^(?:\d+)+$"]
)
def test_catastrophic_patterns_are_refused_in_the_config(pattern: str) -> None:
    for schema in (
        {"type": "string", "pattern": pattern},
        {"type": "object", "patternProperties": {pattern: {"type": "string"}}},
    ):
        with pytest.raises(ValidationError, match="can take exponential time"):
            AgentConfig(json_output=True, json_schema=schema)


@pytest.mark.parametrize(
    "pattern", [r"^(\d+\.)+\d+$", r"(cat|dog)+", r"^[A-Z]{2}-\d{4}$", r"(\w|-)+", r"^(a|b)*c$"]
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    AgentConfig(json_output=True, json_schema={"type": "string", "pattern": pattern})


@pytest.fixture
def search_threads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the threads every pattern match ran on (a spy around the real `_search`)."""
    threads: list[int] = []
    real_search = agent_schema._search

    def recording_search(pattern: str, text: str) -> bool:
        threads.append(threading.get_ident())
        return real_search(pattern, text)

    monkeypatch.setattr(agent_schema, "_search", recording_search)
    return threads


@pytest.mark.timing
async def test_a_slow_pattern_ends_fast_with_a_clear_error_off_the_loop(
    make_ctx: Callable[..., NodeContext], search_threads: list[int]
) -> None:
    """Issue 8: `^\\[mock x\\] (a|aa)+$` blocked the server 12.3 s. A stored schema that
    skipped the config check runs out of its 0.5 s matching budget instead, on a worker
    thread (the regex timeout can overshoot on a loaded box, hence the loose bound)."""
    started = time.monotonic()
    error = await run_with_schema(
        make_ctx, {"type": "string", "pattern": SLOW_PATTERN}, SLOW_ANSWER
    )
    assert time.monotonic() - started < 5.0
    assert "pattern" in str(error) and "took longer than 0.5 s" in str(error)
    assert search_threads and threading.get_ident() not in search_threads


async def test_slow_pattern_properties_end_fast_too(
    make_ctx: Callable[..., NodeContext], search_threads: list[int]
) -> None:
    schema = {
        "type": "object",
        "patternProperties": {SLOW_PATTERN: {"type": "string"}},
        "additionalProperties": False,
    }
    started = time.monotonic()
    error = await run_with_schema(make_ctx, schema, json.dumps({json.loads(SLOW_ANSWER): "x"}))
    assert time.monotonic() - started < 5.0
    assert "took longer than 0.5 s" in str(error)
    assert search_threads and threading.get_ident() not in search_threads


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(?:a{65535}b){200}", "more than 10,000 elements"),
        ("(" * 500 + ")" * 500, "nest more than 32 deep"),
    ],
)
@pytest.mark.timing
@pytest.mark.parametrize("where", ["pattern", "patternProperties"])
async def test_a_stored_pattern_past_the_bounds_never_reaches_regex(
    make_ctx: Callable[..., NodeContext], pattern: str, message: str, where: str
) -> None:
    """A schema stored before the bounds existed is bounded again at run time: refused in
    a moment instead of `regex` writing the repeats out (> 1.4 GB) or recursing too deep."""
    if where == "pattern":
        schema: dict[str, Any] = {"type": "string", "pattern": pattern}
    else:
        schema = {"type": "object", "patternProperties": {pattern: {"type": "string"}}}
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    error = await run_with_schema(
        make_ctx, schema, json.dumps("a" if where == "pattern" else {"a": "b"})
    )
    assert time.monotonic() - started < 0.5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - peak_before < 100
    assert "cannot be used" in str(error) and message in str(error)


def test_patterns_still_match_as_before() -> None:
    schema = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": r"^[A-Z]{2}-\d{4}$"}},
        "patternProperties": {"^x_": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert parse_json_answer('{"code": "AB-1234", "x_1": 2}', schema) == {
        "code": "AB-1234",
        "x_1": 2,
    }
    with pytest.raises(AgentOutputInvalid, match="does not match"):
        parse_json_answer('{"code": "ab-1234"}', schema)
    with pytest.raises(AgentOutputInvalid, match=r"not allowed \('y' unexpected\)"):
        parse_json_answer('{"code": "AB-1234", "y": 1}', schema)
    with pytest.raises(AgentOutputInvalid, match="is not of type 'integer'"):
        parse_json_answer('{"x_2": "two"}', schema)
