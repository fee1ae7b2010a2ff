"""The API served on its own (no Reflex): `uvicorn app.api.server:app --port 8100`.

Start-up migrates the database, loads the samples and marks stale `running` executions
as crashed, exactly as the full app does; a background loop keeps recovering runs whose
heartbeat goes stale later. Shut-down cancels this process's runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.main import create_api
from app.services.execution_runner import get_runner
from app.services.recovery import run_recovery_loop
from app.services.startup import start_up


@asynccontextmanager
async def lifespan(api: FastAPI) -> AsyncIterator[None]:
    """Prepare the database before the first request; stop background work at the end."""
    await asyncio.to_thread(start_up)
    recovery = asyncio.create_task(run_recovery_loop(), name="crash-recovery")
    try:
        yield
    finally:
        recovery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await recovery
        await get_runner().shutdown()


app = create_api(lifespan=lifespan)
