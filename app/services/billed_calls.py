"""The LLM calls a node attempt made, kept for when the attempt fails.

A node that succeeds reports its calls in its output (the ledger reads them there). One that
fails after calls were billed reports nothing: an agent whose answer was not the JSON it
asked for, an orchestration whose second agent failed after the first answered, a call whose
every attempt failed after a cut stream was billed. `BilledCallsLLM` wraps the run's LLM
port and notes each call's report (or its failed attempts) in a list of the node attempt's
task (`start_node_calls`, a context variable: the tasks an orchestration starts share it),
so that the ledger can still charge them (`node_calls`).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from app.engine.llm_port import LLMAnswer, LLMPort
from app.engine.nodes.llm_calls import call_report
from app.llm.errors import LLMCallFailed

_calls: ContextVar[list[dict[str, Any]] | None] = ContextVar("flowbook_node_calls", default=None)


def start_node_calls() -> None:
    """Start noting the calls of the node attempt running in the current task."""
    _calls.set([])


def node_calls() -> list[dict[str, Any]]:
    """The calls noted for the current task's node attempt: call reports (`call_report`'s
    shape) and, for calls that failed, `{"failed": True, "path": [attempt dicts]}`."""
    return list(_calls.get() or ())


def _note(call: dict[str, Any]) -> None:
    noted = _calls.get()
    if noted is not None:
        noted.append(call)


class BilledCallsLLM:
    """An `LLMPort` that notes every call it passes on (see the module's docstring)."""

    def __init__(self, inner: LLMPort) -> None:
        """Wraps the run's LLM port.

        Args:
            inner: the port that makes the calls.
        """
        self.inner = inner

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
        """Answer one prompt through the wrapped port, noting the call (see `LLMPort`).

        Raises:
            Exception: whatever the wrapped port raises.
        """
        try:
            answer = await self.inner.complete(
                prompt=prompt,
                system=system,
                model=model,
                temperature=temperature,
                max_tokens=max_tokens,
                json_output=json_output,
                fallbacks=fallbacks,
            )
        except LLMCallFailed as failed:
            _note({"failed": True, "path": [attempt.to_dict() for attempt in failed.path]})
            raise
        _note(call_report(answer))
        return answer
