"""Service test helpers: stop leftover in-process runs after each test; `no_provider_keys`
for tests that must not see real provider keys; the LLM layer's fake OpenAI-compatible server
fixtures (`fake_server`, `fake_key`) for LLM service tests, the server allowlisted for runs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.services.execution_runner import get_runner
from app.services.outbound_http import ALLOWLIST_ENV
from tests.llm.conftest import fake_key, fake_server_session
from tests.llm.fake_server import FakeLLMServer

__all__ = ["fake_key", "fake_server_session"]


@pytest.fixture
def fake_server(
    fake_server_session: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> FakeLLMServer:
    """The session's fake provider, reset, and allowlisted the documented way
    (`FLOWBOOK_HTTP_ALLOWLIST=127.0.0.1:<its port>`) for saved settings and runs."""
    fake_server_session.reset()
    monkeypatch.setenv(ALLOWLIST_ENV, ",".join(fake_server_session.policy.allowlist))
    return fake_server_session


@pytest.fixture(autouse=True)
async def stop_runs() -> AsyncIterator[None]:
    """Cancel runs a test left going, before its event loop closes."""
    yield
    await get_runner().shutdown()


@pytest.fixture
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key from the environment: nothing may reach a real provider, and each test
    sets the keys it needs."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
