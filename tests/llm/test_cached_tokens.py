"""Cached prompt tokens travel from the provider's usage to the node's call report, where the
ledger charges them at the cached price."""

from __future__ import annotations

from app.engine.nodes.llm_calls import call_report
from app.llm.engine_adapter import to_answer
from app.llm.transport_http import cached_tokens
from app.llm.types import LLMResponse


def response(cached: int) -> LLMResponse:
    return LLMResponse(
        text="hi",
        input_tokens=100,
        output_tokens=5,
        cost_usd=0.01,
        provider="openai",
        model="gpt-4o",
        deployment="gpt-4o",
        latency_ms=12.0,
        cached_tokens=cached,
    )


def test_openai_usage_details_give_the_cached_tokens() -> None:
    usage = {"prompt_tokens": 100, "prompt_tokens_details": {"cached_tokens": 64}}
    assert cached_tokens({"usage": usage}) == 64
    assert cached_tokens({"usage": {"prompt_tokens": 100}}) is None
    assert cached_tokens({"usage": {"prompt_tokens_details": {"cached_tokens": True}}}) is None
    assert cached_tokens({}) is None


def test_the_call_report_says_cached_tokens_only_when_there_were_some() -> None:
    assert call_report(to_answer(response(64)))["tokens"] == {
        "input": 100,
        "output": 5,
        "cached": 64,
    }
    assert call_report(to_answer(response(0)))["tokens"] == {"input": 100, "output": 5}
