"""A scripted `LLMPort` for AI node tests: fixed or computed replies per model, calls recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from app.engine.llm_port import LLMAnswer


@dataclass(frozen=True)
class Call:
    """One `complete` call as the fake saw it."""

    prompt: str
    system: str | None
    model: str
    temperature: float
    max_tokens: int | None
    json_output: bool
    fallbacks: list[str]


Reply = str | Exception | Callable[[Call], str]


@dataclass
class ScriptedLLM:
    """Answers per model: a fixed text, an exception to raise, or a function of the call.

    Models without a reply answer `"<model>: <prompt>"`. Tokens are word counts, and a call
    costs 0.001 USD per token. `delays` makes a model's calls wait (to observe concurrency).
    """

    replies: dict[str, Reply] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

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
        """Record the call and answer it as scripted."""
        call = Call(prompt, system, model, temperature, max_tokens, json_output, list(fallbacks))
        self.calls.append(call)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delays.get(model, 0.0))
        except asyncio.CancelledError:
            self.cancelled.append(model)
            raise
        finally:
            self.in_flight -= 1
        reply = self.replies.get(model, f"{model}: {prompt}")
        if isinstance(reply, Exception):
            raise reply
        text = reply if isinstance(reply, str) else reply(call)
        input_tokens = len(prompt.split()) + len((system or "").split())
        output_tokens = len(text.split())
        return LLMAnswer(
            text=text,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=(input_tokens + output_tokens) * 0.001,
            provider="fake",
            model=model,
            latency_ms=1.5,
            path=[{"deployment": model, "outcome": "ok"}],
            is_mock=False,
        )

    def models_called(self) -> list[str]:
        """The model of every call, in call order."""
        return [call.model for call in self.calls]
