"""The run path never blocks the event loop, on SQLite and PostgreSQL.

Every statement is made slow (a few ms of sleep per statement, on the real database) and a
probe task that sleeps 5 ms over and over records how late it wakes: with database work on
the services' threads, the loop stays free while 20 persisted runs write concurrently, and
while one 1,000-node run writes its 1,000 node runs (a row at each start, updated at each
end). Issue 7 asks for a lag < 20 ms; see `assert_loop_stays_free` for how machine noise is handled.
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from app.services import executions
from app.services.loop_lag import LoopLagProbe
from app.services.principal import SYSTEM
from app.services.run_events import get_run_events
from tests.documents import chain, node
from tests.records import make_workflow

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing

STATEMENT_SLEEP_S = 0.005
LONG_RUN_STATEMENT_SLEEP_S = 0.006
PROBE_SLEEP_S = 0.005
MAX_LAG_MS = 20.0
MAX_P90_LAG_MS = 10.0
CONCURRENT_RUNS = 20
IDLE_BASELINE_S = 1.0
ATTEMPTS = 3


@contextmanager
def slow_statements(engine: Engine, seconds: float) -> Iterator[None]:
    """Every statement on the test database sleeps `seconds` first (in its own thread)."""

    def sleep(*_args: Any) -> None:
        time.sleep(seconds)

    event.listen(engine, "before_cursor_execute", sleep)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", sleep)


@pytest.fixture
def frozen_heap() -> Iterator[None]:
    """Freeze the heap, as a serving process does after start-up (`serving_lifespan`):
    otherwise a full garbage collection walks every object the test session imported and
    stops the loop for 100-600 ms, whatever the run path does."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


async def assert_loop_stays_free(run: Callable[[], Awaitable[None]]) -> None:
    """Run `run` under the probe: most wake-ups on time, and the p99 within the bound.

    The p90 is asserted on every attempt: code that blocks the loop delays most wake-ups
    (20-400 ms here when the writes run inline), machine noise only a few. The p99 is
    asserted on attempts whose idle loop, measured just before, meets the bound with room
    to spare; an overloaded machine delays wake-ups by tens of ms in bursts, so a noisy
    attempt is tried again (up to ATTEMPTS), and when every attempt was noisy the p99 is
    reported as a warning instead.
    """
    missed: list[float] = []
    for _ in range(ATTEMPTS):
        probe = LoopLagProbe(interval_s=PROBE_SLEEP_S)
        probe.start()
        await asyncio.sleep(IDLE_BASELINE_S)  # the machine's own noise, measured first
        idle_p99_ms = probe.percentile_ms(0.99)
        probe.clear()
        try:
            await run()
        finally:
            await probe.stop()
        tail = sorted(probe.lags_ms())[-10:]
        assert len(probe.lags_ms()) > 20
        assert probe.percentile_ms(0.9) < MAX_P90_LAG_MS, tail
        p99 = probe.percentile_ms(0.99)
        if idle_p99_ms < MAX_LAG_MS / 2:
            if p99 < MAX_LAG_MS:
                return
            missed.append(p99)
    assert not missed, f"loop lag p99 {missed} ms on quiet attempts (bound {MAX_LAG_MS} ms)"
    warnings.warn(
        f"loop lag p99 not asserted: the machine was noisy on {ATTEMPTS} attempts", stacklevel=2
    )


def steps(count: int) -> dict[str, Any]:
    """A manual trigger followed by `count` transforms in a line."""
    nodes = [node("t", "manual_trigger")]
    nodes += [node(f"s{i}", "transform", template="{{ input }}") for i in range(count)]
    return chain(*nodes)


async def run_and_wait(workflow_ids: list[int], timeout_s: float) -> list[str]:
    """Start one execution per workflow from async code; the final status of each."""
    async with get_run_events().subscription() as sub:
        started = [
            await executions.start_execution_async(principal=SYSTEM, workflow_id=w, input={"i": i})
            for i, w in enumerate(workflow_ids)
        ]
        wanted = {e.id for e in started}
        finished: dict[int, str] = {}
        while wanted - finished.keys():
            got = await sub.get(timeout_s)
            assert got is not None, f"runs still going: {wanted - finished.keys()}"
            if got.kind == "execution_finished" and got.execution_id in wanted:
                finished[got.execution_id] = got.status
    return [finished[e.id] for e in started]


@pytest.mark.usefixtures("frozen_heap")
async def test_twenty_concurrent_persisted_runs_leave_the_loop_free(engine: Engine) -> None:
    workflow_ids = [make_workflow(steps(4), f"Flow {i}") for i in range(CONCURRENT_RUNS)]

    async def twenty_runs() -> None:
        with slow_statements(engine, STATEMENT_SLEEP_S):
            statuses = await run_and_wait(workflow_ids, timeout_s=60)
        assert statuses == ["succeeded"] * CONCURRENT_RUNS

    await assert_loop_stays_free(twenty_runs)


@pytest.mark.slow
@pytest.mark.usefixtures("frozen_heap")
async def test_the_loop_keeps_answering_during_a_thousand_node_run(engine: Engine) -> None:
    workflow_id = make_workflow(steps(999), "Long")

    async def long_run() -> None:
        with slow_statements(engine, LONG_RUN_STATEMENT_SLEEP_S):
            statuses = await run_and_wait([workflow_id], timeout_s=120)
        assert statuses == ["succeeded"]

    await assert_loop_stays_free(long_run)
