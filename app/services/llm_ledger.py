"""The billed LLM calls in an AI node's output: one ledger entry per call a provider charged.

An agent node made one call; an orchestration made one per agent and one for its judge
(unless every agent agreed and the judge was skipped). Each call's `path` lists its
attempts: a failed attempt that the provider billed (it reports token counts, e.g. a
stream cut after output had arrived) is an entry of its own, with the failure as outcome.
Skips and failures that consumed nothing are not entries.

Entries are read from the output the node stored, so what the ledger says is what the run
shows. A node attempt that failed stored no output: its calls, noted as they were made
(`billed_calls`), give `unreported_entries` (their agent role is unknown). Pricing entries
needs the database (`ledger_store.ledger_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

AGENT_ROLE = "agent"
JUDGE_ROLE = "judge"
OK = "ok"

# Column widths of llm_calls: values are cut to fit (PostgreSQL refuses longer ones).
_ROLE_CHARS = 64
_PROVIDER_CHARS = 32
_NAME_CHARS = 200
_OUTCOME_CHARS = 32


@dataclass(frozen=True)
class LedgerEntry:
    """One billed call (or billed failed attempt), not yet priced.

    Attributes:
        agent_role: "agent" for an agent node; the agent's name in an orchestration;
            "judge" for its judge; None for a call of a node attempt that failed.
        provider: who answered ("mock" for the built-in mock).
        model: the model that answered.
        deployment: the deployment that answered.
        input_tokens: prompt tokens, cached ones included.
        output_tokens: completion tokens.
        cached_tokens: prompt tokens served from the provider's cache.
        latency_ms: wall time of this attempt.
        outcome: "ok", or how the billed attempt failed.
        is_fallback: at least one attempt of the same call came before this one.
        fallback_reason: the outcome of the attempt just before this one.
        is_mock: answered by the built-in mock provider.
        at: when the call was made (prices in force then apply).
    """

    agent_role: str | None
    provider: str
    model: str
    deployment: str
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    latency_ms: int
    outcome: str
    is_fallback: bool
    fallback_reason: str | None
    is_mock: bool
    at: datetime


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ms(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return 0
    return round(value)


def _outcome_of(attempt: dict[str, Any] | None) -> str | None:
    if attempt is None:
        return None
    outcome = _text(attempt.get("outcome"))
    return outcome[:_OUTCOME_CHARS] if outcome else None


def _failed_attempt(
    role: str | None, attempt: dict[str, Any], before: dict[str, Any] | None, at: datetime
) -> LedgerEntry | None:
    """The entry of a failed attempt the provider billed, or None when it billed nothing."""
    input_tokens = _count(attempt.get("input_tokens"))
    output_tokens = _count(attempt.get("output_tokens"))
    provider = _text(attempt.get("provider"))
    model = _text(attempt.get("model"))
    if (input_tokens is None and output_tokens is None) or provider is None or model is None:
        return None
    return LedgerEntry(
        agent_role=role,
        provider=provider[:_PROVIDER_CHARS],
        model=model[:_NAME_CHARS],
        deployment=(_text(attempt.get("deployment")) or model)[:_NAME_CHARS],
        input_tokens=input_tokens or 0,
        output_tokens=output_tokens or 0,
        cached_tokens=_count(attempt.get("cached_tokens")) or 0,
        latency_ms=_ms(attempt.get("latency_ms")),
        outcome=_outcome_of(attempt) or "error",
        is_fallback=before is not None,
        fallback_reason=_outcome_of(before),
        is_mock=False,
        at=at,
    )


def _billed_attempts(role: str | None, path: list[Any], at: datetime) -> list[LedgerEntry]:
    attempts = [a for a in path if isinstance(a, dict)]
    return [
        entry
        for index, attempt in enumerate(attempts)
        if (entry := _failed_attempt(role, attempt, attempts[index - 1] if index else None, at))
    ]


def _call_entries(role: str | None, call: Any, at: datetime) -> list[LedgerEntry]:
    """The entries of one call report (`call_report`'s shape): billed failed attempts of
    its path, then the answer."""
    if not isinstance(call, dict):
        return []
    provider, model = _text(call.get("provider")), _text(call.get("model"))
    tokens = call.get("tokens")
    if provider is None or model is None or not isinstance(tokens, dict):
        return []
    path = [a for a in call.get("path") or () if isinstance(a, dict)]
    answered = path[-1] if path and path[-1].get("outcome") == OK else None
    entries = _billed_attempts(role, path[:-1] if answered is not None else path, at)
    before = path[-2] if answered is not None and len(path) > 1 else None
    latency = answered.get("latency_ms") if answered is not None else call.get("latency_ms")
    deployment = _text(answered.get("deployment")) if answered is not None else None
    entries.append(
        LedgerEntry(
            agent_role=role,
            provider=provider[:_PROVIDER_CHARS],
            model=model[:_NAME_CHARS],
            deployment=(deployment or model)[:_NAME_CHARS],
            input_tokens=_count(tokens.get("input")) or 0,
            output_tokens=_count(tokens.get("output")) or 0,
            cached_tokens=_count(tokens.get("cached")) or 0,
            latency_ms=_ms(latency),
            outcome=OK,
            is_fallback=before is not None,
            fallback_reason=_outcome_of(before),
            is_mock=call.get("is_mock") is True,
            at=at,
        )
    )
    return entries


def ledger_entries(node_type: str, output: Any, *, at: datetime) -> list[LedgerEntry]:
    """Every billed call in an AI node's output, in the order they were made.

    Args:
        node_type: the node's type ("agent", "orchestration"; others bill nothing).
        output: what the node returned (None for a failed run).
        at: when the calls were made (the attempt's end).

    Returns:
        The entries; empty for other nodes and outputs without calls.
    """
    if not isinstance(output, dict):
        return []
    if node_type == "agent":
        return _call_entries(AGENT_ROLE, output, at)
    if node_type != "orchestration":
        return []
    entries: list[LedgerEntry] = []
    for agent in output.get("agents") or ():
        name = _text(agent.get("name")) if isinstance(agent, dict) else None
        entries += _call_entries((name or AGENT_ROLE)[:_ROLE_CHARS], agent, at)
    judge = output.get("judge")
    if isinstance(judge, dict) and not judge.get("skipped"):
        entries += _call_entries(JUDGE_ROLE, judge, at)
    return entries


def unreported_entries(calls: list[dict[str, Any]], *, at: datetime) -> list[LedgerEntry]:
    """The billed calls of a node attempt that failed, from the calls noted as it ran.

    Args:
        calls: `billed_calls.node_calls()`: call reports, and `{"failed": True, "path"}`
            for calls that failed (only their billed attempts are entries).
        at: when the attempt ended.

    Returns:
        The entries, with no agent role.
    """
    entries: list[LedgerEntry] = []
    for call in calls:
        if call.get("failed") is True:
            entries += _billed_attempts(None, list(call.get("path") or ()), at)
        else:
            entries += _call_entries(None, call, at)
    return entries
