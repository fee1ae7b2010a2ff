"""Which calls of an AI node's output are billed ledger entries (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.services.llm_ledger import ledger_entries, unreported_entries

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def call(
    model: str, *, tokens: tuple[int, int], path: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    """A call report as `call_report` writes it."""
    return {
        "model": model,
        "provider": "openai",
        "tokens": {"input": tokens[0], "output": tokens[1]},
        "cost_usd": 0.1,
        "latency_ms": 40.0,
        "is_mock": False,
        "path": path
        if path is not None
        else [{"deployment": model, "outcome": "ok", "latency_ms": 39.6}],
    } | extra


def test_an_agent_node_bills_its_one_call() -> None:
    (entry,) = ledger_entries("agent", {"text": "hi"} | call("gpt-4", tokens=(12, 3)), at=AT)
    assert (entry.agent_role, entry.provider, entry.model, entry.deployment) == (
        "agent",
        "openai",
        "gpt-4",
        "gpt-4",
    )
    assert (entry.input_tokens, entry.output_tokens, entry.cached_tokens) == (12, 3, 0)
    assert (entry.outcome, entry.is_fallback, entry.fallback_reason) == ("ok", False, None)
    assert (entry.latency_ms, entry.at, entry.is_mock) == (40, AT, False)


def test_a_billed_failed_attempt_is_an_entry_of_its_own_and_skips_are_not() -> None:
    path = [
        {"deployment": "east", "outcome": "breaker_open"},
        {
            "deployment": "west",
            "outcome": "stream_cut",
            "latency_ms": 12.4,
            "provider": "openai",
            "model": "gpt-4",
            "input_tokens": 9,
            "output_tokens": 4,
        },
        {"deployment": "north", "outcome": "server_error", "latency_ms": 3.0},
        {"deployment": "backup", "outcome": "ok", "latency_ms": 20.0},
    ]
    output = call("gpt-4o", tokens=(9, 5), path=path)
    cut, answer = ledger_entries("agent", output, at=AT)
    assert (cut.outcome, cut.deployment, cut.model, cut.input_tokens, cut.output_tokens) == (
        "stream_cut",
        "west",
        "gpt-4",
        9,
        4,
    )
    assert (cut.is_fallback, cut.fallback_reason, cut.latency_ms) == (True, "breaker_open", 12)
    assert (answer.outcome, answer.deployment, answer.model) == ("ok", "backup", "gpt-4o")
    assert (answer.is_fallback, answer.fallback_reason) == (True, "server_error")
    assert answer.latency_ms == 20


def test_an_orchestration_bills_each_agent_and_its_judge() -> None:
    agents = [
        {"name": name} | call(f"m-{name}", tokens=(10, i + 1))
        for i, name in enumerate(["Ann", "Bob", "Cy"])
    ]
    judge = {"choice": 1, "skipped": False, "text": "1"} | call("judge-model", tokens=(30, 1))
    entries = ledger_entries("orchestration", {"agents": agents, "judge": judge}, at=AT)
    assert [(e.agent_role, e.model, e.output_tokens) for e in entries] == [
        ("Ann", "m-Ann", 1),
        ("Bob", "m-Bob", 2),
        ("Cy", "m-Cy", 3),
        ("judge", "judge-model", 1),
    ]
    skipped = {"model": "judge-model", "text": None, "skipped": True}
    assert len(ledger_entries("orchestration", {"agents": agents, "judge": skipped}, at=AT)) == 3


def test_cached_tokens_and_mock_answers_are_carried() -> None:
    output = call("gpt-4o", tokens=(100, 5)) | {"is_mock": True}
    output["tokens"]["cached"] = 60
    (entry,) = ledger_entries("agent", output, at=AT)
    assert (entry.cached_tokens, entry.is_mock) == (60, True)


def test_other_nodes_failed_runs_and_odd_outputs_bill_nothing() -> None:
    assert ledger_entries("http_request", call("gpt-4", tokens=(1, 1)), at=AT) == []
    assert ledger_entries("agent", None, at=AT) == []
    assert ledger_entries("agent", {"text": "no call report"}, at=AT) == []
    assert ledger_entries("orchestration", {"agents": ["odd", None], "judge": "x"}, at=AT) == []
    long_name = {"name": "x" * 100} | call("m", tokens=(1, 1))
    (entry,) = ledger_entries("orchestration", {"agents": [long_name]}, at=AT)
    assert entry.agent_role == "x" * 64


def test_calls_noted_for_a_failed_attempt_are_entries_without_a_role() -> None:
    answered = call("gpt-4o", tokens=(20, 4))
    failed = {
        "failed": True,
        "path": [
            {
                "deployment": "east",
                "outcome": "stream_cut",
                "provider": "openai",
                "model": "gpt-4",
                "input_tokens": 8,
                "output_tokens": 2,
                "latency_ms": 5.0,
            },
            {"deployment": "west", "outcome": "server_error"},
        ],
    }
    entries = unreported_entries([answered, failed], at=AT)
    assert [(e.agent_role, e.model, e.outcome, e.input_tokens) for e in entries] == [
        (None, "gpt-4o", "ok", 20),
        (None, "gpt-4", "stream_cut", 8),
    ]
