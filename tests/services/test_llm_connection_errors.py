"""A provider that cannot be reached is a connection error, never a "Server error (5xx)":
real refused connections (a closed localhost port) through the LLM client and LiteLLM."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.engine.context import HttpPolicy
from app.llm.client import LLMClient
from app.llm.deployments import Deployment, Provider
from app.llm.errors import LLMCallFailed
from app.llm.fallback import FallbackPolicy
from app.llm.types import LLMRequest, Outcome
from app.services.llm_events import FallbackRecorder
from app.services.llm_monitoring import recent_fallbacks
from app.ui.state.monitoring_state import reason_label
from e2e.app_process import free_port

KEY_ENV = "FLOWBOOK_TEST_DEAD_PROVIDER_KEY"
# The closed ports are on loopback: allowlisted, so that the connection is really tried.
LOCAL = HttpPolicy(allowlist=("127.0.0.1:*",))


def dead(provider: Provider, model: str) -> Deployment:
    """A deployment of `provider` whose base URL is a closed localhost port."""
    return Deployment(
        name=f"{provider.value}/{model}",
        provider=provider,
        model=model,
        api_base=f"http://127.0.0.1:{free_port()}/v1",
        api_key_env=KEY_ENV,
    )


def ask(model: str, *fallbacks: str) -> LLMRequest:
    return LLMRequest.from_prompt(
        "Say hello", model=model, fallbacks=fallbacks, use_equivalents=False
    )


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        (Provider.OPENAI, "gpt-4o-mini"),
        (Provider.ANTHROPIC, "claude-haiku-4-5"),
        (Provider.GEMINI, "gemini-2.5-flash"),
        (Provider.OPENAI_COMPATIBLE, "llama3"),
    ],
)
async def test_a_refused_connection_is_a_connection_error(
    provider: Provider, model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-dead-provider-0000")
    deployment = dead(provider, model)
    async with LLMClient(
        [deployment], policy=FallbackPolicy(attempt_timeout_s=30.0), http_policy=LOCAL
    ) as client:
        with pytest.raises(LLMCallFailed) as caught:
            await client.complete(ask(deployment.name))
    [attempt] = caught.value.path
    assert attempt.outcome is Outcome.CONNECTION_ERROR, attempt
    assert attempt.status_code is None


async def test_monitoring_lists_it_as_a_connection_error(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-test-dead-provider-0000")
    deployment = dead(Provider.OPENAI, "gpt-4o-mini")
    recorder = FallbackRecorder(engine)
    client = LLMClient(
        [deployment], policy=FallbackPolicy(attempt_timeout_s=30.0), http_policy=LOCAL
    )
    client.on_fallback = recorder
    async with client:
        answer = await client.complete(ask(deployment.name, "mock/backup"))
    await recorder.drain()
    assert answer.deployment == "mock/backup"

    [event] = recent_fallbacks(session)
    assert (event.from_deployment, event.reason) == ("openai/gpt-4o-mini", "connection_error")
    assert reason_label(event.reason) == "Connection error"
