"""The ledger's money on SQLite and PostgreSQL: each billed call priced in integer
micro-dollars at its time (overrides, effective dates, cached tokens), node totals equal to
the sum of their rows, a billed failed attempt its own row, and the daily rollup equal to a
GROUP BY of the ledger (kept up to date and rebuilt)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.engine.nodes.llm_calls import call_report
from app.llm.engine_adapter import to_answer
from app.models.cost import PriceSource
from app.services import executions
from app.services.cost_rollups import REBUILD_ROLLUPS
from app.services.ledger_store import LedgerContext, ledger_rows, usage_of, write_ledger
from app.services.llm_ledger import LedgerEntry, ledger_entries
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import greeting
from tests.llm.fake_server import FakeLLMServer, answer, cut
from tests.llm.test_fallback import ask, client_for
from tests.records import execution_detail, make_workflow
from tests.services.ledger_prices import (
    add_price,
    cost_daily_rows,
    execution_daily_rows,
    ledger,
    ledger_grouped,
    ledger_total_micros,
)

JUNE_2025 = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
MARCH_2026 = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)


def entry(provider: str, model: str, tokens: tuple[int, int, int], at: datetime) -> LedgerEntry:
    return LedgerEntry(
        agent_role="agent",
        provider=provider,
        model=model,
        deployment=model,
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        cached_tokens=tokens[2],
        latency_ms=10,
        outcome="ok",
        is_fallback=False,
        fallback_reason=None,
        is_mock=provider == "mock",
        at=at,
    )


async def an_execution() -> tuple[int, int, LedgerContext]:
    """A finished execution of a new workflow: (execution id, a node run id, its context)."""
    workflow_id = make_workflow(greeting())
    done = await executions.run_execution_inline(principal=SYSTEM, workflow_id=workflow_id)
    node_run_id = execution_detail(done.id).node_runs[0].id
    return done.id, node_run_id, LedgerContext(workflow_id, None, None, None)


def write(
    entries: list[LedgerEntry], execution_id: int, node_run_id: int, ctx: LedgerContext
) -> list[dict[str, Any]]:
    with session_scope() as session:
        connection = session.connection()
        rows = ledger_rows(
            connection, entries, context=ctx, execution_id=execution_id, node_id="ask"
        )
        write_ledger(connection, rows, node_run_id)
    return rows


@pytest.fixture
def prices(db_url: str) -> None:
    """gpt-4 at $30/$60, overridden from 2026 at $20/$40 (and a future override not yet in
    force); claude-3-haiku $0.25/$1.25 with cached input at $0.03; gemini-1.5-flash
    $0.07/$0.30, a later map price never overriding the override."""
    add_price("openai", "gpt-4", ("30", "60"))
    add_price(
        "openai",
        "gpt-4",
        ("20", "40"),
        since=datetime(2026, 1, 1, tzinfo=UTC),
        source=PriceSource.OVERRIDE,
    )
    add_price(
        "openai",
        "gpt-4",
        ("1", "1"),
        since=datetime(2099, 1, 1, tzinfo=UTC),
        source=PriceSource.OVERRIDE,
    )
    add_price("anthropic", "claude-3-haiku", ("0.25", "1.25", "0.03"))
    add_price("gemini", "gemini-1.5-flash", ("0.07", "0.30"))


@pytest.mark.usefixtures("prices")
async def test_costs_are_exact_micro_dollars_at_each_calls_time(db_url: str) -> None:
    execution_id, node_run_id, ctx = await an_execution()
    entries = [
        # 1234 * 30 + 567 * 60 = 37,020 + 34,020
        entry("openai", "gpt-4", (1234, 567, 0), JUNE_2025),
        # the override in force: 1234 * 20 + 567 * 40 = 24,680 + 22,680
        entry("openai", "gpt-4", (1234, 567, 0), MARCH_2026),
        # 6,001 uncached * 0.25 = 1,500.25 -> 1,500; 4,000 cached * 0.03 = 120;
        # 333 * 1.25 = 416.25 -> 416
        entry("anthropic", "claude-3-haiku", (10_001, 333, 4_000), MARCH_2026),
        # 12,345 * 0.07 = 864.15 -> 864; 6,789 * 0.30 = 2,036.7 -> 2,037
        entry("gemini", "gemini-1.5-flash", (12_345, 6_789, 0), MARCH_2026),
        # 1 * 0.07 = 0.07 -> 0; 2 * 0.30 = 0.6 -> 1 (half up per token kind)
        entry("gemini", "gemini-1.5-flash", (1, 2, 0), MARCH_2026),
        entry("mock", "gpt-4", (50, 50, 0), MARCH_2026),
        entry("openai", "no-such-model", (50, 50, 0), MARCH_2026),
    ]
    rows = write(entries, execution_id, node_run_id, ctx)

    stored = ledger()
    assert [row.cost_micros for row in stored] == [71_040, 47_360, 2_036, 2_901, 1, 0, 0]
    assert [row.priced for row in stored] == [True] * 6 + [False]
    assert [row.cached_tokens for row in stored] == [0, 0, 4_000, 0, 0, 0, 0]
    assert {(row.execution_id, row.node_run_id, row.workflow_id) for row in stored} == {
        (execution_id, node_run_id, ctx.workflow_id)
    }
    usage = usage_of(rows, is_mock=False)
    assert usage.cost_usd == 123_338 / 1_000_000
    assert (usage.tokens_in, usage.tokens_out) == (
        sum(e.input_tokens for e in entries),
        sum(e.output_tokens for e in entries),
    )


@pytest.mark.usefixtures("prices")
async def test_the_daily_rollup_is_the_ledger_grouped_and_rebuilds_to_the_same(
    db_url: str,
) -> None:
    execution_id, node_run_id, ctx = await an_execution()
    other = LedgerContext(ctx.workflow_id, None, 3, None)
    write([entry("openai", "gpt-4", (10, 10, 0), JUNE_2025)] * 2, execution_id, node_run_id, ctx)
    write(
        [
            entry("openai", "gpt-4", (7, 1, 0), MARCH_2026),
            entry("anthropic", "claude-3-haiku", (100, 3, 50), MARCH_2026),
        ],
        execution_id,
        node_run_id,
        ctx,
    )
    write([entry("openai", "gpt-4", (7, 1, 0), MARCH_2026)], execution_id, node_run_id, other)

    kept = cost_daily_rows()
    assert kept == ledger_grouped()
    assert len(kept) == 4  # June; March gpt-4 and haiku; March gpt-4 of version 3
    with session_scope() as session:
        REBUILD_ROLLUPS(session.connection())
    assert cost_daily_rows() == kept
    # The execution finished before these rows were written (as no run does): the rebuild
    # counts them as its cost.
    (*_counts, cost) = execution_daily_rows().pop()
    assert cost == ledger_total_micros()


@pytest.mark.usefixtures("fake_key")
async def test_a_billed_failed_attempt_is_its_own_row(
    db_url: str, fake_server: FakeLLMServer
) -> None:
    add_price("openai_compatible", "primary", ("2", "8"))
    add_price("openai_compatible", "backup", ("1", "4"))
    fake_server.set("primary", cut("The partial answer that"))
    fake_server.set("backup", answer("The complete answer from the backup"))
    async with client_for(fake_server, "primary", "backup") as client:
        response = await client.complete(ask("primary", "backup", stream=True))
    output = {"text": response.text} | call_report(to_answer(response))
    execution_id, node_run_id, ctx = await an_execution()

    write(ledger_entries("agent", output, at=MARCH_2026), execution_id, node_run_id, ctx)

    cut_row, answer_row = ledger()
    # The cut attempt: "Say hello" ~3 tokens in, "The partial answer that" ~6 out.
    assert (cut_row.deployment, cut_row.outcome, cut_row.is_fallback) == (
        "primary",
        "stream_cut",
        False,
    )
    assert (cut_row.input_tokens, cut_row.output_tokens, cut_row.cost_micros) == (3, 6, 6 + 48)
    assert (answer_row.deployment, answer_row.outcome, answer_row.is_fallback) == (
        "backup",
        "ok",
        True,
    )
    assert answer_row.fallback_reason == "stream_cut"
    tokens = (response.input_tokens, response.output_tokens)
    assert (answer_row.input_tokens, answer_row.output_tokens) == tokens
    assert answer_row.cost_micros == tokens[0] * 1 + tokens[1] * 4
