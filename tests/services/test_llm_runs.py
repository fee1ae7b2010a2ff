"""Agent nodes in persisted runs on SQLite and PostgreSQL: provider settings reach the wire,
the node-run cost ledger is filled, fallbacks are recorded with their execution and node, the
breaker is visible, mock use is labelled, and keys never show up anywhere."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from app.llm import CostCalculator, LLMClient, Price
from app.models.cost import MICROS_PER_USD, PriceSource, ProviderPrice
from app.models.llm import ProviderSettingUpdate
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import execution_reads, executions, llm_monitoring, llm_settings, workflows
from app.services.price_lookup import forget_prices
from app.services.principal import SYSTEM
from app.services.run_services import (
    close_llm_client,
    llm_for_current_loop,
    new_llm_client,
    use_llm_client,
)
from app.services.unit_of_work import session_scope
from tests.documents import chain, node
from tests.llm.fake_server import FakeLLMServer, answer, error

SECRET = "sk-settings-9f8e7d6c5b4a3210QRST"
PRICES = {"openai_compatible/backup": Price(input_per_mtok=1_000.0, output_per_mtok=2_000.0)}


pytestmark = pytest.mark.usefixtures("no_provider_keys")


@pytest.fixture
async def priced_client(db_url: str) -> AsyncIterator[LLMClient]:
    """The runs' client on this loop, with a price for the fake backup model (in the
    client's calculator and in `provider_pricing`, which the ledger charges)."""
    with session_scope() as session:
        session.add(
            ProviderPrice(
                provider="openai_compatible",
                model="backup",
                input_micros_per_mtok=1_000 * MICROS_PER_USD,
                output_micros_per_mtok=2_000 * MICROS_PER_USD,
                effective_from=utc_now().replace(year=2020),
                source=PriceSource.LITELLM.value,
                created_at=utc_now(),
            )
        )
    forget_prices()
    client = new_llm_client(costs=CostCalculator(PRICES))
    use_llm_client(client)
    yield client
    await client.aclose()


def configure_fake_provider(server: FakeLLMServer, **changes: Any) -> None:
    data = {"api_key": SECRET, "api_base": server.base_url} | changes
    with session_scope() as session:
        llm_settings.update_provider(
            session,
            principal=SYSTEM,
            provider="openai_compatible",
            data=ProviderSettingUpdate.model_validate(data),
        )


async def run_agent(**config: Any) -> Any:
    document = chain(
        node("start", "manual_trigger"),
        node("ask", "agent", **config),
        node("result", "output"),
    )
    with session_scope() as session:
        workflow_id = workflows.create_workflow(
            session, principal=SYSTEM, data=WorkflowCreate(name="Ask", definition=document)
        ).id
        started = executions.start_execution(session, principal=SYSTEM, workflow_id=workflow_id)
    done = await execution_reads.wait_for_execution(execution_id=started.id, timeout_s=15)
    with session_scope(read_only=True) as session:
        return execution_reads.get_execution_detail(session, principal=SYSTEM, execution_id=done.id)


@pytest.mark.usefixtures("priced_client")
async def test_an_agent_run_fills_the_ledger_and_records_its_fallback(
    db_url: str, fake_server: FakeLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQL logging on too (an operator debugging): statement parameters must stay hidden.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    fake_server.set("primary", error(500, body="bad credentials {auth}"))
    fake_server.set("backup", answer("three word answer"))
    configure_fake_provider(fake_server)

    detail = await run_agent(
        model="openai_compatible/primary",
        fallbacks=["openai_compatible/backup"],
        prompt="Say hello",
    )

    assert detail.status == "succeeded", detail.error
    assert detail.uses_mock is False
    assert [r.authorization for r in fake_server.received] == [f"Bearer {SECRET}"] * 2
    (ask,) = [r for r in detail.node_runs if r.node_id == "ask"]
    # The fake server counts words: 2 prompt words + 7, and 3 answer words.
    assert (ask.tokens_in, ask.tokens_out) == (9, 3)
    assert ask.cost_usd == pytest.approx((9 * 1_000 + 3 * 2_000) / 1_000_000)
    assert ask.output["is_mock"] is False
    assert [r.cost_usd for r in detail.node_runs if r.node_id != "ask"] == [None, None]

    with session_scope(read_only=True) as session:
        events = llm_monitoring.recent_fallbacks(session, limit=10)
        breakers = llm_monitoring.breaker_states(session)
    assert [
        (e.execution_id, e.node_id, e.from_deployment, e.to_deployment, e.reason) for e in events
    ] == [
        (detail.id, "ask", "openai_compatible/primary", "openai_compatible/backup", "server_error")
    ]
    assert "[redacted]" in (events[0].detail or "")
    assert [(b.deployment, b.phase, b.failures_in_window) for b in breakers] == [
        ("openai_compatible/primary", "closed", 1)
    ]
    everything = [detail.model_dump_json(), *(e.model_dump_json() for e in events), caplog.text]
    assert all(SECRET not in text for text in everything)


@pytest.mark.usefixtures("priced_client")
async def test_a_disabled_provider_is_replaced_by_the_labelled_mock(
    db_url: str, fake_server: FakeLLMServer
) -> None:
    configure_fake_provider(fake_server, enabled=False)
    detail = await run_agent(model="openai_compatible/backup", prompt="Say hello")
    assert detail.status == "succeeded", detail.error
    assert detail.uses_mock is True
    (ask,) = [r for r in detail.node_runs if r.node_id == "ask"]
    assert ask.output["text"].startswith("[mock] Answer ")
    assert ask.output["text"].endswith(": Say hello")
    assert ask.output["path"][0]["error"] == "provider disabled in settings"
    assert (ask.cost_usd, ask.tokens_out) == (0.0, ask.output["tokens"]["output"])
    assert fake_server.calls == {}


async def test_without_keys_runs_use_the_mock_and_say_so(db_url: str) -> None:
    detail = await run_agent(model="gpt-4o-mini", prompt="Translate bonjour")
    assert detail.status == "succeeded", detail.error
    assert detail.uses_mock is True
    with session_scope(read_only=True) as session:
        (listed,) = execution_reads.list_executions(session, principal=SYSTEM).items
    assert listed.uses_mock is True
    (ask,) = [r for r in detail.node_runs if r.node_id == "ask"]
    assert ask.output["is_mock"] is True and ask.cost_usd == 0.0
    assert ask.tokens_in is not None and ask.tokens_in > 0


async def test_shut_down_closes_the_loops_client() -> None:
    first = llm_for_current_loop()
    await close_llm_client()
    second = llm_for_current_loop()
    assert second is not first, "a closed client is never handed out again"
    await close_llm_client()
