"""Agent node: the call it makes, its output, JSON mode with schema checks, and failures."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.context import NodeContext, RunServices
from app.engine.events import NodeStatus, RunStatus
from app.engine.executor import run_workflow
from app.engine.nodes import default_registry
from app.engine.nodes.agent import AgentConfig, AgentOutputInvalid, run_agent
from app.engine.nodes.llm_calls import LLMNotConfigured
from app.engine.spec import WorkflowSpec
from tests.engine.nodes.fake_llm import ScriptedLLM

ContextFactory = Callable[..., NodeContext]
PERSON_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def with_llm(make_ctx: ContextFactory, llm: ScriptedLLM) -> NodeContext:
    """A node context whose run has `llm` as its LLM client."""
    return make_ctx(services=RunServices(llm=llm))


async def test_the_call_carries_every_setting_and_the_output_reports_it(
    make_ctx: ContextFactory,
) -> None:
    llm = ScriptedLLM(replies={"gpt-4o": "Bonjour"})
    config = AgentConfig(
        system_prompt="Translate to French.",
        prompt="Hello",
        model="gpt-4o",
        temperature=0.2,
        max_tokens=50,
        fallbacks=["claude-sonnet", "gemini-pro"],
    )
    output = await run_agent(with_llm(make_ctx, llm), {}, config)
    [call] = llm.calls
    assert (call.prompt, call.system, call.model) == ("Hello", "Translate to French.", "gpt-4o")
    assert (call.temperature, call.max_tokens, call.json_output) == (0.2, 50, False)
    assert call.fallbacks == ["claude-sonnet", "gemini-pro"]
    assert output == {
        "text": "Bonjour",
        "model": "gpt-4o",
        "provider": "fake",
        "tokens": {"input": 4, "output": 1},
        "cost_usd": pytest.approx(0.005),
        "latency_ms": 1.5,
        "is_mock": False,
        "path": [{"deployment": "gpt-4o", "outcome": "ok"}],
    }


async def test_an_empty_system_prompt_sends_none(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM()
    output = await run_agent(with_llm(make_ctx, llm), {}, AgentConfig(prompt="hi"))
    assert llm.calls[0].system is None
    assert llm.calls[0].model == "gpt-4o-mini"
    assert output["text"] == "gpt-4o-mini: hi"
    assert "json" not in output


def test_an_object_prompt_becomes_json_text() -> None:
    config = AgentConfig.model_validate({"prompt": {"city": "Zürich", "n": [1, 2]}})
    assert json.loads(config.prompt) == {"city": "Zürich", "n": [1, 2]}
    assert "Zürich" in config.prompt
    assert AgentConfig.model_validate({"prompt": None}).prompt == ""


async def test_json_output_is_parsed_and_checked(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"m": '```json\n{"name": "Ada", "age": 36}\n```'})
    config = AgentConfig(model="m", json_output=True, json_schema=PERSON_SCHEMA)
    output = await run_agent(with_llm(make_ctx, llm), {}, config)
    assert llm.calls[0].json_output is True
    assert output["json"] == {"name": "Ada", "age": 36}
    assert output["text"].startswith("```json")


async def test_json_output_without_schema_accepts_any_json(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"m": "[1, 2, 3]"})
    output = await run_agent(with_llm(make_ctx, llm), {}, AgentConfig(model="m", json_output=True))
    assert output["json"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("Sure! Here is the person: Ada", "the answer is not valid JSON"),
        ('{"name": "Ada"}', "does not match the JSON schema at (root): 'age' is a required"),
        ('{"name": "Ada", "age": -1}', "at age: -1 is less than the minimum of 0"),
    ],
)
async def test_bad_json_answers_fail_the_node(
    make_ctx: ContextFactory, reply: str, message: str
) -> None:
    llm = ScriptedLLM(replies={"m": reply})
    config = AgentConfig(model="m", json_output=True, json_schema=PERSON_SCHEMA)
    with pytest.raises(AgentOutputInvalid, match=re.escape(message)):
        await run_agent(with_llm(make_ctx, llm), {}, config)


def test_schema_config_is_checked() -> None:
    with pytest.raises(ValidationError, match="needs JSON output"):
        AgentConfig(json_schema=PERSON_SCHEMA)
    with pytest.raises(ValidationError, match="invalid JSON schema"):
        AgentConfig(json_output=True, json_schema={"type": "not-a-type"})
    with pytest.raises(ValidationError, match="temperature"):
        AgentConfig(temperature=3)


async def test_without_an_llm_client_the_node_fails_clearly(make_ctx: ContextFactory) -> None:
    with pytest.raises(LLMNotConfigured, match="no LLM client configured"):
        await run_agent(make_ctx(), {}, AgentConfig())


def agent_workflow(agent_config: dict[str, Any]) -> WorkflowSpec:
    """trigger -> agent -> output."""
    return WorkflowSpec.from_document(
        {
            "schema": 1,
            "nodes": [
                {"id": "start", "type": "manual_trigger"},
                {"id": "ask", "type": "agent", "config": agent_config},
                {
                    "id": "out",
                    "name": "reply",
                    "type": "output",
                    "config": {"value": "{{ input.text }}"},
                },
            ],
            "edges": [
                {"id": "e1", "source": "start", "target": "ask"},
                {"id": "e2", "source": "ask", "target": "out"},
            ],
        }
    )


async def test_prompt_expressions_are_rendered_in_a_run() -> None:
    llm = ScriptedLLM(replies={"m": lambda call: call.prompt.upper()})
    spec = agent_workflow({"model": "m", "prompt": "Greet {{ trigger.name }}"})
    result = await run_workflow(
        spec, trigger_payload={"name": "Ada"}, services=RunServices(llm=llm)
    )
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.output == {"reply": "GREET ADA"}
    assert result.outputs["ask"]["tokens"] == {"input": 2, "output": 2}


async def test_a_run_without_llm_or_with_a_failing_llm_fails_at_the_agent() -> None:
    spec = agent_workflow({"model": "m"})
    result = await run_workflow(spec, trigger_payload="hi", services=RunServices())
    assert result.status is RunStatus.FAILED
    assert result.error_node_id == "ask"
    assert "no LLM client configured" in (result.error or "")
    failing = ScriptedLLM(replies={"m": RuntimeError("all 3 deployments failed")})
    result = await run_workflow(spec, trigger_payload="hi", services=RunServices(llm=failing))
    assert result.node_status["ask"] is NodeStatus.FAILED
    assert "all 3 deployments failed" in (result.error or "")


def test_agent_is_a_side_effect_node() -> None:
    agent = default_registry().get("agent")
    assert agent is not None
    assert agent.has_side_effect(AgentConfig())
