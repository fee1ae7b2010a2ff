"""Keys never appear in reprs, strings, exports, errors or logs, even when a provider echoes one."""

from __future__ import annotations

import json
import logging

import pytest

from app.llm.client import LLMClient
from app.llm.errors import LLMCallFailed
from app.llm.fallback import FallbackPolicy
from app.llm.types import FallbackEvent, LLMRequest
from tests.llm.conftest import fake_deployment
from tests.llm.fake_server import FakeLLMServer, error


async def test_keys_never_leak(
    fake_server: FakeLLMServer, fake_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = "invalid credentials: {auth}"
    fake_server.set("primary", error(500, body=echo))
    fake_server.set("other", error(401, body=echo))
    deployments = [fake_deployment(fake_server, n) for n in ("primary", "backup", "other")]
    events: list[FallbackEvent] = []
    request = LLMRequest.from_prompt("hi", model="primary", fallbacks=("backup",))
    async with LLMClient(
        deployments,
        policy=FallbackPolicy(attempt_timeout_s=1.0),
        on_fallback=events.append,
        http_policy=fake_server.policy,
    ) as client:
        response = await client.complete(request)
        with pytest.raises(LLMCallFailed) as caught:
            await client.complete(LLMRequest.from_prompt("hi", model="other"))

    assert fake_server.received[0].authorization == f"Bearer {fake_key}", "the key was sent"
    assert "[redacted]" in (response.path[0].error or "")
    surfaces = [
        repr(request),
        repr(response),
        str(response),
        json.dumps(response.to_dict()),
        repr(caught.value),
        str(caught.value),
        json.dumps([a.to_dict() for a in caught.value.path]),
        json.dumps([e.to_dict() for e in events]),
        caplog.text,
        *(repr(d) for d in deployments),
        *(json.dumps(d.to_dict()) for d in deployments),
    ]
    for surface in surfaces:
        assert fake_key not in surface
