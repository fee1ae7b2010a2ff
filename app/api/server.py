"""The API served on its own (no Reflex): `uvicorn app.api.server:app --port 8100`.

Start-up migrates the database, loads the samples and marks stale `running` executions
as crashed, exactly as the full app does; a background loop keeps recovering runs whose
heartbeat goes stale later. Shut-down cancels this process's runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.main import create_api
from app.services.lifespan import serving_lifespan


@asynccontextmanager
async def lifespan(api: FastAPI) -> AsyncIterator[None]:
    """Prepare the database before the first request; stop background work at the end."""
    async with serving_lifespan():
        yield


app = create_api(lifespan=lifespan)
