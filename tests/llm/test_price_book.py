"""The price book the LLM layer prices calls with: overrides first, effective dates, exact
prices from LiteLLM's map, and "cheapest" routing and estimates following the book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.llm.cost import CostCalculator, MicroPrice, Price
from app.llm.deployments import Deployment, Provider
from app.llm.estimate import estimate_call
from app.llm.price_book import BookRow, PriceBook
from app.llm.price_map import load_price_map, parse_price_map, usd_per_token_to_micros
from app.llm.router import Router, RoutingStrategy
from app.llm.types import LLMRequest

T0 = datetime(2026, 1, 1, tzinfo=UTC)
GPT_4O = Deployment(name="openai/gpt-4o", provider=Provider.OPENAI, model="gpt-4o")
SONNET = Deployment(name="anthropic/claude-x", provider=Provider.ANTHROPIC, model="claude-x")


def _row(model: str, at: datetime, price: MicroPrice, *, override: bool = False) -> BookRow:
    provider = "anthropic" if model.startswith("claude") else "openai"
    return BookRow(provider, model, at, override, price)


def test_the_newest_row_in_force_answers_and_an_override_wins() -> None:
    book = PriceBook()
    book.replace(
        [
            _row("gpt-4o", T0, MicroPrice(2_500_000, 10_000_000)),
            _row("gpt-4o", T0 + timedelta(days=10), MicroPrice(2_000_000, 8_000_000)),
            _row("gpt-4o", T0 + timedelta(days=20), MicroPrice(1, 1), override=True),
        ]
    )
    assert book.price("openai", "gpt-4o", T0 - timedelta(seconds=1)) is None
    assert book.price("openai", "gpt-4o", T0 + timedelta(days=5)) == MicroPrice(
        2_500_000, 10_000_000
    )
    assert book.price("openai", "gpt-4o", T0 + timedelta(days=15)) == MicroPrice(
        2_000_000, 8_000_000
    )
    assert book.price("openai", "gpt-4o", T0 + timedelta(days=25)) == MicroPrice(1, 1)
    assert book.price("openai", "unknown", T0) is None


def test_a_loaded_book_prices_calls_exactly_and_unknown_models_have_no_price() -> None:
    book = PriceBook()
    book.replace([_row("gpt-4o", T0, MicroPrice(3_000_000, 15_000_000))])
    costs = CostCalculator(book=book)
    # 1,000 input tokens at $3/M and 500 output tokens at $15/M: $0.003 + $0.0075.
    assert costs.cost(GPT_4O, 1000, 500) == 0.0105
    assert costs.unit_price(GPT_4O) == pytest.approx(18e-6)
    assert costs.cost(SONNET, 10, 10) is None
    # Explicit per-deployment prices still win over the book.
    fixed = CostCalculator({"gpt-4o": Price(1.0, 1.0)}, book=book)
    assert fixed.cost(GPT_4O, 1_000_000, 0) == pytest.approx(1.0)


def test_an_empty_book_falls_back_to_litellms_map() -> None:
    # gpt-4o in LiteLLM's map: $2.50 per million input tokens, $10 per million output.
    assert CostCalculator(book=PriceBook()).cost(GPT_4O, 1000, 500) == pytest.approx(0.0075)


def test_cheapest_routing_and_estimates_follow_the_book(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-never-called")  # not the mock: estimated only
    book = PriceBook()
    book.replace(
        [
            _row("gpt-4o", T0, MicroPrice(2_500_000, 10_000_000)),
            _row("claude-x", T0, MicroPrice(3_000_000, 15_000_000)),
        ]
    )
    router = Router([GPT_4O, SONNET], costs=CostCalculator(book=book))
    request = LLMRequest.from_prompt("hi", model="openai/gpt-4o", fallbacks=("anthropic/claude-x",))
    first = router.order(request, RoutingStrategy.CHEAPEST)[0]
    assert first.name == "openai/gpt-4o"
    book.replace(
        [
            _row("gpt-4o", T0, MicroPrice(2_500_000, 10_000_000)),
            _row("claude-x", T0, MicroPrice(3_000_000, 15_000_000)),
            _row("gpt-4o", T0, MicroPrice(50_000_000, 50_000_000), override=True),
        ]
    )
    assert router.order(request, RoutingStrategy.CHEAPEST)[0].name == "anthropic/claude-x"
    estimate = estimate_call(
        model="openai/gpt-4o",
        prompt="hello",
        system=None,
        max_tokens=1000,
        costs=CostCalculator(book=book),
    )
    # The override's $50 per million output tokens: 1,000 output tokens alone are $0.05.
    assert estimate.cost_usd is not None and estimate.cost_usd >= 0.05


@pytest.mark.parametrize(
    ("value", "micros"),
    [(2.5e-06, 2_500_000), (1e-05, 10_000_000), (7.5e-08, 75_000), (3e-07, 300_000), (0, 0)],
)
def test_usd_per_token_floats_become_exact_micros_per_million(value: float, micros: int) -> None:
    assert usd_per_token_to_micros(value) == micros


@pytest.mark.parametrize("value", [None, "x", -1e-06, True, float("nan"), [1]])
def test_unusable_map_values_are_skipped(value: object) -> None:
    assert usd_per_token_to_micros(value) is None


def test_the_map_keeps_token_priced_models_of_our_providers_without_prefixes() -> None:
    document = {
        "sample_spec": {"input_cost_per_token": 0},
        "gpt-x": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "output_cost_per_token": 2e-06,
            "cache_read_input_token_cost": 5e-07,
        },
        "gemini/gem-y": {"litellm_provider": "gemini", "input_cost_per_token": 1e-07},
        "dall-e": {
            "litellm_provider": "openai",
            "mode": "image_generation",
            "input_cost_per_token": 1e-06,
        },
        "bedrock/z": {"litellm_provider": "bedrock", "input_cost_per_token": 1e-06},
    }
    assert parse_price_map(document) == {
        ("openai", "gpt-x"): MicroPrice(1_000_000, 2_000_000, 500_000),
        ("gemini", "gem-y"): MicroPrice(100_000, 0, None),
    }
    local = load_price_map()
    assert local[("openai", "gpt-4o")] == MicroPrice(2_500_000, 10_000_000, 1_250_000)
