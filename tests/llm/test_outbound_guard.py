"""Every provider call goes through the HTTP node's SSRF guard and allowlist, at call time,
pinned to the checked address: a key never reaches a refused address, redirects are not
followed, and an upstream error body is never echoed whole. Real listeners on 127.0.0.1."""

from __future__ import annotations

import httpx
import pytest

from app.engine.context import HttpPolicy
from app.llm.client import LLMClient
from app.llm.deployments import Deployment, Provider
from app.llm.errors import LLMCallFailed
from app.llm.fallback import FallbackPolicy
from app.llm.guarded_transport import GuardedTransport
from app.llm.types import Attempt, LLMRequest, Outcome
from tests.llm.recording_server import INTERNAL_BODY, recording_server

KEY = "sk-guard-test-7c6b5a4d3e2f1900"
KEY_ENV = "FLOWBOOK_TEST_GUARD_KEY"
NAME = "llm.example.test"
PROVIDERS = [
    (Provider.OPENAI, "gpt-4o-mini"),
    (Provider.ANTHROPIC, "claude-haiku-4-5"),
    (Provider.GEMINI, "gemini-2.5-flash"),
    (Provider.OPENAI_COMPATIBLE, "llama3"),
]


@pytest.fixture(autouse=True)
def provider_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)


async def to_loopback(host: str, port: int) -> list[str]:
    """DNS where every name (llm.example.test too) points at 127.0.0.1."""
    return ["127.0.0.1"]


def deployment(provider: Provider, model: str, api_base: str) -> Deployment:
    return Deployment(
        name=f"{provider.value}/{model}",
        provider=provider,
        model=model,
        api_base=api_base,
        api_key_env=KEY_ENV,
    )


async def only_attempt(target: Deployment, http_policy: HttpPolicy) -> Attempt:
    """The one failed attempt of a call to `target` (no fallback)."""
    request = LLMRequest.from_prompt("hi", model=target.name, use_equivalents=False)
    async with LLMClient(
        [target],
        policy=FallbackPolicy(attempt_timeout_s=20.0),
        http_policy=http_policy,
        resolver=to_loopback,
    ) as client:
        with pytest.raises(LLMCallFailed) as caught:
            await client.complete(request)
    [attempt] = caught.value.path
    return attempt


@pytest.mark.parametrize(("provider", "model"), PROVIDERS)
async def test_a_base_url_on_loopback_is_refused_and_gets_nothing(
    provider: Provider, model: str
) -> None:
    with recording_server() as listener:
        attempt = await only_attempt(deployment(provider, model, listener.base()), HttpPolicy())
    assert listener.seen == []
    assert attempt.outcome is Outcome.ADDRESS_REFUSED
    assert attempt.error is not None
    assert attempt.error.startswith("refused: 127.0.0.1 is a loopback address")


@pytest.mark.parametrize(("provider", "model"), PROVIDERS)
async def test_a_name_that_now_resolves_to_loopback_is_refused_at_call_time(
    provider: Provider, model: str
) -> None:
    """The settings were saved while the name was public; its DNS answer changed since."""
    with recording_server() as listener:
        target = deployment(provider, model, listener.base(NAME))
        attempt = await only_attempt(target, HttpPolicy(allowlist=(f"{NAME}:1",)))
    assert listener.seen == []
    assert attempt.outcome is Outcome.ADDRESS_REFUSED
    assert f"refused: {NAME} resolves to 127.0.0.1, a loopback address" in (attempt.error or "")


@pytest.mark.parametrize(("provider", "model"), PROVIDERS)
async def test_an_allowlisted_server_is_reached_through_the_guard_and_its_body_is_cut(
    provider: Provider, model: str
) -> None:
    """`llm.example.test` exists only in the guard's resolver: the request can only arrive
    if the provider's transport is the guarded one, pinned to the address it checked."""
    with recording_server() as listener:
        target = deployment(provider, model, listener.base(NAME))
        attempt = await only_attempt(target, HttpPolicy(allowlist=(f"{NAME}:{listener.port}",)))
    [seen] = listener.seen
    assert seen.headers["host"] == f"{NAME}:{listener.port}"
    assert KEY in " ".join([seen.path, *seen.headers.values()]), "the key was sent"
    assert attempt.outcome is Outcome.SERVER_ERROR and attempt.status_code == 500
    error = attempt.error or ""
    assert "INTERNAL-ONLY-DATA" in error
    assert INTERNAL_BODY[:400] not in error and len(error) < 700
    assert KEY not in error


@pytest.mark.parametrize(("provider", "model"), PROVIDERS)
async def test_a_redirect_is_not_followed(provider: Provider, model: str) -> None:
    with (
        recording_server() as elsewhere,
        recording_server(status=307, location=elsewhere.base("other.example.test")) as first,
    ):
        allowed = (f"{NAME}:{first.port}", f"other.example.test:{elsewhere.port}")
        attempt = await only_attempt(
            deployment(provider, model, first.base(NAME)), HttpPolicy(allowlist=allowed)
        )
    assert len(first.seen) == 1
    assert elsewhere.seen == []
    assert attempt.outcome is not Outcome.OK


async def test_the_transport_lets_no_client_follow_a_redirect() -> None:
    """Even a client told to follow redirects (as LiteLLM's handlers and the OpenAI SDK may
    be) gets the 3xx itself: the transport drops its Location, so no key is carried on."""
    with (
        recording_server() as elsewhere,
        recording_server(status=307, location=elsewhere.base("other.example.test")) as first,
    ):
        allowed = (f"{NAME}:{first.port}", f"other.example.test:{elsewhere.port}")
        transport = GuardedTransport(lambda: HttpPolicy(allowlist=allowed), resolver=to_loopback)
        async with httpx.AsyncClient(
            transport=transport, follow_redirects=True, trust_env=False
        ) as client:
            response = await client.post(f"{first.base(NAME)}/messages", headers={"x-api-key": KEY})
    assert (response.status_code, response.headers.get("location")) == (307, None)
    assert len(first.seen) == 1 and elsewhere.seen == []
