"""Orchestration node: sequential chaining, parallel fan-out, and consensus voting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from app.engine.consensus import TIE_RULE
from app.engine.context import NodeContext, RunServices
from app.engine.events import RunStatus
from app.engine.executor import run_workflow
from app.engine.nodes import default_registry
from app.engine.nodes.llm_calls import LLMNotConfigured
from app.engine.nodes.orchestration import (
    AgentFailed,
    OrchestrationAgent,
    OrchestrationConfig,
    agent_message,
    run_orchestration,
)
from app.engine.spec import WorkflowSpec
from tests.engine.nodes.fake_llm import Call, ScriptedLLM

ContextFactory = Callable[..., NodeContext]


def config(strategy: str, *agents: dict[str, Any], **fields: Any) -> OrchestrationConfig:
    """An orchestration config with these agents."""
    return OrchestrationConfig.model_validate(
        {"strategy": strategy, "agents": list(agents), **fields}
    )


def agent(name: str, model: str | None = None, **fields: Any) -> dict[str, Any]:
    """An agent named `name` on model `model` (defaults to its name)."""
    return {"name": name, "model": model or name, **fields}


async def run(
    make_ctx: ContextFactory, llm: ScriptedLLM, cfg: OrchestrationConfig
) -> dict[str, Any]:
    """Run the node with `llm` as the run's LLM client."""
    return await run_orchestration(make_ctx(services=RunServices(llm=llm)), {}, cfg)


def wrapping(model: str) -> Callable[[Call], str]:
    """A reply that wraps the prompt in the model's name: `x[prompt]`."""
    return lambda call: f"{model}[{call.prompt}]"


def test_agent_message_places_the_input() -> None:
    plain = OrchestrationAgent(name="a")
    placed = OrchestrationAgent(name="b", prompt="Critique this: {input} (be brief)")
    prefixed = OrchestrationAgent(name="c", prompt="Translate to German.")
    assert agent_message(plain, "text") == "text"
    assert agent_message(placed, "text") == "Critique this: text (be brief)"
    assert agent_message(prefixed, "text") == "Translate to German.\n\ntext"


async def test_sequential_feeds_each_agent_the_previous_answer(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={m: wrapping(m) for m in "xyz"})
    cfg = config(
        "sequential",
        agent("draft", "x", system_prompt="You draft."),
        agent("edit", "y", prompt="Edit: {input}"),
        agent("polish", "z"),
        prompt="topic",
    )
    output = await run(make_ctx, llm, cfg)
    assert [c.prompt for c in llm.calls] == ["topic", "Edit: x[topic]", "y[Edit: x[topic]]"]
    assert llm.calls[0].system == "You draft."
    assert llm.calls[1].system is None
    assert output["answer"] == "z[y[Edit: x[topic]]]"
    assert output["answers"] == ["x[topic]", "y[Edit: x[topic]]", "z[y[Edit: x[topic]]]"]
    assert output["votes"] == {} and output["disagreement"] is None and output["judge"] is None
    assert [a["name"] for a in output["agents"]] == ["draft", "edit", "polish"]


async def test_parallel_runs_agents_concurrently_and_keeps_their_order(
    make_ctx: ContextFactory,
) -> None:
    llm = ScriptedLLM(
        replies={"slow": "first", "mid": "second", "fast": "third"},
        delays={"slow": 0.15, "mid": 0.05, "fast": 0.0},
    )
    cfg = config("parallel", agent("slow"), agent("mid"), agent("fast"), prompt="same input")
    output = await run(make_ctx, llm, cfg)
    assert llm.max_in_flight == 3
    assert {c.prompt for c in llm.calls} == {"same input"}
    assert output["answer"] == ["first", "second", "third"]
    assert output["answers"] == ["first", "second", "third"]


async def test_consensus_majority_two_of_three(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "Paris", "b": "Lyon", "c": "paris."})
    cfg = config("consensus", agent("a"), agent("b"), agent("c"), prompt="Capital of France?")
    output = await run(make_ctx, llm, cfg)
    assert llm.max_in_flight == 3
    assert output["strategy"] == "consensus" and output["voting"] == "majority"
    assert output["answer"] == "Paris"
    assert output["votes"] == {"Paris": 2, "Lyon": 1}
    assert output["disagreement"] == pytest.approx(1 / 3, abs=1e-6)
    assert output["agents"][1] == {
        "name": "b",
        "text": "Lyon",
        "model": "b",
        "provider": "fake",
        "tokens": {"input": 3, "output": 1},
        "cost_usd": pytest.approx(0.004),
        "latency_ms": 1.5,
        "is_mock": False,
        "path": [{"deployment": "b", "outcome": "ok"}],
        "weight": 1.0,
    }
    assert output["total_tokens"] == {"input": 9, "output": 3}
    assert output["total_cost_usd"] == pytest.approx(0.012)


async def test_a_consensus_tie_says_so_and_names_the_rule(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "Paris", "b": "Lyon", "c": "Nice"})
    cfg = config("consensus", agent("a"), agent("b"), agent("c"), prompt="Best city?")
    output = await run(make_ctx, llm, cfg)
    assert output["answer"] == "Paris"
    assert output["tie"] == {"answers": ["Paris", "Lyon", "Nice"], "rule": TIE_RULE}

    clear = ScriptedLLM(replies={"a": "Paris", "b": "Lyon", "c": "Paris"})
    assert (await run(make_ctx, clear, cfg))["tie"] is None


