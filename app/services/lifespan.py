"""What every serving process does around its life: prepare the database, keep recovering
crashed runs, and stop its own runs at exit. Used by the Reflex app and the bare API."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.services.db_threads import run_db
from app.services.execution_runner import get_runner
from app.services.loop_lag import start_serving_probe, stop_serving_probe
from app.services.pricing import keep_price_book_fresh
from app.services.recovery import run_recovery_loop
from app.services.run_services import close_llm_client
from app.services.scheduler import start_scheduler, stop_scheduler
from app.services.startup import start_up

YOUNG_COLLECTION_THRESHOLD = 20_000


@asynccontextmanager
async def serving_lifespan() -> AsyncIterator[None]:
    """Start-up before serving, a crash-recovery loop and the schedules' runtime (one
    leader across processes fires them) while serving, shut-down after.

    The loop matters when a process restarts quickly: an execution killed with it still
    has a fresh heartbeat at start-up and only becomes stale (and `crashed`) later.
    """
    await run_db(start_up)
    # Everything imported and built so far lives as long as the process: keep it out of
    # the garbage collector's full collections, which otherwise walk it all and stop the
    # event loop for hundreds of milliseconds now and then.
    gc.freeze()
    # Young collections after 20,000 net new objects rather than 700. A run's objects are
    # freed by reference counting (it leaves no cycle: tests/services/test_run_garbage.py),
    # so collecting that often only promoted the objects of requests in flight, and those
    # promotions set off full collections: a 15-25 ms pause three times a second under load
    # (execute bench: p99 to the 202 50 -> 32-39 ms, measured).
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
    recovery = asyncio.create_task(run_recovery_loop(), name="crash-recovery")
    prices = asyncio.create_task(keep_price_book_fresh(), name="price-book")
    start_serving_probe()
    start_scheduler()
    try:
        yield
    finally:
        await stop_scheduler()
        await stop_serving_probe()
        for task in (recovery, prices):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await get_runner().shutdown()
        await close_llm_client()
