"""The LLM port: what AI nodes need from an LLM client, without importing the LLM layer.

The engine may not import `app.llm`; whoever runs the engine puts an object satisfying
`LLMPort` in `RunServices.llm` (in the app, `app.llm.engine_adapter.EngineLLMAdapter`;
in tests, a scripted fake).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class LLMAnswer:
    """One completed LLM call, as AI nodes see it.

    Attributes:
        text: the answer text.
        input_tokens: prompt tokens.
        output_tokens: completion tokens.
        cost_usd: what the call cost; None when the model has no known price.
        provider: who answered ("mock" for the built-in mock provider).
        model: the model that answered (after any fallback).
        latency_ms: wall time of the whole call, fallbacks included.
        path: every attempt in order as JSON-ready dicts (deployment, outcome, error, ...).
        is_mock: the answer came from the built-in mock provider.
        cached_tokens: the prompt tokens served from the provider's cache (part of
            `input_tokens`, billed at the cached price).
    """

    text: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    provider: str
    model: str
    latency_ms: float
    path: list[dict[str, Any]] = field(default_factory=list)
    is_mock: bool = False
    cached_tokens: int = 0


class LLMPort(Protocol):
    """An LLM client as the engine uses it: one prompt in, one answer out."""

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
        """Answer one prompt.

        Args:
            prompt: the user message.
            system: an optional system message.
            model: the preferred model.
            temperature: sampling temperature.
            max_tokens: output token cap; None leaves the provider default.
            json_output: ask for a JSON object answer.
            fallbacks: further models to try in order when the preferred one fails.

        Returns:
            The answer with tokens, cost and the path taken.

        Raises:
            Exception: any failure; the node running the call fails with its message.
        """
        ...
