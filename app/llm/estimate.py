"""What one LLM call would most likely cost, worked out before making it (no network call).

The estimate follows the client's routing: the request's model, its fallbacks and their
model-map equivalents in priority order, and the first deployment that can be called now
(key set, provider enabled: the provider settings installed with `use_provider_lookup` are
honoured, as they are for a real call). When none can, the built-in mock provider would
answer, for free. Circuit breakers are not consulted: an open breaker is a passing state.

Token counts are estimates too: the input is the client's own rough count of the messages,
the output is `max_tokens` (an upper bound) or `DEFAULT_OUTPUT_TOKENS` when there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from app.llm.cost import CostCalculator
from app.llm.deployments import Deployment, Provider
from app.llm.mock_provider import estimate_tokens
from app.llm.model_map import ModelMap
from app.llm.router import Router, RoutingStrategy
from app.llm.types import LLMRequest

DEFAULT_OUTPUT_TOKENS = 512


@dataclass(frozen=True)
class CallEstimate:
    """The likely deployment, tokens and cost of one call.

    Attributes:
        model: the model that would most likely answer.
        provider: its provider ("mock" when no deployment can be called).
        input_tokens: estimated prompt tokens.
        output_tokens: `max_tokens`, or `DEFAULT_OUTPUT_TOKENS` without one.
        cost_usd: the estimated cost; 0.0 for the mock, None when the price is unknown.
        is_mock: the built-in mock provider would answer.
    """

    model: str
    provider: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    is_mock: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def likely_deployment(request: LLMRequest, *, model_map: ModelMap | None = None) -> Deployment:
    """The deployment the client would try first for `request` under priority routing.

    Args:
        request: the request.
        model_map: equivalent models; the built-in map by default.

    Returns:
        The first usable deployment, or a mock deployment named after the first candidate's
        model when none is usable (what the client's mock substitute answers as).
    """
    ordered = Router((), model_map=model_map).order(request, RoutingStrategy.PRIORITY)
    usable = next((d for d in ordered if d.is_usable()), None)
    if usable is not None:
        return usable
    model = ordered[0].model
    return Deployment(name=f"mock/{model}", provider=Provider.MOCK, model=model)


def estimate_call(
    *,
    model: str,
    prompt: str,
    system: str | None,
    max_tokens: int | None,
    costs: CostCalculator | None = None,
    fallbacks: Sequence[str] = (),
    model_map: ModelMap | None = None,
    context_tokens: int = 0,
) -> CallEstimate:
    """Estimates one call without making it.

    Args:
        model: the requested model (alias, "provider/model" or deployment name).
        prompt: the user message as far as it is known (templates unrendered).
        system: the system message, if any.
        max_tokens: the output cap; None uses `DEFAULT_OUTPUT_TOKENS`.
        costs: the price calculator; the shared price book (`provider_pricing`) by default.
        fallbacks: further models the call would fall back to, in order.
        model_map: equivalent models (the settings' map); the built-in map by default.
        context_tokens: input tokens not known as text yet (e.g. the answers a judge reads).

    Returns:
        The estimate.
    """
    calculator = costs if costs is not None else CostCalculator()
    request = LLMRequest.from_prompt(
        prompt, model=model, system=system, fallbacks=tuple(fallbacks), max_tokens=max_tokens
    )
    deployment = likely_deployment(request, model_map=model_map)
    input_tokens = sum(estimate_tokens(m.content) for m in request.messages) + context_tokens
    output_tokens = max_tokens or DEFAULT_OUTPUT_TOKENS
    return CallEstimate(
        model=deployment.model,
        provider=deployment.provider.value,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cost_usd=calculator.cost(deployment, input_tokens, output_tokens),
        is_mock=deployment.provider is Provider.MOCK,
    )
