"""The engine's AI nodes on the real `LLMClient`: the mock provider offline, and real HTTP."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.engine.context import NodeContext, RunServices
from app.engine.events import RunStatus
from app.engine.executor import run_workflow
from app.engine.llm_port import LLMPort
from app.engine.nodes.agent import AgentConfig, run_agent
from app.engine.nodes.orchestration import OrchestrationConfig, run_orchestration
from app.engine.spec import NodeSpec, WorkflowSpec
from app.llm import CostCalculator, EngineLLMAdapter, LLMClient, Price
from tests.llm.conftest import fake_deployment
from tests.llm.fake_server import FakeLLMServer, answer, error

PET_QUESTION = "Which is the best pet for a small flat? Options: cat, dog, fish"
# The mock provider picks a vote option by hashing the model name and the prompt:
# for PET_QUESTION, mock/agent-a and mock/agent-b pick "cat", mock/agent-c picks "dog".
MOCK_VOTERS = [
    {"name": "Ann", "model": "mock/agent-a"},
    {"name": "Bob", "model": "mock/agent-b"},
    {"name": "Cy", "model": "mock/agent-c"},
]


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No real provider key leaks in from the environment: nothing here leaves 127.0.0.1."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def node_ctx(llm: LLMPort) -> NodeContext:
    """A context for calling a node's run function directly."""
    return NodeContext(
        node=NodeSpec(id="n1", type="agent"),
        execution_id=None,
        trigger=None,
        outputs={},
        variables={},
        services=RunServices(llm=llm),
    )


async def test_agent_without_keys_is_answered_by_the_labelled_mock() -> None:
    async with LLMClient() as client:
        output = await run_agent(
            node_ctx(EngineLLMAdapter(client)), {}, AgentConfig(prompt="Translate bonjour")
        )
    assert re.fullmatch(r"\[mock\] Answer [ABC]: Translate bonjour", output["text"])
    assert output["is_mock"] is True
    assert output["provider"] == "mock"
    assert output["cost_usd"] == 0.0
    assert output["tokens"]["input"] > 0 and output["tokens"]["output"] > 0
    path = output["path"]
    assert path[0]["outcome"] == "no_key" and "OPENAI_API_KEY is not set" in path[0]["error"]
    assert path[-1]["deployment"] == "mock/gpt-4o-mini" and path[-1]["outcome"] == "ok"


async def test_agent_json_mode_on_the_mock_validates_against_a_schema() -> None:
    schema = {"type": "object", "required": ["answer", "mock"]}
    config = AgentConfig(model="mock/demo", prompt="hi", json_output=True, json_schema=schema)
    async with LLMClient() as client:
        output = await run_agent(node_ctx(EngineLLMAdapter(client)), {}, config)
    assert output["json"]["model"] == "demo" and output["json"]["mock"] is True
    assert re.fullmatch(r"\[mock\] Answer [ABC]: hi", output["json"]["answer"])


@pytest.mark.usefixtures("fake_key")
async def test_agent_over_real_http_carries_tokens_cost_and_path(
    fake_server: FakeLLMServer,
) -> None:
    fake_server.set("primary", error(500))
    fake_server.set("backup", answer("three word answer"))
    pricing = {"backup": Price(input_per_mtok=1_000.0, output_per_mtok=2_000.0)}
    client = LLMClient(
        [fake_deployment(fake_server, "primary"), fake_deployment(fake_server, "backup")],
        costs=CostCalculator(pricing),
        http_policy=fake_server.policy,
    )
    config = AgentConfig(
        system_prompt="Be brief.", prompt="Say hello", model="primary", fallbacks=["backup"]
    )
    async with client:
        output = await run_agent(node_ctx(EngineLLMAdapter(client)), {}, config)
    assert output["text"] == "three word answer"
    assert (output["provider"], output["model"], output["is_mock"]) == (
        "openai_compatible",
        "backup",
        False,
    )
    # The fake server counts words: 4 prompt words + 7, and 3 answer words.
    assert output["tokens"] == {"input": 11, "output": 3}
    assert output["cost_usd"] == pytest.approx((11 * 1_000 + 3 * 2_000) / 1_000_000)
    assert [(a["deployment"], a["outcome"], a["status_code"]) for a in output["path"]] == [
        ("primary", "server_error", 500),
        ("backup", "ok", None),
    ]
    assert output["latency_ms"] > 0
    assert fake_server.calls == {"primary": 1, "backup": 1}


def consensus_workflow(orchestration: dict[str, Any]) -> WorkflowSpec:
    """trigger -> orchestration -> output (the winning answer)."""
    return WorkflowSpec.from_document(
        {
            "schema": 1,
            "nodes": [
                {"id": "start", "type": "manual_trigger"},
                {"id": "panel", "type": "orchestration", "config": orchestration},
                {
                    "id": "out",
                    "name": "winner",
                    "type": "output",
                    "config": {"value": "{{ input.answer }}"},
                },
            ],
            "edges": [
                {"id": "e1", "source": "start", "target": "panel"},
                {"id": "e2", "source": "panel", "target": "out"},
            ],
        }
    )


async def test_consensus_of_three_mock_agents_in_a_workflow_run() -> None:
    spec = consensus_workflow(
        {"strategy": "consensus", "agents": MOCK_VOTERS, "prompt": "{{ trigger.question }}"}
    )
    async with LLMClient() as client:
        result = await run_workflow(
            spec,
            trigger_payload={"question": PET_QUESTION},
            services=RunServices(llm=EngineLLMAdapter(client)),
        )
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.output == {"winner": "cat"}
    panel = result.outputs["panel"]
    assert panel["votes"] == {"cat": 2, "dog": 1}
    assert panel["disagreement"] == pytest.approx(1 / 3, abs=1e-6)
    assert [(a["name"], a["text"], a["is_mock"]) for a in panel["agents"]] == [
        ("Ann", "cat", True),
        ("Bob", "cat", True),
        ("Cy", "dog", True),
    ]
    assert panel["total_cost_usd"] == 0.0
    assert panel["total_tokens"]["input"] > 0


async def test_judge_vote_on_the_mock_picks_one_of_the_answers() -> None:
    config = OrchestrationConfig.model_validate(
        {
            "strategy": "consensus",
            "agents": MOCK_VOTERS,
            "voting": "judge",
            "judge_model": "mock/judge",
            "prompt": PET_QUESTION,
        }
    )
    async with LLMClient() as client:
        output = await run_orchestration(node_ctx(EngineLLMAdapter(client)), {}, config)
    judge = output["judge"]
    assert judge["text"] in {"cat", "dog"}
    assert judge["fell_back_to_majority"] is False
    assert output["answer"] == judge["text"]
    assert judge["choice"] == ["cat", "dog"].index(judge["text"]) + 1
    assert judge["is_mock"] is True
