"""The built-in mock provider: deterministic, labelled, and used when no key is configured."""

from __future__ import annotations

import json
import re

import pytest

from app.llm.client import LLMClient
from app.llm.mock_provider import mock_complete, vote_options
from app.llm.types import LLMRequest, Outcome

VOTE = "Vote for the best colour. Answer with one option.\n- red\n- green\n- blue"


def test_the_same_request_always_gets_the_same_answer() -> None:
    request = LLMRequest.from_prompt(VOTE, model="mock/judge")
    answers = {mock_complete(request, "judge").text for _ in range(5)}
    assert len(answers) == 1


def test_votes_pick_one_of_the_options_and_models_can_disagree() -> None:
    request = LLMRequest.from_prompt(VOTE, model="x")
    choices = {mock_complete(request, f"agent-{i}").text for i in range(12)}
    assert choices <= {"red", "green", "blue"}
    assert len(choices) > 1


def test_options_are_read_from_bullets_numbers_and_inline_lists() -> None:
    assert vote_options("1. yes\n2) no") == ["yes", "no"]
    assert vote_options("Options: alpha, beta | gamma") == ["alpha", "beta", "gamma"]
    assert vote_options("no options here") == []


def test_summary_and_echo_behaviours() -> None:
    text = "Summarize: The cat sat on the mat. It was warm. " + "More words follow. " * 30
    summary = mock_complete(LLMRequest.from_prompt(text, model="m"), "m").text
    assert summary.startswith("Summary: The cat sat on the mat.")
    assert len(summary.split()) <= 41
    echo = mock_complete(LLMRequest.from_prompt("Translate bonjour", model="m"), "m").text
    assert re.fullmatch(r"\[mock\] Answer [ABC]: Translate bonjour", echo)


def test_free_answers_vary_by_agent_but_never_for_one_agent() -> None:
    free = "Should the team migrate this quarter?"

    def answer(model: str, system: str, temperature: float | None = 0.7) -> str:
        request = LLMRequest.from_prompt(free, model=model, system=system, temperature=temperature)
        return mock_complete(request, model).text

    agents = [(f"mock/agent-{i}", f"You are reviewer {i}.") for i in range(12)]
    stances = [answer(model, system)[:17] for model, system in agents]
    assert set(stances) == {"[mock] Answer A: ", "[mock] Answer B: ", "[mock] Answer C: "}
    assert stances == [answer(model, system)[:17] for model, system in agents]
    # The system prompt (the agent's role) is part of who the agent is.
    assert len({answer("mock/same", f"Role {i}")[:17] for i in range(12)}) > 1
    # Deterministic models agree.
    assert {answer(model, system, 0.0) for model, system in agents} == {f"[mock] Answer A: {free}"}


def test_json_mode_returns_a_json_object() -> None:
    request = LLMRequest.from_prompt("Give me data", model="m", json_output=True)
    data = json.loads(mock_complete(request, "m").text)
    assert (data["model"], data["mock"]) == ("m", True)
    assert re.fullmatch(r"\[mock\] Answer [ABC]: Give me data", data["answer"])


async def test_without_keys_the_mock_answers_labelled_as_mock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for env in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(env, raising=False)
    async with LLMClient() as client:
        response = await client.complete(LLMRequest.from_prompt(VOTE, model="gpt-4o"))
    assert response.is_mock
    assert (response.provider, response.model, response.cost_usd) == ("mock", "gpt-4o", 0.0)
    assert response.text in {"red", "green", "blue"}
    assert [a.outcome for a in response.path] == [Outcome.NO_KEY] * 3 + [Outcome.OK]
    assert response.input_tokens > 0 and response.output_tokens > 0


async def test_an_explicit_mock_deployment_answers_directly() -> None:
    async with LLMClient() as client:
        response = await client.complete(LLMRequest.from_prompt("hello", model="mock/echo-bot"))
    assert response.is_mock
    assert re.fullmatch(r"\[mock\] Answer [ABC]: hello", response.text)
    assert [a.deployment for a in response.path] == ["mock/echo-bot"]
