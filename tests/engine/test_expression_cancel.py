"""Cancelling a run reaches a running expression within 1 s (issue 8, "Honest heartbeats and
cancellation" 2: a CPU-bound run could not be cancelled for 13-15 s).

The expression gets a 60 s budget here, so only the cancellation can stop it.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from app.engine.context import RunServices
from app.engine.events import RunStatus
from app.engine.executor import run_workflow
from app.engine.expressions import ExpressionLimits
from app.engine.spec import WorkflowSpec
from tests.expression_payloads import TIME_PAYLOADS, heavy_document

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing

SLOW_SERVICES = RunServices(expression_limits=ExpressionLimits(max_seconds=60))
# 300 iterations of two sorts of 20,000 items: many seconds of CPU.
SPEC = WorkflowSpec.from_document(heavy_document(TIME_PAYLOADS["sort_in_loop"]))


def expression_cpu_seconds() -> float:
    """CPU time used so far by the threads that render expressions."""
    return sum(
        time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
        for thread in threading.enumerate()
        if thread.name.startswith("flowbook-expr") and thread.ident is not None
    )


async def rendering_started(timeout_s: float = 15.0) -> None:
    """Wait until the expression workers have used some CPU (a busy box starts them late)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    before = expression_cpu_seconds()
    while expression_cpu_seconds() - before < 0.05:
        assert loop.time() < deadline, "the expression never started rendering"
        await asyncio.sleep(0.05)


async def cpu_used_over(seconds: float) -> float:
    before = expression_cpu_seconds()
    await asyncio.sleep(seconds)
    return expression_cpu_seconds() - before


async def test_cancelling_the_run_task_stops_the_expression_within_a_second() -> None:
    run = asyncio.create_task(run_workflow(SPEC, services=SLOW_SERVICES))
    await rendering_started()

    cancelled_at = time.monotonic()
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    assert time.monotonic() - cancelled_at < 1.0
    assert await cpu_used_over(0.5) < 0.05, "the worker is still rendering"


async def test_the_cancel_event_stops_the_expression_within_a_second() -> None:
    cancel = asyncio.Event()
    run = asyncio.create_task(run_workflow(SPEC, services=SLOW_SERVICES, cancel_event=cancel))
    await rendering_started()

    cancelled_at = time.monotonic()
    cancel.set()
    result = await run
    assert time.monotonic() - cancelled_at < 1.0
    assert result.status is RunStatus.CANCELLED
    assert await cpu_used_over(0.5) < 0.05, "the worker is still rendering"
