"""Fallback through real HTTP against the fake provider: 5xx, 429, hangs, slowness, cut streams."""

from __future__ import annotations

import time

import pytest

from app.engine.context import HttpPolicy
from app.llm.client import LLMClient
from app.llm.deployments import Deployment, Provider
from app.llm.errors import LLMCallFailed
from app.llm.fallback import FallbackPolicy, parse_retry_after
from app.llm.types import FallbackEvent, LLMRequest, Outcome
from tests.llm.conftest import fake_deployment
from tests.llm.fake_server import HANG, FakeLLMServer, answer, cut, error

pytestmark = pytest.mark.usefixtures("fake_key")


def client_for(server: FakeLLMServer, *names: str, **policy: object) -> LLMClient:
    """A client with one fake deployment per name and a short-timeout policy."""
    settings: dict[str, object] = {"attempt_timeout_s": 1.0, "retry_after_cap_s": 1.0}
    settings.update(policy)
    return LLMClient(
        [fake_deployment(server, n) for n in names],
        policy=FallbackPolicy(**settings),  # type: ignore[arg-type]
        http_policy=server.policy,
    )


def ask(model: str, *fallbacks: str, stream: bool = False) -> LLMRequest:
    """A one-line request for `model` with explicit fallbacks and no model-map expansion."""
    return LLMRequest.from_prompt(
        "Say hello", model=model, fallbacks=fallbacks, use_equivalents=False, stream=stream
    )


