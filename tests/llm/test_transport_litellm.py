"""LiteLLM's handler sends through our guarded client and keeps no httpx client of its own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.llm.deployments import Deployment, Provider
from app.llm.litellm_import import load_litellm
from app.llm.transport_litellm import LiteLLMClients


async def test_the_handler_closes_the_client_it_built_and_uses_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`AsyncHTTPHandler()` builds an httpx client (with the environment's proxies) that was
    left open when ours replaced it."""
    load_litellm()
    from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

    built: list[httpx.AsyncClient] = []
    real_create_client = AsyncHTTPHandler.create_client

    def recording_create_client(self: Any, *args: Any, **kwargs: Any) -> httpx.AsyncClient:
        client = real_create_client(self, *args, **kwargs)
        built.append(client)
        return client

    monkeypatch.setattr(AsyncHTTPHandler, "create_client", recording_create_client)
    target = Deployment(name="anthropic/claude", provider=Provider.ANTHROPIC, model="claude")
    async with httpx.AsyncClient(trust_env=False) as ours:
        clients = LiteLLMClients(ours)
        handler = await clients.for_deployment(target)
        assert handler.client is ours
        assert await clients.for_deployment(target) is handler
    assert len(built) == 1 and built[0].is_closed
