"""What the AI nodes share: finding the LLM client, prompt text, and reporting a call."""

from __future__ import annotations

import json
from typing import Any

from app.engine.context import NodeContext
from app.engine.llm_port import LLMAnswer, LLMPort

NO_LLM_MESSAGE = "no LLM client configured"


class LLMNotConfigured(RuntimeError):
    """The run has no LLM client (`RunServices.llm` is None)."""


def require_llm(ctx: NodeContext) -> LLMPort:
    """The run's LLM client.

    Raises:
        LLMNotConfigured: when the run has none.
    """
    llm: LLMPort | None = ctx.services.llm
    if llm is None:
        raise LLMNotConfigured(NO_LLM_MESSAGE)
    return llm


def prompt_text(value: Any) -> str:
    """A rendered prompt as text: strings as they are, None as "", anything else as JSON.

    A prompt that is exactly `{{ input }}` renders to the input's native value (an object
    from an HTTP request, say); the model gets it as indented JSON.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def call_report(answer: LLMAnswer) -> dict[str, Any]:
    """The JSON-ready facts of one call: model, provider, tokens, cost, latency, mock, path.

    `tokens` has `cached` (the prompt tokens served from the provider's cache) only when
    there were any, so most outputs keep the plain {"input", "output"} shape.
    """
    tokens = {"input": answer.input_tokens, "output": answer.output_tokens}
    if answer.cached_tokens:
        tokens["cached"] = answer.cached_tokens
    return {
        "model": answer.model,
        "provider": answer.provider,
        "tokens": tokens,
        "cost_usd": answer.cost_usd,
        "latency_ms": round(answer.latency_ms, 3),
        "is_mock": answer.is_mock,
        "path": list(answer.path),
    }
