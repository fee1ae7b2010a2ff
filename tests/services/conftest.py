"""Service test helpers: stop leftover in-process runs after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.services.execution_runner import get_runner


@pytest.fixture(autouse=True)
async def stop_runs() -> AsyncIterator[None]:
    """Cancel runs a test left going, before its event loop closes."""
    yield
    await get_runner().shutdown()
