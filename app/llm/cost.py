"""What a call cost: the `provider_pricing` rows (held in the shared price book), else
LiteLLM's local price map; explicit per-deployment overrides win over both."""

from __future__ import annotations

from dataclasses import dataclass

from app.llm.deployments import Deployment, Provider
from app.llm.litellm_import import load_litellm
from app.llm.price_book import PriceBook, shared_price_book

_PER_MILLION = 1_000_000
LITELLM_PROVIDERS = {Provider.OPENAI, Provider.ANTHROPIC, Provider.GEMINI}


@dataclass(frozen=True)
class MicroPrice:
    """Integer micro-dollars per million tokens (the ledger's prices).

    Attributes:
        input: per million input tokens that were not cached.
        output: per million output tokens.
        cached: per million cached input tokens; None charges them as other input tokens.
    """

    input: int
    output: int
    cached: int | None = None


def _part(tokens: int, micros_per_mtok: int) -> int:
    # Half-up rounding in integers: tokens * price / 1e6 rounded, with no float involved.
    return (tokens * micros_per_mtok + _PER_MILLION // 2) // _PER_MILLION


def cost_micros(
    price: MicroPrice, *, input_tokens: int, output_tokens: int, cached_tokens: int = 0
) -> int:
    """What one call cost, in integer micro-dollars.

    Each kind of token is rounded on its own (half up), so a row's cost is reproducible
    from its token counts and price alone.

    Args:
        price: the price in force at the call's time.
        input_tokens: all prompt tokens, the cached ones included.
        output_tokens: completion tokens.
        cached_tokens: the prompt tokens served from the provider's cache.

    Returns:
        The cost in micro-dollars (1 USD = 1,000,000).
    """
    cached = min(max(cached_tokens, 0), input_tokens)
    cached_price = price.input if price.cached is None else price.cached
    return (
        _part(input_tokens - cached, price.input)
        + _part(cached, cached_price)
        + _part(output_tokens, price.output)
    )


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float


class CostCalculator:
    """Prices calls. Explicit overrides win; then the price book (the `provider_pricing`
    table: its overrides, LiteLLM's map and the defaults, as the ledger prices calls); LiteLLM's
    map itself only while the book is not loaded (no database: the CLI). The mock provider is
    free. Self-hosted OpenAI-compatible deployments have no price unless one is given.

    Override keys are matched in this order: deployment name, "provider/model", model.
    """

    def __init__(
        self, pricing: dict[str, Price] | None = None, *, book: PriceBook | None = None
    ) -> None:
        """Creates a calculator.

        Args:
            pricing: explicit overrides per deployment (tests, a fixed price list).
            book: the price rows; this process's shared book by default.
        """
        self.pricing = dict(pricing or {})
        self.book = book if book is not None else shared_price_book()

    def _override(self, deployment: Deployment) -> Price | None:
        for key in (deployment.name, f"{deployment.provider.value}/{deployment.model}"):
            if key in self.pricing:
                return self.pricing[key]
        return self.pricing.get(deployment.model)

    def cost(self, deployment: Deployment, input_tokens: int, output_tokens: int) -> float | None:
        """The USD cost of one call.

        Args:
            deployment: who answered.
            input_tokens: prompt tokens.
            output_tokens: completion tokens.

        Returns:
            The cost, 0.0 for the mock provider, None when the model has no known price.
        """
        if deployment.provider is Provider.MOCK:
            return 0.0
        override = self._override(deployment)
        if override is not None:
            return (
                input_tokens * override.input_per_mtok + output_tokens * override.output_per_mtok
            ) / _PER_MILLION
        if self.book.loaded:
            price = self.book.price(deployment.provider.value, deployment.model)
            if price is None:
                return None
            micros = cost_micros(price, input_tokens=input_tokens, output_tokens=output_tokens)
            return micros / _PER_MILLION
        if deployment.provider not in LITELLM_PROVIDERS:
            return None
        try:
            prompt_cost, completion_cost = load_litellm().cost_per_token(
                model=deployment.model,
                prompt_tokens=input_tokens,
                completion_tokens=output_tokens,
                custom_llm_provider=deployment.provider.value,
            )
        except Exception:  # LiteLLM raises several types for unmapped models.
            return None
        return float(prompt_cost) + float(completion_cost)

    def unit_price(self, deployment: Deployment) -> float | None:
        """USD for one input plus one output token (what "cheapest" routing compares).

        Returns:
            The price, 0.0 for the mock provider, None when unknown.
        """
        if deployment.provider is Provider.MOCK:
            return 0.0
        override = self._override(deployment)
        if override is not None:
            return (override.input_per_mtok + override.output_per_mtok) / _PER_MILLION
        if self.book.loaded:
            price = self.book.price(deployment.provider.value, deployment.model)
            return None if price is None else (price.input + price.output) / _PER_MILLION**2
        if deployment.provider not in LITELLM_PROVIDERS:
            return None
        model_cost = load_litellm().model_cost
        for key in (f"{deployment.provider.value}/{deployment.model}", deployment.model):
            info = model_cost.get(key)
            if info and "input_cost_per_token" in info:
                return float(info["input_cost_per_token"]) + float(
                    info.get("output_cost_per_token", 0.0)
                )
        return None
