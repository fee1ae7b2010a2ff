"""Price rows for ledger tests, inserted as `provider_pricing` rows (the prices the ledger
charges), and the ledger and rollups read back for comparison."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from app.models.cost import CostDaily, ExecutionDaily, LLMCall, PriceSource, ProviderPrice
from app.models.types import utc_now
from app.services.cost_rollups import DIMENSIONS
from app.services.price_lookup import forget_prices
from app.services.unit_of_work import session_scope

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def add_price(
    provider: str,
    model: str,
    usd_per_mtok: tuple[str, str] | tuple[str, str, str],
    *,
    since: datetime = LONG_AGO,
    source: PriceSource = PriceSource.LITELLM,
) -> None:
    """A price row: input, output (and cached) USD per million tokens as exact decimals."""
    micros = [round(float(usd) * 1_000_000) for usd in usd_per_mtok]
    with session_scope() as session:
        session.add(
            ProviderPrice(
                provider=provider,
                model=model,
                input_micros_per_mtok=micros[0],
                output_micros_per_mtok=micros[1],
                cached_micros_per_mtok=micros[2] if len(micros) > 2 else None,
                effective_from=since,
                source=source.value,
                created_at=utc_now(),
            )
        )
    forget_prices()


def ledger() -> list[Any]:
    """Every llm_calls row (named columns), oldest first."""
    table = LLMCall.__table__  # type: ignore[attr-defined]
    with session_scope(read_only=True) as session:
        return list(session.connection().execute(select(table).order_by(table.c.id)))


def cost_daily_rows() -> set[tuple[Any, ...]]:
    """llm_cost_daily as comparable tuples: day, dimensions, sums."""
    table = CostDaily.__table__  # type: ignore[attr-defined]
    sums = ["calls", "input_tokens", "output_tokens", "cached_tokens", "cost_micros"]
    with session_scope(read_only=True) as session:
        rows = session.connection().execute(
            select(table.c.day, *(table.c[n] for n in DIMENSIONS), *(table.c[n] for n in sums))
        )
        return {tuple(row) for row in rows}


def ledger_grouped() -> set[tuple[Any, ...]]:
    """llm_calls summed by UTC day and dimensions (what llm_cost_daily must hold)."""
    table = LLMCall.__table__  # type: ignore[attr-defined]
    dims = [table.c[n] for n in DIMENSIONS]
    with session_scope(read_only=True) as session:
        rows = session.connection().execute(
            select(
                table.c.created_at,
                *dims,
                table.c.input_tokens,
                table.c.output_tokens,
                table.c.cached_tokens,
                table.c.cost_micros,
            )
        )
        grouped: dict[tuple[Any, ...], list[int]] = {}
        for row in rows:
            key = (row[0].astimezone(UTC).date(), *row[1 : 1 + len(dims)])
            sums = grouped.setdefault(key, [0, 0, 0, 0, 0])
            sums[0] += 1
            for index, value in enumerate(row[1 + len(dims) :]):
                sums[index + 1] += value
        return {(*key, *sums) for key, sums in grouped.items()}


def execution_daily_rows() -> set[tuple[Any, ...]]:
    """execution_daily as (day, workflow_id, owner_id, runs, succeeded, failed,
    duration_ms_sum, succeeded_cost_micros)."""
    table = ExecutionDaily.__table__  # type: ignore[attr-defined]
    names = ["day", "workflow_id", "owner_id", "runs", "succeeded", "failed"]
    names += ["duration_ms_sum", "succeeded_cost_micros"]
    with session_scope(read_only=True) as session:
        return {
            tuple(r) for r in session.connection().execute(select(*(table.c[n] for n in names)))
        }


def ledger_total_micros() -> int:
    """The sum of every llm_calls row's cost."""
    table = LLMCall.__table__  # type: ignore[attr-defined]
    with session_scope(read_only=True) as session:
        return int(
            session.connection()
            .execute(select(func.coalesce(func.sum(table.c.cost_micros), 0)))
            .scalar_one()
        )