async def test_primary_500_falls_back_and_attempts_are_bounded(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", error(500))
    fake_server.set("backup", answer("from backup"))
    async with client_for(fake_server, "primary", "backup", "spare") as client:
        response = await client.complete(ask("primary", "backup", "spare"))
    assert response.text == "from backup"
    assert response.deployment == "backup"
    assert [(a.deployment, a.outcome, a.status_code) for a in response.path] == [
        ("primary", Outcome.SERVER_ERROR, 500),
        ("backup", Outcome.OK, None),
    ]
    assert fake_server.calls == {"primary": 1, "backup": 1}
    assert response.input_tokens == 2 + 7
    assert response.output_tokens == 2


async def test_all_failing_raises_with_the_whole_path(fake_server: FakeLLMServer) -> None:
    for name in ("a", "b", "c", "d"):
        fake_server.set(name, error(503))
    async with client_for(fake_server, "a", "b", "c", "d", max_attempts=3) as client:
        with pytest.raises(LLMCallFailed) as caught:
            await client.complete(ask("a", "b", "c", "d"))
    assert [a.deployment for a in caught.value.path] == ["a", "b", "c"]
    assert sum(fake_server.calls.values()) == 3


async def test_retry_after_within_cap_is_waited_out_on_the_same_deployment(
    fake_server: FakeLLMServer,
) -> None:
    fake_server.script("primary", error(429, retry_after="0.3"))
    fake_server.set("primary", answer("after waiting"))
    async with client_for(fake_server, "primary", "backup") as client:
        started = time.perf_counter()
        response = await client.complete(ask("primary", "backup"))
        elapsed = time.perf_counter() - started
    assert response.text == "after waiting"
    assert elapsed >= 0.3
    first, second = response.path
    assert (first.outcome, first.status_code, first.retry_after_s) == (
        Outcome.RATE_LIMITED,
        429,
        0.3,
    )
    assert (second.deployment, second.outcome) == ("primary", Outcome.OK)
    assert fake_server.calls == {"primary": 2}


@pytest.mark.timing
async def test_retry_after_over_cap_moves_on_at_once(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", error(429, retry_after="30"))
    async with client_for(fake_server, "primary", "backup") as client:
        started = time.perf_counter()
        response = await client.complete(ask("primary", "backup"))
    assert time.perf_counter() - started < 1.0
    assert response.deployment == "backup"
    assert response.path[0].retry_after_s == 30.0
    assert fake_server.calls == {"primary": 1, "backup": 1}


async def test_a_second_429_moves_on_instead_of_retrying_again(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", error(429, retry_after="0.05"))
    async with client_for(fake_server, "primary", "backup") as client:
        response = await client.complete(ask("primary", "backup"))
    assert [a.outcome for a in response.path] == [
        Outcome.RATE_LIMITED,
        Outcome.RATE_LIMITED,
        Outcome.OK,
    ]
    assert fake_server.calls == {"primary": 2, "backup": 1}


@pytest.mark.timing
async def test_a_hang_ends_within_the_timeout_and_falls_back(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", HANG)
    async with client_for(fake_server, "primary", "backup", attempt_timeout_s=0.3) as client:
        started = time.perf_counter()
        response = await client.complete(ask("primary", "backup"))
        elapsed = time.perf_counter() - started
    assert elapsed < 0.3 + 1.0
    assert response.text == "fake answer"
    assert response.path[0].outcome is Outcome.TIMEOUT
    assert response.path[0].latency_ms >= 300


@pytest.mark.timing
async def test_latency_over_threshold_falls_back_but_the_last_gets_the_full_timeout(
    fake_server: FakeLLMServer,
) -> None:
    fake_server.set("slow", answer("slow answer", delay_s=0.5))
    fake_server.set("quick", answer("quick answer"))
    async with client_for(
        fake_server, "slow", "quick", attempt_timeout_s=2.0, latency_threshold_s=0.1
    ) as client:
        started = time.perf_counter()
        response = await client.complete(ask("slow", "quick"))
        assert time.perf_counter() - started < 0.5
        assert response.text == "quick answer"
        assert response.path[0].outcome is Outcome.SLOW
        alone = await client.complete(ask("slow"))
    assert alone.text == "slow answer"


async def test_a_mid_stream_failure_does_not_duplicate_output(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", cut("The partial answer that"))
    fake_server.set("backup", answer("The complete answer from the backup"))
    async with client_for(fake_server, "primary", "backup") as client:
        response = await client.complete(ask("primary", "backup", stream=True))
    assert response.text == "The complete answer from the backup"
    assert "partial" not in response.text
    assert [a.outcome for a in response.path] == [Outcome.STREAM_CUT, Outcome.OK]
    assert [r.stream for r in fake_server.received] == [True, True]
    assert response.output_tokens == 6
    # Output had arrived: the cut attempt was billed, for estimated tokens (no usage came):
    # "Say hello" is 3 tokens, "The partial answer that" 6.
    cut_attempt = response.path[0]
    assert (cut_attempt.provider, cut_attempt.model) == ("openai_compatible", "primary")
    assert (cut_attempt.input_tokens, cut_attempt.output_tokens) == (3, 6)
    assert response.path[1].input_tokens is None


async def test_a_stream_cut_before_any_output_is_not_billed(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", cut(""))
    async with client_for(fake_server, "primary", "backup") as client:
        response = await client.complete(ask("primary", "backup", stream=True))
    assert response.path[0].outcome is Outcome.STREAM_CUT
    assert (response.path[0].input_tokens, response.path[0].output_tokens) == (None, None)
    assert response.path[0].provider is None


async def test_a_cut_plain_body_falls_back(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", cut("half"))
    async with client_for(fake_server, "primary", "backup") as client:
        response = await client.complete(ask("primary", "backup"))
    assert response.deployment == "backup"
    assert response.path[0].outcome is Outcome.CONNECTION_ERROR


async def test_client_errors_do_not_fall_back_unless_chosen(fake_server: FakeLLMServer) -> None:
    fake_server.set("primary", error(400, body="bad request"))
    async with client_for(fake_server, "primary", "backup") as client:
        with pytest.raises(LLMCallFailed) as caught:
            await client.complete(ask("primary", "backup"))
    assert [a.outcome for a in caught.value.path] == [Outcome.CLIENT_ERROR]
    assert fake_server.calls == {"primary": 1}
    chosen = client_for(fake_server, "primary", "backup", fallback_codes=frozenset({400}))
    async with chosen as client:
        response = await client.complete(ask("primary", "backup"))
    assert response.deployment == "backup"


async def test_a_refused_connection_falls_back(fake_server: FakeLLMServer) -> None:
    dead = Deployment(
        name="dead",
        provider=Provider.OPENAI_COMPATIBLE,
        model="dead",
        api_base="http://127.0.0.1:9/v1",
    )
    policy = FallbackPolicy(attempt_timeout_s=1.0)
    allowed = HttpPolicy(allowlist=(*fake_server.policy.allowlist, "127.0.0.1:9"))
    deployments = [dead, fake_deployment(fake_server, "backup")]
    async with LLMClient(deployments, policy=policy, http_policy=allowed) as client:
        response = await client.complete(ask("dead", "backup"))
    assert response.path[0].outcome is Outcome.CONNECTION_ERROR
    assert response.deployment == "backup"


async def test_every_fallback_is_reported_as_an_event(fake_server: FakeLLMServer) -> None:
    fake_server.set("a", error(500))
    fake_server.set("b", error(502))
    events: list[FallbackEvent] = []
    client = client_for(fake_server, "a", "b", "c")
    client.on_fallback = events.append
    async with client:
        await client.complete(ask("a", "b", "c"))
    assert [(e.from_deployment, e.to_deployment, e.reason) for e in events] == [
        ("a", "b", "server_error"),
        ("b", "c", "server_error"),
    ]
    assert all(e.at.tzinfo is not None for e in events)
    assert "502" in (events[1].detail or "")


async def test_a_failing_fallback_hook_does_not_fail_the_call(fake_server: FakeLLMServer) -> None:
    fake_server.set("a", error(500))

    def broken(event: FallbackEvent) -> None:
        raise RuntimeError("recorder down")

    client = client_for(fake_server, "a", "b")
    client.on_fallback = broken
    async with client:
        response = await client.complete(ask("a", "b"))
    assert response.deployment == "b"


def test_retry_after_parsing() -> None:
    assert parse_retry_after("2.5") == 2.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
