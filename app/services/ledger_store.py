"""Writing the cost ledger: a node run's billed calls priced, inserted and rolled up.

Runs in the transaction that writes the node run (the group-commit writer), so the run,
its `llm_calls` rows, `llm_cost_daily` and the node run's totals are committed together.
Prices come from `price_lookup` (cached per process), so a node pays one multi-row INSERT
and one upsert, not a statement per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from app.llm.cost import cost_micros
from app.models.cost import MICROS_PER_USD
from app.services.cost_rollups import LLM_CALLS, add_cost_daily
from app.services.llm_ledger import LedgerEntry
from app.services.llm_usage import NodeUsage
from app.services.price_lookup import price_for

_INSERT_CALLS = LLM_CALLS.insert()


@dataclass(frozen=True)
class LedgerContext:
    """What every ledger row of a run says about the run.

    Attributes:
        workflow_id: the workflow that ran.
        workflow_version_id: the version that ran (None: run before versions existed).
        version_number: that version's number.
        owner_id: the workflow's owner.
    """

    workflow_id: int | None
    workflow_version_id: int | None = None
    version_number: int | None = None
    owner_id: int | None = None


def ledger_rows(
    connection: Connection,
    entries: Sequence[LedgerEntry],
    *,
    context: LedgerContext,
    execution_id: int,
    node_id: str,
) -> list[dict[str, Any]]:
    """The `llm_calls` values of a node run's entries, each priced at its call's time
    (the node run's id is set by `write_ledger`, once the row exists).

    Returns:
        One dict per entry; `priced` is False (and the cost 0) where no price was in force.
    """
    rows = []
    for entry in entries:
        price = price_for(connection, provider=entry.provider, model=entry.model, at=entry.at)
        cost = 0
        if price is not None:
            cost = cost_micros(
                price,
                input_tokens=entry.input_tokens,
                output_tokens=entry.output_tokens,
                cached_tokens=entry.cached_tokens,
            )
        rows.append(
            {
                "created_at": entry.at,
                "execution_id": execution_id,
                "node_id": node_id,
                "agent_role": entry.agent_role,
                "workflow_id": context.workflow_id,
                "workflow_version_id": context.workflow_version_id,
                "version_number": context.version_number,
                "owner_id": context.owner_id,
                "provider": entry.provider,
                "model": entry.model,
                "deployment": entry.deployment,
                "input_tokens": entry.input_tokens,
                "output_tokens": entry.output_tokens,
                "cached_tokens": min(entry.cached_tokens, entry.input_tokens),
                "cost_micros": cost,
                "priced": price is not None,
                "latency_ms": entry.latency_ms,
                "outcome": entry.outcome,
                "is_fallback": entry.is_fallback,
                "fallback_reason": entry.fallback_reason,
                "is_mock": entry.is_mock,
            }
        )
    return rows


def usage_of(rows: Sequence[dict[str, Any]], *, is_mock: bool) -> NodeUsage:
    """A node run's totals derived from its ledger rows: tokens summed, cost the sum of the
    priced rows in USD (None when none was priced, as for an unknown model)."""
    priced = [row["cost_micros"] for row in rows if row["priced"]]
    return NodeUsage(
        tokens_in=sum(row["input_tokens"] for row in rows),
        tokens_out=sum(row["output_tokens"] for row in rows),
        cost_usd=sum(priced) / MICROS_PER_USD if priced else None,
        is_mock=is_mock,
    )


def write_ledger(connection: Connection, rows: Sequence[dict[str, Any]], node_run_id: int) -> None:
    """Insert a node run's ledger rows (one multi-row INSERT) and add them to the daily
    rollup."""
    if rows:
        connection.execute(_INSERT_CALLS, [row | {"node_run_id": node_run_id} for row in rows])
        add_cost_daily(connection, rows)
