"""Estimating one call before making it: the deployment the client would use, tokens, cost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.llm.client import LLMClient
from app.llm.cost import CostCalculator, Price
from app.llm.estimate import DEFAULT_OUTPUT_TOKENS, estimate_call
from app.llm.model_map import ModelMap
from app.llm.provider_access import ProviderConfig, reset_provider_lookup, use_provider_lookup
from app.llm.types import LLMRequest

KEY_ENVS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY")
# gpt-4o-mini in LiteLLM's local price map: $0.15 per million input, $0.60 per million output.
GPT_4O_MINI_IN, GPT_4O_MINI_OUT = 0.15e-6, 0.60e-6


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the keys it needs (fake values: an estimate never calls anyone)."""
    for name in KEY_ENVS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def settings_lookup() -> Iterator[dict[str, ProviderConfig]]:
    """Stored provider settings, installed as the client sees them during a run."""
    providers: dict[str, ProviderConfig] = {}
    token = use_provider_lookup(providers.get)
    yield providers
    reset_provider_lookup(token)


async def test_without_keys_the_mock_answers_for_free_with_the_clients_token_count() -> None:
    prompt, system = "Summarise the quarterly report in three bullets.", "You are terse."
    call = estimate_call(model="gpt-4o-mini", prompt=prompt, system=system, max_tokens=None)

    assert (call.provider, call.model, call.is_mock) == ("mock", "gpt-4o-mini", True)
    assert call.cost_usd == 0.0
    assert call.output_tokens == DEFAULT_OUTPUT_TOKENS
    async with LLMClient() as client:
        real = await client.complete(
            LLMRequest.from_prompt(prompt, model="gpt-4o-mini", system=system)
        )
    assert real.is_mock and real.provider == "mock"
    assert call.input_tokens == real.input_tokens


def test_an_openai_key_prices_gpt_4o_mini_from_the_local_price_map(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")
    call = estimate_call(model="gpt-4o-mini", prompt="x" * 400, system=None, max_tokens=200)

    assert (call.provider, call.model, call.is_mock) == ("openai", "gpt-4o-mini", False)
    assert (call.input_tokens, call.output_tokens) == (100, 200)
    assert call.cost_usd is not None and call.cost_usd > 0
    assert call.cost_usd == pytest.approx(100 * GPT_4O_MINI_IN + 200 * GPT_4O_MINI_OUT)


def test_the_first_usable_equivalent_is_estimated_like_the_client_routes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-fake-5678")
    call = estimate_call(model="gpt-4o-mini", prompt="hi", system=None, max_tokens=10)
    assert (call.provider, call.model) == ("anthropic", "claude-haiku-4-5")
    assert call.cost_usd is not None and call.cost_usd > 0

    # Without equivalents in the map, nothing usable is left: the mock answers.
    isolated = ModelMap(groups={})
    alone = estimate_call(
        model="gpt-4o-mini", prompt="hi", system=None, max_tokens=10, model_map=isolated
    )
    assert (alone.provider, alone.cost_usd) == ("mock", 0.0)
    # An explicit fallback is tried in order, before the mock.
    fallback = estimate_call(
        model="gpt-4o-mini",
        prompt="hi",
        system=None,
        max_tokens=10,
        model_map=isolated,
        fallbacks=["claude-sonnet-4-5"],
    )
    assert (fallback.provider, fallback.model) == ("anthropic", "claude-sonnet-4-5")


def test_stored_provider_settings_are_honoured(
    monkeypatch: pytest.MonkeyPatch, settings_lookup: dict[str, ProviderConfig]
) -> None:
    settings_lookup["gemini"] = ProviderConfig(api_key="stored-gemini-key-0000")
    stored = estimate_call(model="gemini-2.5-flash", prompt="hi", system=None, max_tokens=5)
    assert (stored.provider, stored.is_mock) == ("gemini", False)

    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")
    settings_lookup["openai"] = ProviderConfig(enabled=False)
    switched_off = estimate_call(model="gpt-4o-mini", prompt="hi", system=None, max_tokens=5)
    # openai is off: the next equivalent with a key (gemini's stored one) is used.
    assert (switched_off.provider, switched_off.model) == ("gemini", "gemini-2.5-flash")


def test_unknown_prices_are_none_and_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")
    unknown = estimate_call(
        model="openai/no-such-model-xyz", prompt="hi", system=None, max_tokens=None
    )
    assert (unknown.provider, unknown.is_mock, unknown.cost_usd) == ("openai", False, None)

    costs = CostCalculator({"no-such-model-xyz": Price(input_per_mtok=1.0, output_per_mtok=2.0)})
    priced = estimate_call(
        model="openai/no-such-model-xyz",
        prompt="x" * 8,
        system=None,
        max_tokens=1000,
        costs=costs,
        context_tokens=98,
    )
    assert priced.input_tokens == 2 + 98
    assert priced.cost_usd == pytest.approx((100 * 1.0 + 1000 * 2.0) / 1_000_000)
