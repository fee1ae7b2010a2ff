"""Persisted runs that call LLMs run no SQL on the event loop's thread, on SQLite and
PostgreSQL: the circuit breaker's store, the fallback recorder, the provider settings and the
run's own rows all go through the database threads. Every statement executed while the runs
go is checked by the thread it runs on (a `before_cursor_execute` listener)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from app.services import execution_reads, executions, llm_settings, reactive_runs
from app.services.principal import SYSTEM
from app.services.run_services import close_llm_client
from tests.documents import chain, node
from tests.llm.fake_server import FakeLLMServer, answer, error
from tests.records import make_workflow
from tests.services.test_llm_runs import configure_fake_provider
from tests.sql_threads import statements_on_this_thread

pytestmark = pytest.mark.usefixtures("no_provider_keys")


@pytest.fixture(autouse=True)
def settings_never_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read of the provider settings goes to the database (as when the short-lived
    cache has just expired), so that a read on the loop cannot hide behind the cache."""
    monkeypatch.setattr(llm_settings, "SETTINGS_TTL_S", 0.0)


def create_agent_workflow(**config: Any) -> int:
    document = chain(
        node("start", "manual_trigger"),
        node("ask", "agent", **config),
        node("result", "output"),
    )
    return make_workflow(document, "Ask")


async def run_all(workflow_ids: list[int], *, reactive: bool = False) -> list[str]:
    """Starts one run per workflow (and a reactive one too) and waits for all of them."""
    started = [
        await executions.start_execution_async(principal=SYSTEM, workflow_id=w)
        for w in workflow_ids
    ]
    if reactive:
        started += [
            await reactive_runs.start_reactive_run_async(
                principal=SYSTEM, workflow_id=w, mode="all"
            )
            for w in workflow_ids
        ]
    done = await asyncio.gather(
        *(execution_reads.wait_for_execution(execution_id=s.id, timeout_s=30) for s in started)
    )
    return [d.status for d in done]


async def test_mock_agent_runs_keep_sql_off_the_loop(db_url: str) -> None:
    workflow_ids = [create_agent_workflow(model="gpt-4o-mini", prompt="Hi") for _ in range(3)]
    with statements_on_this_thread() as on_loop:
        statuses = await run_all(workflow_ids, reactive=True)
        await close_llm_client()
    assert statuses == ["succeeded"] * 6
    assert not on_loop, "SQL on the event loop:\n" + "\n".join(on_loop)


async def test_http_agent_runs_with_fallbacks_keep_sql_off_the_loop(
    db_url: str, fake_server: FakeLLMServer
) -> None:
    fake_server.set("primary", error(500))
    fake_server.set("backup", answer("from backup"))
    configure_fake_provider(fake_server)
    config = {
        "model": "openai_compatible/primary",
        "fallbacks": ["openai_compatible/backup"],
        "prompt": "Hi",
    }
    # Two rounds of failures open the primary's breaker (threshold 5), the third round is
    # kept off it: the breaker's reads, writes and skips all happen in these runs.
    workflow_ids = [create_agent_workflow(**config) for _ in range(3)]
    with statements_on_this_thread() as on_loop:
        statuses = await run_all(workflow_ids) + await run_all(workflow_ids)
        primary_calls = fake_server.calls["primary"]
        statuses += await run_all(workflow_ids, reactive=True)
        await close_llm_client()
    assert statuses == ["succeeded"] * 12
    assert fake_server.calls["backup"] == 12
    assert fake_server.calls["primary"] == primary_calls, "the breaker is open"
    assert not on_loop, "SQL on the event loop:\n" + "\n".join(on_loop)
