"""`EngineLLMAdapter`: an `LLMClient` seen through the engine's `LLMPort`.

Put one in `RunServices.llm` so the engine's agent and orchestration nodes call the LLM
layer (fallback, breaker, cost) without the engine importing it.
"""

from __future__ import annotations

from typing import Any

from app.engine.llm_port import LLMAnswer
from app.llm.client import LLMClient
from app.llm.router import RoutingStrategy
from app.llm.types import Attempt, LLMRequest, LLMResponse


class EngineLLMAdapter:
    """Satisfies `app.engine.llm_port.LLMPort` with an `LLMClient`."""

    def __init__(self, client: LLMClient, *, strategy: RoutingStrategy | None = None) -> None:
        """Wraps a client.

        Args:
            client: the client that makes the calls (the caller owns and closes it).
            strategy: a routing strategy for every call; None uses the client's.
        """
        self.client = client
        self.strategy = strategy

    async def complete(
        self,
        *,
        prompt: str,
        system: str | None,
        model: str,
        temperature: float,
        max_tokens: int | None,
        json_output: bool,
        fallbacks: list[str],
    ) -> LLMAnswer:
        """Answers one prompt through the client (see `LLMPort.complete`).

        Raises:
            LLMCallFailed: every deployment failed (the message and path say why).
            NoDeploymentError: capability routing found no capable deployment.
        """
        request = LLMRequest.from_prompt(
            prompt,
            model=model,
            system=system,
            fallbacks=tuple(fallbacks),
            temperature=temperature,
            max_tokens=max_tokens,
            json_output=json_output,
        )
        return to_answer(await self.client.complete(request, strategy=self.strategy))


def to_answer(response: LLMResponse) -> LLMAnswer:
    """The engine's view of a client response (the path as JSON-ready dicts)."""
    return LLMAnswer(
        text=response.text,
        input_tokens=response.input_tokens,
        output_tokens=response.output_tokens,
        cost_usd=response.cost_usd,
        provider=response.provider,
        model=response.model,
        latency_ms=response.latency_ms,
        path=[_attempt_dict(a) for a in response.path],
        is_mock=response.is_mock,
        cached_tokens=response.cached_tokens,
    )


def _attempt_dict(attempt: Attempt) -> dict[str, Any]:
    data = attempt.to_dict()
    data["outcome"] = attempt.outcome.value
    return data
