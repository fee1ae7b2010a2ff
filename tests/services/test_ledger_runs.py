"""The ledger of persisted runs on SQLite and PostgreSQL: an orchestration of three agents
and a judge writes four priced rows whose sum is the node run's and the execution's cost,
in the run's own transactions; finished runs are counted in execution_daily (succeeded with
their cost, failed; cancelled not), equal to what REBUILD_ROLLUPS recomputes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from app.models.orchestration import OrchestrationCreate
from app.models.types import utc_now
from app.services import execution_reads, executions, orchestrations
from app.services.cost_rollups import REBUILD_ROLLUPS
from app.services.principal import SYSTEM
from app.services.run_services import new_llm_client, use_llm_client
from app.services.unit_of_work import session_scope
from tests.documents import chain, node, slow
from tests.llm.fake_server import FakeLLMServer, answer, error
from tests.records import execution_detail, make_workflow
from tests.services.ledger_prices import (
    add_price,
    cost_daily_rows,
    execution_daily_rows,
    ledger,
    ledger_grouped,
)
from tests.services.test_llm_runs import configure_fake_provider

pytestmark = pytest.mark.usefixtures("no_provider_keys")

# USD per million tokens (input, output) of the fake server's models.
PRICES = {"ann": ("3", "15"), "bob": ("0.5", "1.5"), "cy": ("10", "30"), "judge": ("30", "60")}


@pytest.fixture
async def priced_fake(db_url: str, fake_server: FakeLLMServer) -> AsyncIterator[FakeLLMServer]:
    """The fake provider configured, its models priced in provider_pricing, and a client
    for the runs on this loop."""
    configure_fake_provider(fake_server)
    for model, price in PRICES.items():
        add_price("openai_compatible", model, price)
    client = new_llm_client()
    use_llm_client(client)
    yield fake_server
    await client.aclose()


def expected_micros(row: Any) -> int:
    """A row's cost by hand: tokens times the model's price per million, half up."""
    usd_in, usd_out = PRICES[row.model]
    micros_in, micros_out = round(float(usd_in) * 1e6), round(float(usd_out) * 1e6)
    return (row.input_tokens * micros_in + 500_000) // 1_000_000 + (
        row.output_tokens * micros_out + 500_000
    ) // 1_000_000


async def test_an_orchestration_of_three_agents_and_a_judge_writes_four_rows(
    priced_fake: FakeLLMServer,
) -> None:
    priced_fake.set("ann", answer("a cat suits a small flat"))
    priced_fake.set("bob", answer("a fish"))
    priced_fake.set("cy", answer("dogs need room to run around all day"))
    priced_fake.set("judge", answer("1"))
    agents = [
        {"name": name.title(), "model": f"openai_compatible/{name}"}
        for name in ("ann", "bob", "cy")
    ]
    data = OrchestrationCreate.model_validate(
        {
            "name": "Pet panel",
            "agents": agents,
            "strategy": "consensus",
            "voting": "judge",
            "judge_model": "openai_compatible/judge",
        }
    )
    with session_scope() as session:
        orchestration_id = orchestrations.create_orchestration(
            session, principal=SYSTEM, data=data
        ).id
        started = orchestrations.run_orchestration(
            session, principal=SYSTEM, orchestration_id=orchestration_id, input="Which pet?"
        )
    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)
    assert done.status == "succeeded", done.error
    detail = execution_detail(done.id)
    (panel,) = [run for run in detail.node_runs if run.node_type == "orchestration"]

    rows = ledger()
    assert [(r.agent_role, r.model, r.outcome) for r in rows] == [
        ("Ann", "ann", "ok"),
        ("Bob", "bob", "ok"),
        ("Cy", "cy", "ok"),
        ("judge", "judge", "ok"),
    ]
    assert all(r.cost_micros == expected_micros(r) > 0 for r in rows)
    assert {(r.execution_id, r.node_run_id, r.node_id, r.workflow_id) for r in rows} == {
        (done.id, panel.id, panel.node_id, orchestration_id)
    }
    assert {(r.workflow_version_id, r.version_number) for r in rows} == {
        (done.version_id, done.version_number)
    }
    total = sum(r.cost_micros for r in rows)
    assert panel.cost_usd == total / 1_000_000
    assert (panel.tokens_in, panel.tokens_out) == (
        sum(r.input_tokens for r in rows),
        sum(r.output_tokens for r in rows),
    )
    execution_micros = sum(round((run.cost_usd or 0) * 1_000_000) for run in detail.node_runs)
    assert execution_micros == total
    assert cost_daily_rows() == ledger_grouped()
    ((_day, workflow_id, _owner, runs, succeeded, failed, _ms, cost),) = execution_daily_rows()
    assert (workflow_id, runs, succeeded, failed, cost) == (orchestration_id, 1, 1, 0, total)


async def run(workflow_id: int) -> Any:
    with session_scope() as session:
        started = executions.start_execution(session, principal=SYSTEM, workflow_id=workflow_id)
    return await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)


async def test_finished_runs_are_counted_per_day_and_workflow_and_rebuild_the_same(
    priced_fake: FakeLLMServer,
) -> None:
    priced_fake.set("ann", answer("fine"))
    priced_fake.set("bob", error(400, body="bad request"))
    asks = make_workflow(
        chain(node("start", "manual_trigger"), node("ask", "agent", model="openai_compatible/ann"))
    )
    fails = make_workflow(
        chain(node("start", "manual_trigger"), node("ask", "agent", model="openai_compatible/bob"))
    )
    waits = make_workflow(slow(30))
    first, second = await run(asks), await run(asks)
    assert (first.status, second.status) == ("succeeded", "succeeded")
    assert (await run(fails)).status == "failed"
    with session_scope() as session:
        started = executions.start_execution(session, principal=SYSTEM, workflow_id=waits)
    await asyncio.sleep(0.2)
    with session_scope() as session:
        executions.cancel_execution(session, principal=SYSTEM, execution_id=started.id)
    cancelled = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)
    assert cancelled.status == "cancelled"

    kept = execution_daily_rows()
    day = utc_now().date()
    cost = sum(r.cost_micros for r in ledger())
    durations = {
        done.id: (done.finished_at - done.started_at) // timedelta(milliseconds=1)
        for done in (first, second)
    }
    assert cost == 2 * expected_micros(ledger()[0]) > 0
    assert {row[:6] + row[7:] for row in kept} == {
        (day, asks, None, 2, 2, 0, cost),
        (day, fails, None, 1, 0, 1, 0),
    }
    (asks_row,) = [row for row in kept if row[1] == asks]
    assert asks_row[6] == sum(durations.values())
    with session_scope() as session:
        REBUILD_ROLLUPS(session.connection())
    assert execution_daily_rows() == kept


async def test_calls_of_a_failed_node_are_still_charged(priced_fake: FakeLLMServer) -> None:
    priced_fake.set("ann", answer("not json at all"))
    priced_fake.set("bob", error(400, body="bad request"))
    wants_json = make_workflow(
        chain(
            node("start", "manual_trigger"),
            node("ask", "agent", model="openai_compatible/ann", json_output=True),
        )
    )
    panel = make_workflow(
        chain(
            node("start", "manual_trigger"),
            node(
                "panel",
                "orchestration",
                strategy="sequential",
                agents=[
                    {"name": "First", "model": "openai_compatible/ann"},
                    {"name": "Second", "model": "openai_compatible/bob"},
                ],
            ),
        )
    )

    invalid = await run(wants_json)
    half_done = await run(panel)

    assert (invalid.status, half_done.status) == ("failed", "failed")
    rows = ledger()
    assert [(r.execution_id, r.node_id, r.model, r.agent_role) for r in rows] == [
        (invalid.id, "ask", "ann", None),
        (half_done.id, "panel", "ann", None),
    ]
    assert all(r.cost_micros == expected_micros(r) > 0 for r in rows)
    for done, row in zip((invalid, half_done), rows, strict=True):
        (failed_run,) = [r for r in execution_detail(done.id).node_runs if r.status == "failed"]
        assert (failed_run.id, failed_run.cost_usd) == (row.node_run_id, row.cost_micros / 1e6)
        assert failed_run.tokens_in == row.input_tokens
