"""Cost from LiteLLM's local price map, overrides, and the LiteLLM path through real HTTP."""

from __future__ import annotations

import pytest

from app.llm.client import LLMClient
from app.llm.cost import CostCalculator, Price
from app.llm.deployments import Deployment, Provider
from app.llm.fallback import FallbackPolicy
from app.llm.types import LLMRequest, Outcome
from tests.llm.conftest import KEY_ENV
from tests.llm.fake_server import FakeLLMServer, error

GPT_4O = Deployment(name="openai/gpt-4o", provider=Provider.OPENAI, model="gpt-4o")


def test_cost_of_a_known_model_comes_from_the_price_map() -> None:
    # gpt-4o: $2.50 per million input tokens, $10 per million output tokens.
    assert CostCalculator().cost(GPT_4O, 1000, 500) == pytest.approx(0.0025 + 0.005)


def test_overrides_win_and_unknown_or_mock_models_are_handled() -> None:
    costs = CostCalculator({"gpt-4o": Price(input_per_mtok=1.0, output_per_mtok=2.0)})
    assert costs.cost(GPT_4O, 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert costs.unit_price(GPT_4O) == pytest.approx(3e-6)
    local = Deployment(name="llama", provider=Provider.OPENAI_COMPATIBLE, model="llama3")
    assert costs.cost(local, 100, 100) is None
    unknown = Deployment(name="x", provider=Provider.OPENAI, model="no-such-model-xyz")
    assert costs.cost(unknown, 100, 100) is None
    mock = Deployment(name="mock/x", provider=Provider.MOCK, model="x")
    assert costs.cost(mock, 100, 100) == 0.0


async def test_litellm_path_answers_costs_and_falls_back_without_its_own_retries(
    fake_server: FakeLLMServer, fake_key: str
) -> None:
    fake_server.set("broken", error(500))
    deployments = [
        Deployment(
            name=name,
            provider=Provider.OPENAI,
            model=name,
            api_base=fake_server.base_url,
            api_key_env=KEY_ENV,
        )
        for name in ("broken", "gpt-4o")
    ]
    request = LLMRequest.from_prompt(
        "one two three", model="broken", fallbacks=("gpt-4o",), use_equivalents=False
    )
    async with LLMClient(
        deployments, policy=FallbackPolicy(attempt_timeout_s=10.0), http_policy=fake_server.policy
    ) as client:
        response = await client.complete(request)
    assert [a.outcome for a in response.path] == [Outcome.SERVER_ERROR, Outcome.OK]
    assert fake_server.calls == {"broken": 1, "gpt-4o": 1}
    assert fake_server.received[-1].authorization == f"Bearer {fake_key}"
    assert (response.input_tokens, response.output_tokens) == (3 + 7, 2)
    assert response.cost_usd == pytest.approx(CostCalculator().cost(deployments[1], 10, 2))
    assert response.provider == "openai"