async def test_consensus_weights_flip_the_result(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "yes", "b": "yes", "expert": "no"})
    agents = (agent("a"), agent("b"), agent("expert", weight=5))
    majority = await run(make_ctx, llm, config("consensus", *agents))
    weighted = await run(make_ctx, llm, config("consensus", *agents, voting="weighted"))
    assert majority["answer"] == "yes"
    assert weighted["answer"] == "no"
    assert weighted["votes"] == {"yes": 2.0, "no": 5.0}
    assert weighted["disagreement"] == pytest.approx(2 / 7, abs=1e-6)


async def test_judge_picks_an_answer_by_number(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "cat", "b": "cat", "c": "dog", "judge": "2"})
    cfg = config(
        "consensus",
        agent("a"),
        agent("b"),
        agent("c"),
        voting="judge",
        judge_model="judge",
        prompt="Best pet?",
    )
    output = await run(make_ctx, llm, cfg)
    judge_call = llm.calls[-1]
    assert judge_call.model == "judge" and judge_call.temperature == 0.0
    assert "Best pet?" in (judge_call.system or "")
    assert judge_call.prompt.splitlines()[1:] == ["1. cat", "2. dog"]
    assert output["answer"] == "dog"
    assert output["votes"] == {"cat": 2, "dog": 1}
    assert output["disagreement"] == pytest.approx(2 / 3, abs=1e-6)
    assert output["judge"]["choice"] == 2
    assert output["judge"]["fell_back_to_majority"] is False
    assert output["judge"]["text"] == "2"
    assert output["total_tokens"]["output"] == 4


async def test_an_unclear_judge_falls_back_to_majority(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "cat", "b": "dog", "c": "dog", "judge": "both are fine"})
    cfg = config(
        "consensus", agent("a"), agent("b"), agent("c"), voting="judge", judge_model="judge"
    )
    output = await run(make_ctx, llm, cfg)
    assert output["answer"] == "dog"
    assert output["judge"]["choice"] is None
    assert output["judge"]["fell_back_to_majority"] is True


async def test_no_judge_call_when_all_agents_agree(make_ctx: ContextFactory) -> None:
    llm = ScriptedLLM(replies={"a": "cat", "b": "Cat."})
    cfg = config("consensus", agent("a"), agent("b"), voting="judge", judge_model="judge")
    output = await run(make_ctx, llm, cfg)
    assert llm.models_called() == ["a", "b"]
    assert output["answer"] == "cat"
    assert output["judge"]["skipped"] is True
    assert output["disagreement"] == 0.0


async def test_a_failing_agent_fails_the_node_and_cancels_the_others(
    make_ctx: ContextFactory,
) -> None:
    llm = ScriptedLLM(replies={"bad": RuntimeError("HTTP 500")}, delays={"slow": 5.0})
    cfg = config("parallel", agent("slow"), agent("bad"))
    with pytest.raises(AgentFailed, match=r"agent 'bad' \(bad\) failed: HTTP 500"):
        await run(make_ctx, llm, cfg)
    assert llm.cancelled == ["slow"]


async def test_without_an_llm_client_the_node_fails_clearly(make_ctx: ContextFactory) -> None:
    with pytest.raises(LLMNotConfigured, match="no LLM client configured"):
        await run_orchestration(make_ctx(), {}, config("parallel", agent("a")))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"strategy": "consensus", "agents": [agent("a")]}, "at least two agents"),
        ({"strategy": "parallel", "agents": [agent("a"), agent("a", "m")]}, "unique: a"),
        ({"strategy": "parallel", "agents": []}, "at least 1 item"),
        ({"strategy": "parallel", "agents": [agent("a", weight=0)]}, "greater than 0"),
        ({"strategy": "vote", "agents": [agent("a")]}, "strategy"),
    ],
)
def test_config_is_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        OrchestrationConfig.model_validate(fields)


async def test_consensus_in_a_workflow_run() -> None:
    llm = ScriptedLLM(replies={"a": "42", "b": "41", "c": "42"})
    spec = WorkflowSpec.from_document(
        {
            "schema": 1,
            "nodes": [
                {"id": "start", "type": "manual_trigger"},
                {
                    "id": "vote",
                    "type": "orchestration",
                    "config": {
                        "strategy": "consensus",
                        "agents": [agent("a"), agent("b"), agent("c")],
                        "prompt": "{{ trigger.question }}",
                    },
                },
                {
                    "id": "out",
                    "name": "winner",
                    "type": "output",
                    "config": {"value": "{{ input.answer }}"},
                },
            ],
            "edges": [
                {"id": "e1", "source": "start", "target": "vote"},
                {"id": "e2", "source": "vote", "target": "out"},
            ],
        }
    )
    result = await run_workflow(
        spec, trigger_payload={"question": "6 x 7?"}, services=RunServices(llm=llm)
    )
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert result.output == {"winner": "42"}
    assert result.outputs["vote"]["votes"] == {"42": 2, "41": 1}
    assert {c.prompt for c in llm.calls} == {"6 x 7?"}
    orchestration = default_registry().get("orchestration")
    assert orchestration is not None and orchestration.has_side_effect(None)
