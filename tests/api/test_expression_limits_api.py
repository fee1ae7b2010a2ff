"""Expression payloads through the API (issue 8): each run fails fast with a clear limit error
naming the node while `/api/health`, asked every 50 ms, keeps answering within 100 ms (p99);
a cancel reaches a running expression within 1 s. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.api.conftest import WaitFor
from tests.documents import chain, node
from tests.expression_payloads import (
    HEAVY_NODE,
    ISSUE_PAYLOADS,
    TIME_PAYLOADS,
    frozen_heap,
    heavy_document,
    is_limit_error,
    p99,
)

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing


@pytest.fixture(scope="module", autouse=True)
def serving_heap() -> Iterator[None]:
    """The heap frozen as in a serving process (see `frozen_heap`): the bounds here are
    about expressions, not about full collections of a test process's large heap."""
    with frozen_heap():
        yield


@pytest.fixture
async def health_latencies(client: httpx.AsyncClient) -> AsyncIterator[list[float]]:
    """Seconds each `/api/health` took, asked every 50 ms for as long as the test runs."""
    latencies: list[float] = []
    # Warm up first: the first request opens the database connection (up to 1 s here).
    assert (await client.get("/api/health")).status_code == 200

    async def ask() -> None:
        while True:
            started = time.monotonic()
            response = await client.get("/api/health")
            latencies.append(time.monotonic() - started)
            assert response.status_code == 200, response.text
            await asyncio.sleep(max(0.0, 0.05 - (time.monotonic() - started)))

    asking = asyncio.create_task(ask())
    yield latencies
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking


async def _execute(client: httpx.AsyncClient, workflow_id: int) -> int:
    response = await client.post(f"/api/workflows/{workflow_id}/execute", json={"input": {}})
    assert response.status_code == 202, response.text
    return int(response.json()["execution_id"])


async def test_payloads_fail_fast_while_health_keeps_answering(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: WaitFor,
    health_latencies: list[float],
) -> None:
    # The deadline-bound payloads twice: enough health samples for a p99 (not just a max).
    payloads = [*ISSUE_PAYLOADS.items(), *TIME_PAYLOADS.items(), *TIME_PAYLOADS.items()]
    for name, template in payloads:
        workflow = await create_workflow(heavy_document(template), name=name)
        started = time.monotonic()
        execution_id = await _execute(client, workflow["id"])
        detail = await wait_for_execution(execution_id, timeout_s=10)
        elapsed = time.monotonic() - started

        assert detail["status"] == "failed", (name, detail["status"])
        assert detail["error_node_id"] == "heavy"
        assert is_limit_error(detail["error"]), (name, detail["error"])
        heavy = next(run for run in detail["node_runs"] if run["node_id"] == "heavy")
        assert heavy["status"] == "failed"
        assert HEAVY_NODE in heavy["error"]
        # The issue's bound; the run's status is polled every 50 ms on top.
        assert elapsed < 2.0, (name, elapsed)

    assert len(health_latencies) > 150
    assert p99(health_latencies) < 0.1, sorted(health_latencies)[-5:]


async def test_cancel_reaches_a_running_expression_within_a_second(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor
) -> None:
    # Five heavy nodes of a 1 s budget each: a run of about 5 s, cancelled in the middle.
    heavy = [
        node(f"heavy{n}", "transform", template=TIME_PAYLOADS["sort_in_loop"]) for n in range(5)
    ]
    for step in heavy:
        step["on_error"] = "continue"
    workflow = await create_workflow(chain(node("start", "manual_trigger"), *heavy))
    execution_id = await _execute(client, workflow["id"])
    await wait_for_execution(execution_id, statuses={"running"})
    await asyncio.sleep(1.5)

    asked = time.monotonic()
    response = await client.post(f"/api/executions/{execution_id}/cancel")
    assert response.status_code == 200, response.text
    detail = await wait_for_execution(execution_id, timeout_s=5)
    assert time.monotonic() - asked < 1.0
    assert detail["status"] == "cancelled"
    statuses = [run["status"] for run in detail["node_runs"] if run["node_id"] != "start"]
    assert "cancelled" in statuses, statuses
